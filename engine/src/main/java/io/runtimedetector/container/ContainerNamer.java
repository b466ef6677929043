package io.runtimedetector.container;

import io.runtimedetector.ContainerNameSource;
import io.runtimedetector.event.ContainerInfo;
import io.runtimedetector.event.ProcessEvent;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The runtime's names for containers (pod name, namespace, container name), looked up in
 * the background and kept in a bounded cache. A lookup starts when a container is first
 * seen (its cgroup appears, or one of its processes execs), so the answer is normally in
 * before the minimum duration lets the first event out; an event is never held for it:
 * whatever is in the cache when an event leaves is what it carries. One lookup per
 * container is in flight at a time; a failed one is retried twice, with back-off; an id
 * the runtime does not know is remembered as such for a while (negative cache).
 */
public final class ContainerNamer implements AutoCloseable {

    static final int CAPACITY = 8192;
    static final Duration UNKNOWN_TTL = Duration.ofSeconds(30);
    static final Duration FAILED_TTL = Duration.ofSeconds(10);
    static final int ATTEMPTS = 3;
    static final Duration FIRST_RETRY = Duration.ofMillis(200);

    private final ContainerNameSource source;
    private final LongSupplier nanoClock;
    private final ScheduledExecutorService retries;
    private final Map<String, Entry> cache = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
            return size() > CAPACITY;
        }
    };
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder lookups = new LongAdder();
    private final LongAdder errors = new LongAdder();

    /** @param names what the runtime told; null: it does not know the id (or could not be asked), until expiry */
    private record Entry(ContainerInfo names, long expiresNanos) {
    }

    private ContainerNamer(ContainerNameSource source, LongSupplier nanoClock) {
        this.source = source;
        this.nanoClock = nanoClock;
        if (source == null) {
            retries = null;
        } else {
            ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "runtime-detector-name-retries");
                t.setDaemon(true);
                return t;
            });
            executor.setRemoveOnCancelPolicy(true);
            retries = executor;
        }
    }

    /** Names from {@code source}; the namer closes it. */
    public static ContainerNamer of(ContainerNameSource source) {
        return new ContainerNamer(source, System::nanoTime);
    }

    static ContainerNamer of(ContainerNameSource source, LongSupplier nanoClock) {
        return new ContainerNamer(source, nanoClock);
    }

    /** No names: events carry what the cgroup says. */
    public static ContainerNamer off() {
        return new ContainerNamer(null, System::nanoTime);
    }

    /** Starts a lookup of {@code container}'s names unless they are known, unknown for now, or asked for already. */
    public void prefetch(ContainerInfo container) {
        if (source == null || container == null || container.id() == null || container.hasNames()) {
            return;
        }
        String id = container.id();
        if (cached(id) != null || !inFlight.add(id)) {
            return;
        }
        ask(id, 1);
    }

    private void ask(String id, int attempt) {
        lookups.increment();
        try {
            source.lookup(id).whenComplete((names, failure) -> {
                if (failure == null) {
                    remember(id, names, names == null ? UNKNOWN_TTL : null);
                } else {
                    failed(id, attempt);
                }
            });
        } catch (RuntimeException e) {
            // The source refused the call itself (closed, or its thread gone): same as a failed lookup.
            failed(id, attempt);
        }
    }

    private void failed(String id, int attempt) {
        errors.increment();
        if (attempt < ATTEMPTS && !retries.isShutdown()) {
            long delay = FIRST_RETRY.toMillis() << (2 * (attempt - 1));
            try {
                retries.schedule(() -> ask(id, attempt + 1), delay, TimeUnit.MILLISECONDS);
                return;
            } catch (java.util.concurrent.RejectedExecutionException closing) {
                // closing: fall through and give up on this one
            }
        }
        remember(id, null, FAILED_TTL);
    }

    private void remember(String id, ContainerInfo names, Duration ttl) {
        long expires = ttl == null ? Long.MAX_VALUE : nanoClock.getAsLong() + ttl.toNanos();
        synchronized (cache) {
            cache.put(id, new Entry(names, expires));
        }
        inFlight.remove(id);
    }

    /** The entry for {@code id} unless it has expired (then it is dropped, so that it is asked again). */
    private Entry cached(String id) {
        synchronized (cache) {
            Entry e = cache.get(id);
            if (e != null && e.expiresNanos() != Long.MAX_VALUE && e.expiresNanos() - nanoClock.getAsLong() <= 0) {
                cache.remove(id);
                return null;
            }
            return e;
        }
    }

    /**
     * The event with its container's names when the runtime has told them by now; else the
     * event as it is (counted as a miss), and a lookup is started if none is under way.
     */
    public ProcessEvent named(ProcessEvent event) {
        ContainerInfo c = event.process().container();
        if (source == null || c == null || c.id() == null || c.hasNames()) {
            return event;
        }
        Entry e = cached(c.id());
        if (e == null || e.names() == null) {
            misses.increment();
            if (e == null) {
                prefetch(c);
            }
            return event;
        }
        hits.increment();
        ContainerInfo n = e.names();
        // The cgroup's facts stay; the runtime fills what the path did not tell.
        ContainerInfo named = new ContainerInfo(c.id(), c.runtime() != null ? c.runtime() : n.runtime(),
                c.podUid() != null ? c.podUid() : n.podUid(), n.podName(), n.podNamespace(), n.containerName());
        return new ProcessEvent(event.type(), event.pid(), event.startBootTimeNs(), event.time(),
                event.process().withContainer(named), event.filePath(), event.exit());
    }

    public boolean enabled() {
        return source != null;
    }

    public long hits() {
        return hits.sum();
    }

    public long misses() {
        return misses.sum();
    }

    public long lookups() {
        return lookups.sum();
    }

    public long errors() {
        return errors.sum();
    }

    @Override
    public void close() {
        if (source != null) {
            retries.shutdownNow();
            source.close();
        }
    }
}
