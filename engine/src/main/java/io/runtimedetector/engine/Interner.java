package io.runtimedetector.engine;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Shares equal values between processes: a storm runs the same few executables with the
 * same few command lines, and a followed process should not pay for its own copy of
 * each. Bounded: past the limit the cache starts over, which only costs sharing.
 */
final class Interner {

    private final int limit;
    private final Map<Object, Object> values = new ConcurrentHashMap<>();

    Interner(int limit) {
        this.limit = limit;
    }

    String string(String s) {
        return s.isEmpty() ? "" : share(s);
    }

    List<String> list(List<String> list) {
        return list.isEmpty() ? List.of() : share(List.copyOf(list));
    }

    Map<String, String> map(Map<String, String> map) {
        return map.isEmpty() ? Map.of() : share(Map.copyOf(map));
    }

    @SuppressWarnings("unchecked")
    private <T> T share(T value) {
        Object known = values.get(value);
        if (known != null) {
            return (T) known;
        }
        if (values.size() >= limit) {
            values.clear();
        }
        Object raced = values.putIfAbsent(value, value);
        return raced != null ? (T) raced : value;
    }
}
