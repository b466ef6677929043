package io.runtimedetector.probe;

import java.util.Locale;

/**
 * Which build of the eBPF programs to load. Both report the same events with the same
 * filters and counters; they differ in how the environment scan loops, which decides
 * the oldest kernel they load on and how many environment strings one exec may cost.
 * The ordinals are probe_jni.c's {@code enum rd_variant}.
 */
public enum BpfVariant {
    /** Probe the kernel: {@link #BPF_LOOP} where it has bpf_loop(), else {@link #BOUNDED_LOOP}. */
    AUTO("auto", 0),
    /** Kernels 5.17+: the scan runs under bpf_loop(), up to {@code envScanMaxSteps} strings. */
    BPF_LOOP("bpf-loop", 8192),
    /**
     * Kernels 5.8+: a loop the verifier follows round by round, so at most 256 strings;
     * an exec whose environment is longer and whose prefix variable comes later is
     * passed on as unsure and decided from /proc.
     */
    BOUNDED_LOOP("bounded-loop", 256);

    /** Forces a variant, e.g. {@code -Druntimedetector.bpf.variant=bounded-loop} (tests run each this way). */
    public static final String PROPERTY = "runtimedetector.bpf.variant";

    private final String label;
    private final int envStrings;

    BpfVariant(String label, int envStrings) {
        this.label = label;
        this.envStrings = envStrings;
    }

    /** The name used in logs, metrics and {@link #PROPERTY}. */
    public String label() {
        return label;
    }

    /** Most environment strings one exec's scan reads (0 for AUTO: the chosen variant's). */
    public int maxEnvStrings() {
        return envStrings;
    }

    public static BpfVariant parse(String text) {
        String want = text.trim().toLowerCase(Locale.ROOT);
        for (BpfVariant v : values()) {
            if (v.label.equals(want) || v.name().toLowerCase(Locale.ROOT).equals(want)) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown eBPF variant '" + text + "': use auto, bpf-loop or bounded-loop");
    }

    /** What {@link #PROPERTY} asks for, AUTO when unset. */
    public static BpfVariant fromSystemProperty() {
        String value = System.getProperty(PROPERTY);
        return value == null || value.isBlank() ? AUTO : parse(value);
    }
}
