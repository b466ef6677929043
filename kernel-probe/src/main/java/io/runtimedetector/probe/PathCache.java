package io.runtimedetector.probe;

import java.util.HashMap;
import java.util.Map;

/**
 * One string instance per distinct executable path among recent events. Thousands of
 * followed processes usually run a handful of binaries; without this each would keep
 * its own copy of the same path alive. Used by the reader thread only. Bounded: when
 * full it starts over, which costs a few duplicates, never correctness.
 */
final class PathCache {

    private final int limit;
    private final Map<String, String> canonical = new HashMap<>();

    PathCache(int limit) {
        this.limit = limit;
    }

    String share(String path) {
        String known = canonical.putIfAbsent(path, path);
        if (known != null) {
            return known;
        }
        if (canonical.size() > limit) {
            canonical.clear();
        }
        return path;
    }
}
