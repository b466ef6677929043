package io.runtimedetector.engine;

import java.util.List;
import java.util.Map;

/**
 * Shares equal values between processes: a storm runs the same few executables with the
 * same few arguments and variables, and a followed process should not pay for its own
 * copy of each. Every string is shared on its own, inside lists and maps too, so that a
 * command line unique only in its last argument still shares its program path.
 *
 * <p>A direct-mapped cache: each value has one slot, chosen by its hash, and a new value
 * takes the slot over. Lookups cost one hash and one {@code equals}, nothing is allocated
 * to remember a value, and the memory is fixed, so a storm of unique values (a counter in
 * every command line) costs neither a growing table nor a periodic clear. Safe from any
 * thread without locks: slots hold immutable values (strings, {@code List.of},
 * {@code Map.of}), whose final fields make them safe to read through a racy slot; a lost
 * race only costs sharing.
 */
final class Interner {

    private final Object[] slots;
    private final int mask;

    /** @param slots slots per kind of value, rounded up to a power of two */
    Interner(int slots) {
        if (slots < 1 || slots > 1 << 24) {
            throw new IllegalArgumentException("slots must be between 1 and 2^24, was " + slots);
        }
        int size = Integer.highestOneBit(slots - 1) << 1;
        this.slots = new Object[Math.max(size, 1)];
        this.mask = this.slots.length - 1;
    }

    String string(String s) {
        return s.isEmpty() ? "" : share(s);
    }

    List<String> list(List<String> list) {
        int n = list.size();
        if (n == 0) {
            return List.of();
        }
        String[] shared = new String[n];
        for (int i = 0; i < n; i++) {
            shared[i] = string(list.get(i));
        }
        return share(List.of(shared));
    }

    Map<String, String> map(Map<String, String> map) {
        if (map.isEmpty()) {
            return Map.of();
        }
        if (map.size() == 1) {
            // The common case (one requested variable set) without a map built in between.
            Map.Entry<String, String> only = map.entrySet().iterator().next();
            return share(Map.of(string(only.getKey()), string(only.getValue())));
        }
        @SuppressWarnings("unchecked")
        Map.Entry<String, String>[] entries = new Map.Entry[map.size()];
        int i = 0;
        for (Map.Entry<String, String> e : map.entrySet()) {
            entries[i++] = Map.entry(string(e.getKey()), string(e.getValue()));
        }
        return share(Map.ofEntries(entries));
    }

    @SuppressWarnings("unchecked")
    private <T> T share(T value) {
        int h = value.hashCode();
        // The class keeps a list and a map of equal hash from taking each other's slot in turn.
        int slot = (h ^ (h >>> 16) ^ value.getClass().hashCode()) & mask;
        Object known = slots[slot];
        if (known != null && known.equals(value)) {
            return (T) known;
        }
        slots[slot] = value;
        return value;
    }
}
