package io.runtimedetector.app;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the short durations the flags take: {@code 0}, {@code 250ms}, {@code 1s}, {@code 2m}, {@code 1h}. */
final class DurationFlag {

    private static final Pattern FORMAT = Pattern.compile("(-?\\d+)(ms|s|m|h)?");

    private DurationFlag() {
    }

    /** @param flag named in the error, e.g. {@code --min-duration} */
    static Duration parse(String flag, String text) throws UsageException {
        Matcher m = FORMAT.matcher(text);
        if (!m.matches()) {
            throw new UsageException(flag, "'" + text + "' is not a duration (use e.g. 0, 250ms, 1s, 2m)");
        }
        long amount;
        try {
            amount = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw new UsageException(flag, "'" + text + "' is too large");
        }
        if (amount < 0) {
            throw new UsageException(flag, "'" + text + "' is negative; the duration must be 0 or more");
        }
        String unit = m.group(2);
        if (unit == null && amount != 0) {
            // "5" could mean seconds or milliseconds; only 0 is unambiguous.
            throw new UsageException(flag, "'" + text + "' has no unit (use ms, s, m or h)");
        }
        try {
            return switch (unit == null ? "s" : unit) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                default -> Duration.ofHours(amount);
            };
        } catch (ArithmeticException e) {
            throw new UsageException(flag, "'" + text + "' is too large");
        }
    }
}
