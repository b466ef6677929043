package io.runtimedetector.probe;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;

/**
 * What the kernel side filters on and how big its maps are. Validated on
 * construction, so a bad value fails here with the option's name rather than in the
 * verifier.
 *
 * @param envPrefix           environment-variable name prefix an exec must carry; "" = every exec
 * @param excludedExecutables absolute paths whose exec is dropped (checked against the exec'd path and the script interpreter)
 * @param watchedFiles        absolute paths whose successful open by a tracked process is an event
 * @param trackedCapacity     how many processes can be tracked at once
 * @param ringBufferBytes     ring buffer size: a power of two, at least one page
 * @param wakeupBytes         0: the kernel wakes the reader per event; else adaptive: a quiet reader is
 *                            woken per event; in a storm (two wake-ups within 2 ms) it drains every
 *                            {@code drainInterval} instead, woken early only past this much pending
 *                            data, until a drain finds fewer than 4 events
 * @param pollInterval        longest the reader blocks in one poll
 * @param drainInterval       adaptive mode: how often a busy reader drains (bounds latency in a storm)
 * @param batchBytes          size of one batch handed from the native side to Java
 * @param envScanMaxSteps     bound on environment strings scanned per exec; past it the exec is passed on as unsure
 * @param reportedEnvKeys     environment variables whose values the kernel copies into EXEC records
 * @param queueEvents         events the reader's user-space queue holds while the engine is behind
 * @param bpfVariant          which build of the eBPF programs to load; AUTO probes the kernel
 * @param procPath            the procfs whose PID namespace pids are reported in (a container may mount the
 *                            host's elsewhere)
 * @param pinDir              pinned mode: a directory on a BPF filesystem where the programs, their links
 *                            and the ring are pinned so that they outlive this JVM and the next probe opened
 *                            on it resumes reading (see {@link KernelProbe#open}); empty: the programs are
 *                            attached through links only this process holds, and a dead JVM leaves nothing
 *                            attached. Pinned mode needs the adaptive wake-up ({@code wakeupBytes > 0})
 * @param readerTimeout       pinned mode only: when the reader's heartbeat (stored on every poll round) is
 *                            older than this, the programs return at once and only count
 *                            ({@link ProbeCounters#idleSkipped()}), so a detector that is gone for good
 *                            costs next to nothing; zero: never idle. Default 10 minutes; at least 1 s and
 *                            more than twice {@code pollInterval}, at most 365 days. Ignored without {@code pinDir}. The
 *                            heartbeat is the reader thread's, which runs once {@code events()} is
 *                            materialized; the probe stores one when it opens
 */
public record ProbeConfig(
        String envPrefix,
        List<Path> excludedExecutables,
        List<Path> watchedFiles,
        int trackedCapacity,
        int ringBufferBytes,
        int wakeupBytes,
        Duration pollInterval,
        Duration drainInterval,
        int batchBytes,
        int envScanMaxSteps,
        List<String> reportedEnvKeys,
        int queueEvents,
        BpfVariant bpfVariant,
        Path procPath,
        Optional<Path> pinDir,
        Duration readerTimeout) {

    public static final int MAX_ENV_PREFIX_BYTES = 63;
    public static final int MAX_PATH_BYTES = 255;
    public static final int MAX_EXCLUDED = 32;
    public static final int MAX_WATCHED = 64;
    /** Variables whose values the kernel can capture; more are read from /proc. */
    public static final int MAX_ENV_KEYS = 8;
    public static final int MAX_ENV_KEY_BYTES = 63;
    /** The heartbeat timeout of pinned mode when none is given. */
    public static final Duration DEFAULT_READER_TIMEOUT = Duration.ofMinutes(10);
    /** The programs compare the heartbeat's age as signed nanoseconds; far below that bound. */
    public static final Duration MAX_READER_TIMEOUT = Duration.ofDays(365);

    /** The configuration without pinned mode, as before it existed. */
    public ProbeConfig(String envPrefix, List<Path> excludedExecutables, List<Path> watchedFiles, int trackedCapacity,
            int ringBufferBytes, int wakeupBytes, Duration pollInterval, Duration drainInterval, int batchBytes,
            int envScanMaxSteps, List<String> reportedEnvKeys, int queueEvents, BpfVariant bpfVariant,
            Path procPath) {
        this(envPrefix, excludedExecutables, watchedFiles, trackedCapacity, ringBufferBytes, wakeupBytes, pollInterval,
                drainInterval, batchBytes, envScanMaxSteps, reportedEnvKeys, queueEvents, bpfVariant, procPath,
                Optional.empty(), DEFAULT_READER_TIMEOUT);
    }

    public ProbeConfig {
        envPrefix = envPrefix == null ? "" : envPrefix;
        procPath = procPath == null ? Path.of("/proc") : procPath;
        pinDir = pinDir == null ? Optional.empty() : pinDir;
        readerTimeout = readerTimeout == null ? DEFAULT_READER_TIMEOUT : readerTimeout;
        excludedExecutables = List.copyOf(excludedExecutables);
        watchedFiles = List.copyOf(watchedFiles);
        reportedEnvKeys = List.copyOf(reportedEnvKeys);
        bpfVariant = bpfVariant == null ? BpfVariant.AUTO : bpfVariant;
        checkEnvPrefix(envPrefix);
        if (!procPath.isAbsolute()) {
            throw new IllegalArgumentException("procPath: '" + procPath + "' is a relative path; give an absolute one");
        }
        checkPaths("excludedExecutables", excludedExecutables, MAX_EXCLUDED);
        checkPaths("watchedFiles", watchedFiles, MAX_WATCHED);
        if (new HashSet<>(watchedFiles).size() != watchedFiles.size()) {
            throw new IllegalArgumentException("watchedFiles: a path is listed twice; each needs its own id");
        }
        if (trackedCapacity < 1) {
            throw new IllegalArgumentException("trackedCapacity: must be positive, was " + trackedCapacity);
        }
        if (ringBufferBytes < 4096 || Integer.bitCount(ringBufferBytes) != 1) {
            throw new IllegalArgumentException("ringBufferBytes: must be a power of two of at least 4096, was "
                    + ringBufferBytes);
        }
        if (wakeupBytes < 0 || wakeupBytes >= ringBufferBytes) {
            throw new IllegalArgumentException("wakeupBytes: must be 0 or less than ringBufferBytes, was "
                    + wakeupBytes);
        }
        if (pollInterval.isNegative() || pollInterval.isZero() || pollInterval.toMillis() > 10_000) {
            throw new IllegalArgumentException("pollInterval: must be between 1 ms and 10 s, was " + pollInterval);
        }
        if (drainInterval.isNegative() || drainInterval.isZero() || drainInterval.compareTo(pollInterval) > 0) {
            throw new IllegalArgumentException("drainInterval: must be between 1 ms and pollInterval, was "
                    + drainInterval);
        }
        if (batchBytes < 64 * 1024) {
            throw new IllegalArgumentException("batchBytes: must be at least 65536, was " + batchBytes);
        }
        for (String key : reportedEnvKeys) {
            checkVariableName("reportedEnvKeys", key, MAX_ENV_KEY_BYTES);
        }
        if (reportedEnvKeys.size() > MAX_ENV_KEYS) {
            throw new IllegalArgumentException("reportedEnvKeys: given for " + reportedEnvKeys.size()
                    + " variables; the kernel captures at most " + MAX_ENV_KEYS);
        }
        if (queueEvents < 1) {
            throw new IllegalArgumentException("queueEvents: must be positive, was " + queueEvents);
        }
        if (envScanMaxSteps < 1 || envScanMaxSteps > 1 << 20) {
            throw new IllegalArgumentException("envScanMaxSteps: must be between 1 and 1048576, was "
                    + envScanMaxSteps);
        }
        if (pinDir.isPresent() && !pinDir.get().isAbsolute()) {
            throw new IllegalArgumentException("pinDir: " + pinDir.get() + " is not an absolute path");
        }
        if (pinDir.isPresent() && wakeupBytes == 0) {
            throw new IllegalArgumentException("wakeupBytes: pinned mode needs the adaptive wake-up (wakeupBytes > 0),"
                    + " because the reader commits records only once the sinks have them and the kernel's own rule"
                    + " would then stop waking it");
        }
        if (readerTimeout.isNegative() || (!readerTimeout.isZero()
                && (readerTimeout.compareTo(Duration.ofSeconds(1)) < 0
                        || readerTimeout.compareTo(pollInterval.multipliedBy(2)) <= 0
                        || readerTimeout.compareTo(MAX_READER_TIMEOUT) > 0))) {
            throw new IllegalArgumentException("readerTimeout: must be 0 (never idle) or at least 1 s and more than"
                    + " twice pollInterval (" + pollInterval + "), at most " + MAX_READER_TIMEOUT.toDays()
                    + " days, was " + readerTimeout);
        }
    }

    /** Whether the programs are pinned to outlive this process ({@link #pinDir} set). */
    public boolean pinned() {
        return pinDir.isPresent();
    }

    /** The heartbeat timeout the programs get: 0 (never idle) unless pinned. */
    long heartbeatTimeoutNanos() {
        return pinned() ? readerTimeout.toNanos() : 0;
    }

    /*
     * The rules of the options the kernel program holds in fixed-size fields, public so
     * that every front end (the detector's options, the command line) applies these and
     * only these; each message starts with the option's name, which a front end may
     * replace by its own flag's.
     */

    /** @throws IllegalArgumentException when {@code prefix} is not an environment-variable name prefix the kernel can hold */
    public static void checkEnvPrefix(String prefix) {
        if (!prefix.isEmpty()) {
            checkVariableName("envPrefix", prefix, MAX_ENV_PREFIX_BYTES);
        }
    }

    /**
     * @param maxBytes the longest name the caller's table holds, or {@link Integer#MAX_VALUE}
     * @throws IllegalArgumentException when {@code name} is not a variable name (or prefix) of 1 to {@code maxBytes} bytes
     */
    public static void checkVariableName(String option, String name, int maxBytes) {
        if (name.isEmpty()) {
            throw new IllegalArgumentException(option + ": must not be empty");
        }
        if (name.indexOf('=') >= 0) {
            throw new IllegalArgumentException(option + ": '" + name
                    + "' contains '=', which cannot be part of a variable name");
        }
        if (name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(option + ": '" + name.replace('\0', '?')
                    + "' contains NUL, which cannot be part of a variable name");
        }
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > maxBytes) {
            throw new IllegalArgumentException(option + ": '" + name + "' is " + bytes + " bytes long; at most "
                    + maxBytes + " are allowed");
        }
    }

    /** @throws IllegalArgumentException when a table gets more than {@code max} paths, or one is relative or too long */
    public static void checkPaths(String option, List<Path> paths, int max) {
        if (paths.size() > max) {
            throw new IllegalArgumentException(option + ": given for " + paths.size() + " paths; at most " + max
                    + " are supported");
        }
        for (Path p : paths) {
            if (!p.isAbsolute()) {
                throw new IllegalArgumentException(option + ": '" + p + "' is a relative path; give an absolute one");
            }
            int bytes = p.toString().getBytes(StandardCharsets.UTF_8).length;
            if (bytes > MAX_PATH_BYTES) {
                throw new IllegalArgumentException(option + ": '" + p + "' is " + bytes + " bytes long; at most "
                        + MAX_PATH_BYTES + " are allowed");
            }
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Defaults: every exec, nothing excluded or watched, 131072 tracked processes, a
     * 16 MiB ring (about 20 000 short-lived processes while the JVM is stopped), a
     * 65 536-event user-space queue, adaptive wake-up (early wake at an eighth of the
     * ring, 5 ms drains in a storm).
     */
    public static final class Builder {
        private String envPrefix = "";
        private final List<Path> excluded = new ArrayList<>();
        private final List<Path> watched = new ArrayList<>();
        private int trackedCapacity = 131_072;
        private int ringBufferBytes = 16 << 20;
        private int wakeupBytes = -1;  // an eighth of the ring, whatever its size
        private Duration pollInterval = Duration.ofMillis(100);
        private Duration drainInterval = Duration.ofMillis(5);
        private int batchBytes = 256 * 1024;
        private int envScanMaxSteps = 8192;
        private Path procPath = Path.of("/proc");
        private final List<String> reportedEnvKeys = new ArrayList<>();
        private int queueEvents = 65_536;
        private BpfVariant bpfVariant = BpfVariant.fromSystemProperty();
        private Path pinDir;
        private Duration readerTimeout = DEFAULT_READER_TIMEOUT;

        /**
         * Pinned mode in this directory on a BPF filesystem (see {@link ProbeConfig#pinDir()}); null: off,
         * the default.
         */
        public Builder pinDir(Path dir) {
            this.pinDir = dir;
            return this;
        }

        /** Pinned mode's heartbeat timeout (see {@link ProbeConfig#readerTimeout()}); zero: never idle. */
        public Builder readerTimeout(Duration timeout) {
            this.readerTimeout = timeout;
            return this;
        }

        /** Default: {@link BpfVariant#fromSystemProperty()}, AUTO when the property is unset. */
        public Builder bpfVariant(BpfVariant variant) {
            this.bpfVariant = variant;
            return this;
        }

        public Builder reportedEnvKeys(List<String> keys) {
            reportedEnvKeys.clear();
            reportedEnvKeys.addAll(keys);
            return this;
        }

        public Builder queueEvents(int events) {
            this.queueEvents = events;
            return this;
        }

        public Builder envPrefix(String prefix) {
            this.envPrefix = prefix;
            return this;
        }

        public Builder excludedExecutables(List<Path> paths) {
            excluded.clear();
            excluded.addAll(paths);
            return this;
        }

        public Builder watchedFiles(List<Path> paths) {
            watched.clear();
            watched.addAll(paths);
            return this;
        }

        public Builder trackedCapacity(int capacity) {
            this.trackedCapacity = capacity;
            return this;
        }

        public Builder ringBufferBytes(int bytes) {
            this.ringBufferBytes = bytes;
            return this;
        }

        public Builder wakeupBytes(int bytes) {
            this.wakeupBytes = bytes;
            return this;
        }

        public Builder pollInterval(Duration interval) {
            this.pollInterval = interval;
            return this;
        }

        public Builder drainInterval(Duration interval) {
            this.drainInterval = interval;
            return this;
        }

        public Builder batchBytes(int bytes) {
            this.batchBytes = bytes;
            return this;
        }

        public Builder envScanMaxSteps(int steps) {
            this.envScanMaxSteps = steps;
            return this;
        }

        public Builder procPath(Path path) {
            this.procPath = path;
            return this;
        }

        public ProbeConfig build() {
            return new ProbeConfig(envPrefix, excluded, watched, trackedCapacity, ringBufferBytes,
                    wakeupBytes < 0 ? ringBufferBytes / 8 : wakeupBytes, pollInterval, drainInterval, batchBytes,
                    envScanMaxSteps, reportedEnvKeys, queueEvents, bpfVariant, procPath, Optional.ofNullable(pinDir),
                    readerTimeout);
        }
    }
}
