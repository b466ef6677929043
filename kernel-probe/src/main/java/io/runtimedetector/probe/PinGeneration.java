package io.runtimedetector.probe;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Names a generation of pins: the SHA-256, in hex, of the layout version, the BPF object
 * and every value the kernel was configured with ({@link KernelInputs}). A reader whose
 * inputs hash alike runs exactly the programs that are pinned, and resumes them; any
 * other value means other programs, and a handover. Each field is written with its
 * length, so that no two different inputs can be spelled the same.
 */
final class PinGeneration {

    /** Characters of the digest that name its directory under the pin directory. */
    static final int DIR_NAME_LENGTH = 16;

    private PinGeneration() {
    }

    static String of(KernelInputs in) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
        Feed f = new Feed(sha);
        f.text("runtime-detector pins");
        f.number(PinMeta.LAYOUT_VERSION);
        f.number(in.variant());
        f.bytes(in.object());
        f.bytes(in.envPrefix());
        f.number(in.pidNamespaceInode());
        f.number(in.trackedCapacity());
        f.number(in.ringBufferBytes());
        f.number(in.wakeupBytes());
        f.number(in.envScanMaxSteps());
        f.list(in.envKeys());
        f.list(in.excludedPaths());
        f.list(in.watchedPaths());
        f.number(in.watchedInodes().length);
        for (long v : in.watchedInodes()) {
            f.number(v);
        }
        f.number(in.heartbeatTimeoutNs());
        return HexFormat.of().formatHex(sha.digest());
    }

    /** The directory name of a generation: a prefix of its digest, all bpffs allows (no dots). */
    static String dirName(String generation) {
        return generation.substring(0, DIR_NAME_LENGTH);
    }

    private record Feed(MessageDigest sha) {
        void number(long v) {
            sha.update(ByteBuffer.allocate(8).putLong(v).array());
        }

        void bytes(byte[] b) {
            number(b.length);
            sha.update(b);
        }

        void text(String s) {
            bytes(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }

        void list(byte[][] items) {
            number(items.length);
            for (byte[] b : items) {
                bytes(b);
            }
        }
    }
}
