package io.runtimedetector.probe;

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
 * Bridges the {@link RingBufferReader} thread into a Pekko Streams source of batches.
 * The reader signals through an async callback; a batch is pushed only on demand, so a
 * slow downstream leaves batches on the reader's bounded queue.
 */
final class RawEventSource extends GraphStage<SourceShape<List<RawEvent>>> {

    private final Outlet<List<RawEvent>> out = Outlet.create("RawEventSource.out");
    private final SourceShape<List<RawEvent>> shape = SourceShape.of(out);
    private final RingBufferReader reader;

    RawEventSource(RingBufferReader reader) {
        this.reader = reader;
    }

    @Override
    public SourceShape<List<RawEvent>> shape() {
        return shape;
    }

    @Override
    public GraphStageLogic createLogic(Attributes inheritedAttributes) {
        return new GraphStageLogic(shape) {
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
                List<RawEvent> batch = reader.nextBatch();
                if (batch != null) {
                    push(out, batch);
                } else if (reader.isDrained()) {
                    Throwable failure = reader.failure();
                    if (failure != null) {
                        failStage(failure);
                    } else {
                        completeStage();
                    }
                }
            }
        };
    }
}
