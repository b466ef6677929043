package io.runtimedetector.engine;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Reads a NUL-separated environment block and keeps only what was asked for: the values
 * of the requested keys and whether some variable carries the prefix. Other values are
 * never turned into strings, so they do not outlive the read buffer.
 *
 * @param keys   names whose values are reported
 * @param prefix variable-name prefix a process must carry; "" means no filter
 */
record EnvSelector(Set<String> keys, String prefix) {

    EnvSelector {
        keys = Set.copyOf(keys);
    }

    record Result(Map<String, String> values, EnvMatch match) {
    }

    boolean filtersOnPrefix() {
        return !prefix.isEmpty();
    }

    Result select(byte[] environ) {
        byte[] prefixBytes = prefix.getBytes(StandardCharsets.UTF_8);
        boolean matched = prefixBytes.length == 0;
        Map<String, String> values = new HashMap<>();
        int start = 0;
        while (start < environ.length) {
            int end = indexOf(environ, (byte) 0, start, environ.length);
            if (!matched && startsWith(environ, start, end, prefixBytes)) {
                matched = true;
            }
            if (!keys.isEmpty()) {
                int eq = indexOf(environ, (byte) '=', start, end);
                if (eq < end) {
                    String name = new String(environ, start, eq - start, StandardCharsets.UTF_8);
                    if (keys.contains(name)) {
                        values.put(name, new String(environ, eq + 1, end - eq - 1, StandardCharsets.UTF_8));
                    }
                }
            }
            start = end + 1;
        }
        return new Result(Map.copyOf(values), matched ? EnvMatch.MATCH : EnvMatch.NO_MATCH);
    }

    private static int indexOf(byte[] bytes, byte b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return to;
    }

    private static boolean startsWith(byte[] bytes, int from, int to, byte[] prefix) {
        if (to - from < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (bytes[from + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
