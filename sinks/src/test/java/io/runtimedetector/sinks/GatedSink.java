package io.runtimedetector.sinks;

import io.runtimedetector.event.ProcessEvent;
import io.runtimedetector.sink.EventSink;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/** Blocks in accept until the gate opens, like a sink whose server hangs. */
final class GatedSink implements EventSink {
    private final String name;
    private final CountDownLatch gate;
    /** Counted down when the first accept begins. */
    final CountDownLatch entered = new CountDownLatch(1);
    private final List<Integer> received = Collections.synchronizedList(new ArrayList<>());

    GatedSink(String name, CountDownLatch gate) {
        this.name = name;
        this.gate = gate;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void accept(ProcessEvent event) throws InterruptedException {
        entered.countDown();
        gate.await();
        received.add(event.pid());
    }

    List<Integer> received() {
        return List.copyOf(received);
    }
}
