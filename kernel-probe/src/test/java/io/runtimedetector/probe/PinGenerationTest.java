package io.runtimedetector.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** The generation digest: fixed for fixed inputs, different when anything the kernel gets differs. */
class PinGenerationTest {

    private static byte[][] strings(String... s) {
        byte[][] out = new byte[s.length][];
        for (int i = 0; i < s.length; i++) {
            out[i] = s[i].getBytes(StandardCharsets.UTF_8);
        }
        return out;
    }

    private static KernelInputs base() {
        return new KernelInputs(1, new byte[] {1, 2, 3}, "APP_".getBytes(StandardCharsets.UTF_8), 4026531836L,
                131_072, 16 << 20, 2 << 20, 8192, strings("APP_ID"), strings("/usr/bin/bash"), strings("/etc/shadow"),
                new long[] {2049, 12345}, 600_000_000_000L);
    }

    /** Another value of one field at a time. */
    private static final List<UnaryOperator<KernelInputs>> CHANGES = List.of(
            b -> new KernelInputs(2, b.object(), b.envPrefix(), b.pidNamespaceInode(), b.trackedCapacity(),
                    b.ringBufferBytes(), b.wakeupBytes(), b.envScanMaxSteps(), b.envKeys(), b.excludedPaths(),
                    b.watchedPaths(), b.watchedInodes(), b.heartbeatTimeoutNs()),
            b -> new KernelInputs(b.variant(), new byte[] {1, 2, 4}, b.envPrefix(), b.pidNamespaceInode(),
                    b.trackedCapacity(), b.ringBufferBytes(), b.wakeupBytes(), b.envScanMaxSteps(), b.envKeys(),
                    b.excludedPaths(), b.watchedPaths(), b.watchedInodes(), b.heartbeatTimeoutNs()),
            b -> new KernelInputs(b.variant(), b.object(), "APQ_".getBytes(StandardCharsets.UTF_8),
                    b.pidNamespaceInode(), b.trackedCapacity(), b.ringBufferBytes(), b.wakeupBytes(),
                    b.envScanMaxSteps(), b.envKeys(), b.excludedPaths(), b.watchedPaths(), b.watchedInodes(),
                    b.heartbeatTimeoutNs()),
            b -> new KernelInputs(b.variant(), b.object(), b.envPrefix(), 4026531837L, b.trackedCapacity(),
                    b.ringBufferBytes(), b.wakeupBytes(), b.envScanMaxSteps(), b.envKeys(), b.excludedPaths(),
                    b.watchedPaths(), b.watchedInodes(), b.heartbeatTimeoutNs()),
            b -> new KernelInputs(b.variant(), b.object(), b.envPrefix(), b.pidNamespaceInode(), 65_536,
                    b.ringBufferBytes(), b.wakeupBytes(), b.envScanMaxSteps(), b.envKeys(), b.excludedPaths(),
                    b.watchedPaths(), b.watchedInodes(), b.heartbeatTimeoutNs()),
            b -> new KernelInputs(b.variant(), b.object(), b.envPrefix(), b.pidNamespaceInode(), b.trackedCapacity(),
                    8 << 20, b.wakeupBytes(), b.envScanMaxSteps(), b.envKeys(), b.excludedPaths(),
                    b.watchedPaths(), b.watchedInodes(), b.heartbeatTimeoutNs()),
            b -> new KernelInputs(b.variant(), b.object(), b.envPrefix(), b.pidNamespaceInode(), b.trackedCapacity(),
                    b.ringBufferBytes(), 1 << 20, b.envScanMaxSteps(), b.envKeys(), b.excludedPaths(),
                    b.watchedPaths(), b.watchedInodes(), b.heartbeatTimeoutNs()),
            b -> new KernelInputs(b.variant(), b.object(), b.envPrefix(), b.pidNamespaceInode(), b.trackedCapacity(),
                    b.ringBufferBytes(), b.wakeupBytes(), 256, b.envKeys(), b.excludedPaths(),
                    b.watchedPaths(), b.watchedInodes(), b.heartbeatTimeoutNs()),
            b -> new KernelInputs(b.variant(), b.object(), b.envPrefix(), b.pidNamespaceInode(), b.trackedCapacity(),
                    b.ringBufferBytes(), b.wakeupBytes(), b.envScanMaxSteps(), strings("APP_ID", "APP_TENANT"),
                    b.excludedPaths(), b.watchedPaths(), b.watchedInodes(), b.heartbeatTimeoutNs()),
            b -> new KernelInputs(b.variant(), b.object(), b.envPrefix(), b.pidNamespaceInode(), b.trackedCapacity(),
                    b.ringBufferBytes(), b.wakeupBytes(), b.envScanMaxSteps(), b.envKeys(), strings("/usr/bin/dash"),
                    b.watchedPaths(), b.watchedInodes(), b.heartbeatTimeoutNs()),
            b -> new KernelInputs(b.variant(), b.object(), b.envPrefix(), b.pidNamespaceInode(), b.trackedCapacity(),
                    b.ringBufferBytes(), b.wakeupBytes(), b.envScanMaxSteps(), b.envKeys(), b.excludedPaths(),
                    strings("/etc/passwd"), b.watchedInodes(), b.heartbeatTimeoutNs()),
            b -> new KernelInputs(b.variant(), b.object(), b.envPrefix(), b.pidNamespaceInode(), b.trackedCapacity(),
                    b.ringBufferBytes(), b.wakeupBytes(), b.envScanMaxSteps(), b.envKeys(), b.excludedPaths(),
                    b.watchedPaths(), new long[] {2049, 12346}, b.heartbeatTimeoutNs()),
            b -> new KernelInputs(b.variant(), b.object(), b.envPrefix(), b.pidNamespaceInode(), b.trackedCapacity(),
                    b.ringBufferBytes(), b.wakeupBytes(), b.envScanMaxSteps(), b.envKeys(), b.excludedPaths(),
                    b.watchedPaths(), b.watchedInodes(), 0));

    @Test
    void theSameInputsNameTheSameGenerationOnEveryRun() {
        // Fixed here (and computed independently of this code): a change of the encoding makes every pinned
        // detector hand over at its next start instead of resuming, so it must be a deliberate one.
        assertEquals("89d94f4099146c9f20e1c1418cdde491eb635f42130071a5db6fd352c6721128", PinGeneration.of(base()));
        assertEquals(PinGeneration.of(base()), PinGeneration.of(base()));
        assertEquals(16, PinGeneration.dirName(PinGeneration.of(base())).length());
    }

    @Test
    void everyFieldTheKernelGetsChangesTheGeneration() {
        Set<String> seen = new HashSet<>();
        seen.add(PinGeneration.of(base()));
        for (UnaryOperator<KernelInputs> change : CHANGES) {
            String changed = PinGeneration.of(change.apply(base()));
            assertNotEquals(PinGeneration.of(base()), changed);
            seen.add(changed);
        }
        assertEquals(CHANGES.size() + 1, seen.size(), "each change names a generation of its own");
    }

    @Test
    void fieldBoundariesCannotBeShifted() {
        // "AB" + "C" and "A" + "BC" must differ: every field is written with its length.
        KernelInputs a = new KernelInputs(1, new byte[0], new byte[0], 0, 1, 4096, 0, 1, strings("AB", "C"),
                strings(), strings(), new long[0], 0);
        KernelInputs b = new KernelInputs(1, new byte[0], new byte[0], 0, 1, 4096, 0, 1, strings("A", "BC"),
                strings(), strings(), new long[0], 0);
        assertNotEquals(PinGeneration.of(a), PinGeneration.of(b));
    }
}
