package io.runtimedetector.micrometer;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.runtimedetector.DetectorMetrics;
import io.runtimedetector.FilterReason;
import io.runtimedetector.engine.Detector;
import io.runtimedetector.event.EventType;
import io.runtimedetector.probe.BpfVariant;
import io.runtimedetector.sink.SinkCounters;
import io.runtimedetector.sink.SinkStats;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * The detector's counters as Micrometer meters, read from {@link Detector#metrics()} and
 * {@link Detector#sinkStats()} whenever the registry is scraped, so nothing is counted
 * twice. In Prometheus they appear as {@code runtime_detector_events_total{type}},
 * {@code runtime_detector_raw_events_total{type}}, {@code runtime_detector_filtered_total{reason}},
 * {@code runtime_detector_kernel_lost_total}, {@code runtime_detector_processes_followed},
 * {@code runtime_detector_sink_delivered_total{sink}}, {@code runtime_detector_sink_dropped_total{sink}},
 * {@code runtime_detector_proc_read_errors_total} and the rest below.
 *
 * <pre>{@code
 * new DetectorMeterBinder(detector).bindTo(registry);
 * }</pre>
 */
public final class DetectorMeterBinder implements MeterBinder {

    private static final String PREFIX = "runtime.detector.";

    private final Supplier<DetectorMetrics> metrics;
    private final Supplier<SinkStats> sinks;

    public DetectorMeterBinder(Detector detector) {
        this(detector::metrics, detector::sinkStats);
    }

    /** From any source of the two snapshots, e.g. for a detector behind a facade. */
    public DetectorMeterBinder(Supplier<DetectorMetrics> metrics, Supplier<SinkStats> sinks) {
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.sinks = Objects.requireNonNull(sinks, "sinks");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (EventType type : EventType.values()) {
            String tag = lower(type);
            counter(registry, "events", "Events handed to the sinks and consumers", m -> m.emitted(type), "type", tag);
            counter(registry, "raw.events", "Raw events received from the kernel", m -> m.rawEvents(type), "type", tag);
        }
        for (FilterReason reason : FilterReason.values()) {
            counter(registry, "filtered", "Raw events or processes kept from the sinks", m -> m.filtered(reason),
                    "reason", lower(reason));
        }
        counter(registry, "kernel.lost", "Events the kernel dropped because the ring buffer was full",
                DetectorMetrics::kernelLost);
        counter(registry, "track.overflows", "Processes that could not be followed because the tracked map was full",
                DetectorMetrics::trackOverflows);
        counter(registry, "decode.errors", "Ring buffer records that could not be decoded", DetectorMetrics::decodeErrors);
        counter(registry, "proc.read.errors", "Failed /proc reads other than of processes already gone",
                DetectorMetrics::procReadErrors);
        counter(registry, "env.unreadable", "Processes passed on because their environment could not be read",
                DetectorMetrics::envUnreadable);
        counter(registry, "pending.dropped", "Events of not yet reported processes that were discarded",
                DetectorMetrics::pendingDropped);
        counter(registry, "output.dropped", "Events dropped because the consumers were too slow",
                DetectorMetrics::outputDropped);
        counter(registry, "lost.exits", "Processes whose EXIT the kernel lost", DetectorMetrics::lostExits);
        counter(registry, "exec.proc.reads", "EXECs whose kernel record lacked something and needed a /proc read",
                m -> m.procReads().incompleteExecs());
        String procReads = "/proc reads after the start-up scan, by what the kernel's record could not tell";
        counter(registry, "proc.reads", procReads, m -> m.procReads().exe(), "what", "exe");
        counter(registry, "proc.reads", procReads, m -> m.procReads().envValues(), "what", "env_values");
        counter(registry, "proc.reads", procReads, m -> m.procReads().envPrefix(), "what", "env_prefix");
        counter(registry, "proc.reads", procReads, m -> m.procReads().cmdline(), "what", "cmdline");
        counter(registry, "proc.reads", procReads, m -> m.procReads().alive(), "what", "alive");
        counter(registry, "internal.errors", "Inputs the engine failed to handle (logged; the engine carries on)",
                DetectorMetrics::internalErrors);
        gauge(registry, "reader.queue.depth", "Events waiting in the ring-buffer reader's queue",
                m -> m.readerQueue().depth());
        gauge(registry, "reader.queue.capacity", "Events the ring-buffer reader's queue holds at most",
                m -> m.readerQueue().capacity());
        gauge(registry, "reader.queue.high.water", "The most events the reader's queue ever held",
                m -> m.readerQueue().highWater());
        counter(registry, "reader.queue.full.waits", "Times the reader found its queue full and stopped draining",
                m -> m.readerQueue().fullWaits());
        gauge(registry, "record.bytes", "Average size of a ring-buffer record", DetectorMetrics::execRecordBytes,
                "type", "exec");
        gauge(registry, "record.bytes", "Average size of a ring-buffer record", DetectorMetrics::exitRecordBytes,
                "type", "exit");
        String attributed = "Process images attributed to a container, by where the cgroup was read";
        counter(registry, "container.attributed", attributed, m -> m.containers().byUnifiedCgroup(), "by", "unified");
        counter(registry, "container.attributed", attributed, m -> m.containers().byV1Cgroup(), "by", "v1");
        counter(registry, "container.attributed", attributed, m -> m.containers().byProcRead(), "by", "proc");
        counter(registry, "container.none", "Process images whose cgroups name no container",
                m -> m.containers().notInContainer());
        counter(registry, "container.unknown.cgroup", "Process images whose cgroup ids were not in the cache",
                m -> m.containers().unknownCgroup());
        gauge(registry, "cgroups.known", "Cgroups in the id to path cache, recently removed ones included",
                m -> m.containers().cgroupsKnown());
        counter(registry, "cgroup.rewalks", "Times the cgroup watch overflowed and a hierarchy was walked again",
                m -> m.containers().cgroupRewalks());
        String names = "Events of a container as they left: with the runtime's names (hit) or without (miss)";
        counter(registry, "container.names", names, m -> m.containers().nameHits(), "result", "hit");
        counter(registry, "container.names", names, m -> m.containers().nameMisses(), "result", "miss");
        counter(registry, "cri.lookups", "Lookups of container names sent to the container runtime",
                m -> m.containers().nameLookups());
        counter(registry, "cri.errors", "Lookups of container names that failed (socket missing or silent, errors)",
                m -> m.containers().nameErrors());
        String restarts = "Taken over from the previous detector at start";
        counter(registry, "restart.snapshot.loaded", restarts + ": processes read from its state file",
                m -> m.restarts().snapshotLoaded());
        counter(registry, "restart.resumed", restarts + ": processes still running that are followed again",
                m -> m.restarts().resumed());
        counter(registry, "restart.exits", "EXITs of processes that ended while no detector ran, by where their"
                + " image came from", m -> m.restarts().exitsFromSnapshot(), "image", "snapshot");
        counter(registry, "restart.exits", "EXITs of processes that ended while no detector ran, by where their"
                + " image came from", m -> m.restarts().exitsImageUnknown(), "image", "unknown");
        counter(registry, "restart.lost", restarts + ": events the kernel dropped, its pinned ring full, while no"
                + " detector read it", m -> m.restarts().lostWhileUnread());
        // A state set: 1 for the variant the kernel runs, 0 for the others (all 0 before start).
        for (BpfVariant variant : List.of(BpfVariant.BPF_LOOP, BpfVariant.BOUNDED_LOOP)) {
            gauge(registry, "program", "The build of the eBPF programs the kernel runs: 1 for the one loaded",
                    m -> variant.label().equals(m.programVariant()) ? 1 : 0, "variant", variant.label());
        }
        // Micrometer holds a meter's state object weakly: a binder nobody keeps (the usual
        // `new DetectorMeterBinder(d).bindTo(r)`) would let every counter's source be
        // collected and read NaN. This gauge holds the binder, and so all of them, strongly.
        Gauge.builder(PREFIX + "processes.followed", this, binder -> binder.metrics.get().liveProcesses())
                .description("Processes the detector follows now")
                .strongReference(true)
                .register(registry);

        // The sinks are fixed when the detector is created, so their names are known now.
        for (SinkCounters sink : sinks.get().sinks()) {
            String name = sink.name();
            sinkCounter(registry, "sink.delivered", "Events a sink accepted", name, SinkCounters::delivered);
            sinkCounter(registry, "sink.dropped", "Events a sink's full buffer discarded", name, SinkCounters::dropped);
            sinkCounter(registry, "sink.failed", "Failures of a sink", name, SinkCounters::failed);
            sinkCounter(registry, "sink.restarts", "Restarts of a sink after a failure", name, SinkCounters::restarts);
            sinkGauge(registry, "sink.stopped", "1 once a sink failed beyond its restarts and receives nothing more",
                    name, c -> c.stopped() ? 1 : 0);
        }
    }

    private void counter(MeterRegistry registry, String name, String help, ToLongFunction<DetectorMetrics> value,
            String... tags) {
        FunctionCounter.builder(PREFIX + name, metrics, m -> value.applyAsLong(m.get()))
                .description(help)
                .tags(tags)
                .register(registry);
    }

    private void gauge(MeterRegistry registry, String name, String help, ToDoubleFunction<DetectorMetrics> value,
            String... tags) {
        Gauge.builder(PREFIX + name, metrics, m -> value.applyAsDouble(m.get()))
                .description(help)
                .tags(tags)
                .register(registry);
    }

    private void sinkCounter(MeterRegistry registry, String name, String help, String sink,
            ToLongFunction<SinkCounters> value) {
        FunctionCounter.builder(PREFIX + name, sinks, s -> s.get().sink(sink).map(value::applyAsLong).orElse(0L))
                .description(help)
                .tag("sink", sink)
                .register(registry);
    }

    private void sinkGauge(MeterRegistry registry, String name, String help, String sink,
            ToDoubleFunction<SinkCounters> value) {
        Gauge.builder(PREFIX + name, sinks, s -> s.get().sink(sink).map(value::applyAsDouble).orElse(0.0))
                .description(help)
                .tag("sink", sink)
                .register(registry);
    }

    private static String lower(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }
}
