package io.runtimedetector.probe;

import java.util.Iterator;
import java.util.List;
import org.apache.pekko.Done;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.SourceShape;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;

/**
 * Bridges the {@link RingBufferReader} thread into a Pekko Streams source. The reader
 * signals through an async callback; events are pushed only on demand, so a slow
 * downstream leaves batches on the reader's bounded queue and the reader waits.
 */
final class RawEventSource extends GraphStage<SourceShape<RawEvent>> {

    private final Outlet<RawEvent> out = Outlet.create("RawEventSource.out");
    private final SourceShape<RawEvent> shape = SourceShape.of(out);
    private final RingBufferReader reader;

    RawEventSource(RingBufferReader reader) {
        this.reader = reader;
    }

    @Override
    public SourceShape<RawEvent> shape() {
        return shape;
    }

    @Override
    public GraphStageLogic createLogic(Attributes inheritedAttributes) {
        return new GraphStageLogic(shape) {
            private Iterator<RawEvent> current = List.<RawEvent>of().iterator();

            {
                setHandler(out, new AbstractOutHandler() {
                    @Override
                    public void onPull() {
                        pushNext();
                    }

                    @Override
                    public void onDownstreamFinish(Throwable cause) {
                        reader.stop();
                        completeStage();
                    }
                });
            }

            @Override
            public void preStart() {
                AsyncCallback<Done> dataReady = createAsyncCallback(done -> {
                    if (isAvailable(out)) {
                        pushNext();
                    }
                });
                reader.start(() -> dataReady.invoke(Done.getInstance()));
            }

            private void pushNext() {
                while (!current.hasNext()) {
                    List<RawEvent> batch = reader.nextBatch();
                    if (batch == null) {
                        if (reader.isDrained()) {
                            finish();
                        }
                        return;
                    }
                    current = batch.iterator();
                }
                push(out, current.next());
            }

            private void finish() {
                Throwable failure = reader.failure();
                if (failure != null) {
                    failStage(failure);
                } else {
                    completeStage();
                }
            }
        };
    }
}
