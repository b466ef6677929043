package io.runtimedetector.sinks;

import java.util.ArrayDeque;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;

/**
 * A bounded buffer that always pulls and discards arriving elements while it is full.
 * Pekko's own {@code OverflowStrategy.dropNew()} drops silently; this one reports every
 * drop so that it can be counted and logged.
 */
final class DropNewestBuffer<T> extends GraphStage<FlowShape<T, T>> {

    private final Inlet<T> in = Inlet.create("DropNewestBuffer.in");
    private final Outlet<T> out = Outlet.create("DropNewestBuffer.out");
    private final FlowShape<T, T> shape = FlowShape.of(in, out);
    private final int capacity;
    private final Runnable onDrop;

    /** @param onDrop called on the stream's thread for each discarded element; must not block */
    DropNewestBuffer(int capacity, Runnable onDrop) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1");
        }
        this.capacity = capacity;
        this.onDrop = onDrop;
    }

    @Override
    public FlowShape<T, T> shape() {
        return shape;
    }

    @Override
    public GraphStageLogic createLogic(Attributes inheritedAttributes) {
        return new GraphStageLogic(shape) {
            private final ArrayDeque<T> queue = new ArrayDeque<>();

            {
                setHandler(in, new AbstractInHandler() {
                    @Override
                    public void onPush() {
                        T element = grab(in);
                        if (queue.isEmpty() && isAvailable(out)) {
                            push(out, element);
                        } else if (queue.size() < capacity) {
                            queue.add(element);
                        } else {
                            onDrop.run();
                        }
                        pull(in);
                    }

                    @Override
                    public void onUpstreamFinish() {
                        // Hand over what is buffered before completing.
                        if (queue.isEmpty()) {
                            completeStage();
                        }
                    }
                });
                setHandler(out, new AbstractOutHandler() {
                    @Override
                    public void onPull() {
                        if (!queue.isEmpty()) {
                            push(out, queue.poll());
                        }
                        if (queue.isEmpty() && isClosed(in)) {
                            completeStage();
                        }
                    }
                });
            }

            @Override
            public void preStart() {
                pull(in);
            }
        };
    }
}
