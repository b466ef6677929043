package io.runtimedetector.probe;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * Everything a probe hands the kernel at load: the resolved variant's object and every
 * configuration value that ends up in {@code rd_config}, a map size or a filter map.
 * Two probes with equal inputs run identical programs, which is what lets a pinned probe
 * resume another's pins ({@link PinGeneration}).
 *
 * @param variant            {@link BpfVariant} ordinal, never AUTO
 * @param object             the BPF object of that variant
 * @param envPrefix          UTF-8
 * @param pidNamespaceInode  the detector's PID namespace
 * @param watchedInodes      (st_dev, st_ino) per watched file, (0, 0) for one absent
 * @param heartbeatTimeoutNs 0 unless pinned
 */
record KernelInputs(int variant, byte[] object, byte[] envPrefix, long pidNamespaceInode, int trackedCapacity,
        int ringBufferBytes, int wakeupBytes, int envScanMaxSteps, byte[][] envKeys, byte[][] excludedPaths,
        byte[][] watchedPaths, long[] watchedInodes, long heartbeatTimeoutNs) {

    static KernelInputs of(ProbeConfig config, int variant, byte[] object, long pidNamespaceInode,
            long[] watchedInodes) {
        return new KernelInputs(variant, object, config.envPrefix().getBytes(StandardCharsets.UTF_8),
                pidNamespaceInode, config.trackedCapacity(), config.ringBufferBytes(), config.wakeupBytes(),
                config.envScanMaxSteps(),
                config.reportedEnvKeys().stream().map(k -> k.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new),
                utf8(config.excludedExecutables()), utf8(config.watchedFiles()), watchedInodes,
                config.heartbeatTimeoutNanos());
    }

    /** Loads (without attaching) the programs with these inputs: a native handle. */
    long load(boolean pinned) {
        return NativeProbe.open(variant, envPrefix, pidNamespaceInode, trackedCapacity, ringBufferBytes, wakeupBytes,
                envScanMaxSteps, envKeys, excludedPaths, watchedPaths, watchedInodes, heartbeatTimeoutNs, pinned);
    }

    private static byte[][] utf8(List<Path> paths) {
        byte[][] out = new byte[paths.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = paths.get(i).toString().getBytes(StandardCharsets.UTF_8);
        }
        return out;
    }
}
