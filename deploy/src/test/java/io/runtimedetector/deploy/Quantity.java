package io.runtimedetector.deploy;

import java.math.BigDecimal;
import java.util.Map;

/** Kubernetes resource quantities ("512Mi", "16Mi", "1G", "500m"), as podman wants them. */
final class Quantity {

    private static final Map<String, Long> SUFFIXES = Map.of(
            "Ki", 1L << 10, "Mi", 1L << 20, "Gi", 1L << 30, "Ti", 1L << 40,
            "k", 1_000L, "M", 1_000_000L, "G", 1_000_000_000L, "T", 1_000_000_000_000L);

    /** A memory or size quantity in bytes. */
    static long bytes(String quantity) {
        for (Map.Entry<String, Long> s : SUFFIXES.entrySet()) {
            if (quantity.endsWith(s.getKey())) {
                String number = quantity.substring(0, quantity.length() - s.getKey().length());
                return new BigDecimal(number).multiply(BigDecimal.valueOf(s.getValue())).longValueExact();
            }
        }
        try {
            return new BigDecimal(quantity).longValueExact();
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("not a byte quantity: " + quantity, e);
        }
    }

    /** A CPU quantity ("500m", "1", "0.5") as a decimal number of CPUs. */
    static String cpus(String quantity) {
        BigDecimal cpus = quantity.endsWith("m")
                ? new BigDecimal(quantity.substring(0, quantity.length() - 1)).movePointLeft(3)
                : new BigDecimal(quantity);
        return cpus.stripTrailingZeros().toPlainString();
    }

    private Quantity() {
    }
}
