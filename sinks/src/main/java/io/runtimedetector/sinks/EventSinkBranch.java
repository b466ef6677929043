package io.runtimedetector.sinks;

import io.runtimedetector.event.ProcessEvent;
import io.runtimedetector.sink.EventSink;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.SinkShape;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.stream.stage.GraphStageWithMaterializedValue;
import scala.Tuple2;

/**
 * The branch for a plain {@link EventSink}: a stage that hands each event to the sink's
 * own thread through a bounded {@link HandOff} of {@link SinkSettings#bufferSize()}
 * events, the sink's whole buffer. When it is full the stage backpressures (or, with
 * {@link OverflowPolicy#DROP_NEWEST}, drops and counts the event). The sink's thread
 * reports what it has finished with ({@link SinkProgress}); an event only handed off is
 * not finished. Each instance owns a thread, so it is materialized once.
 */
final class EventSinkBranch extends GraphStageWithMaterializedValue<SinkShape<ProcessEvent>, CompletionStage<Done>> {

    private final Inlet<ProcessEvent> in = Inlet.create("EventSinkBranch.in");
    private final SinkShape<ProcessEvent> shape = SinkShape.of(in);
    private final EventSink sink;
    private final SinkCounterCells counters;
    private final SinkSettings settings;
    private final SinkProgress.Branch progress;

    private EventSinkBranch(EventSink sink, SinkCounterCells counters, SinkSettings settings,
            SinkProgress.Branch progress) {
        this.sink = sink;
        this.counters = counters;
        this.settings = settings;
        this.progress = progress;
    }

    static Sink<ProcessEvent, CompletionStage<Done>> create(EventSink sink, SinkCounterCells counters,
            SinkSettings settings, SinkProgress.Branch progress) {
        return Sink.fromGraph(new EventSinkBranch(sink, counters, settings, progress));
    }

    @Override
    public SinkShape<ProcessEvent> shape() {
        return shape;
    }

    @Override
    public Tuple2<GraphStageLogic, CompletionStage<Done>> createLogicAndMaterializedValue(Attributes attributes) {
        DropReporter drops = SinkBuffers.dropReporter(counters, settings);
        EventSinkWorker worker = new EventSinkWorker(sink, counters, settings.maxRestarts(), settings.bufferSize(),
                progress);
        boolean dropNewest = settings.overflow() == OverflowPolicy.DROP_NEWEST;
        HandOff<ProcessEvent> handOff = worker.handOff();

        GraphStageLogic logic = new GraphStageLogic(shape) {
            /** Taken from upstream, not yet in the hand-off (which was full). */
            private ProcessEvent waiting;
            private boolean upstreamDone;
            /** Run by the sink's thread once it made room: the one wake-up this stage asks for. */
            private Runnable whenRoom;

            {
                setHandler(in, new AbstractInHandler() {
                    @Override
                    public void onPush() {
                        ProcessEvent event = grab(in);
                        if (handOff.offer(event)) {
                            pull(in);
                        } else if (dropNewest) {
                            drops.dropped();
                            handOff.skipped();
                            pull(in);
                        } else {
                            waiting = event;
                            handOff.awaitRoom(whenRoom);
                        }
                    }

                    @Override
                    public void onUpstreamFinish() {
                        upstreamDone = true;
                        if (waiting == null) {
                            completeStage();
                        }
                    }

                    @Override
                    public void onUpstreamFailure(Throwable cause) {
                        // The failure is the stream's to report; the sink is flushed and closed as on a finish.
                        onUpstreamFinish();
                    }
                });
            }

            @Override
            public void preStart() {
                AsyncCallback<Done> room = createAsyncCallback(done -> onRoom());
                whenRoom = () -> room.invoke(Done.getInstance());
                // A sink that gave up ends its branch (no failure of the stream); the fan-out then skips it.
                AsyncCallback<Done> stopped = createAsyncCallback(done -> completeStage());
                worker.start(() -> stopped.invoke(Done.getInstance()));
                pull(in);
            }

            private void onRoom() {
                if (waiting == null) {
                    return;
                }
                if (!handOff.offer(waiting)) {
                    handOff.awaitRoom(whenRoom);
                    return;
                }
                waiting = null;
                if (upstreamDone) {
                    completeStage();
                } else {
                    pull(in);
                }
            }

            @Override
            public void postStop() {
                // Finished, failed, cancelled or shut down: the thread delivers what is queued, then ends.
                handOff.close();
                drops.finish();
            }
        };
        return Tuple2.apply(logic, worker.done());
    }
}
