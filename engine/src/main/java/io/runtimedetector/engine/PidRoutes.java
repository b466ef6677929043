package io.runtimedetector.engine;

/**
 * The supervisor's routing map: pid to the start of the process holding it and the
 * value (its actor) that follows it. Open addressing over parallel arrays, because with
 * a hundred thousand processes followed a boxed key, an entry node and a pair object per
 * process would cost more than the lifecycle state itself.
 *
 * @param <V> what a pid routes to
 */
final class PidRoutes<V> {

    /** A pid is never 0: it marks a free slot. */
    private static final int FREE = 0;
    private static final int MIN_CAPACITY = 64;

    private int[] pids;
    private long[] starts;
    private Object[] values;
    private int size;

    PidRoutes() {
        allocate(MIN_CAPACITY);
    }

    int size() {
        return size;
    }

    /** The value for {@code pid}, or null. */
    V get(int pid) {
        int slot = find(pid);
        return slot < 0 ? null : value(slot);
    }

    /** The start stored with {@code pid}; only meaningful when {@link #get} is not null. */
    long start(int pid) {
        int slot = find(pid);
        return slot < 0 ? 0 : starts[slot];
    }

    void put(int pid, long startBootTimeNs, V value) {
        if (pid == FREE) {
            throw new IllegalArgumentException("pid 0 is not a process");
        }
        if ((size + 1) * 2 > pids.length) {
            rehash(pids.length * 2);
        }
        int slot = slotOf(pid);
        while (pids[slot] != FREE && pids[slot] != pid) {
            slot = next(slot);
        }
        if (pids[slot] == FREE) {
            size++;
        }
        pids[slot] = pid;
        starts[slot] = startBootTimeNs;
        values[slot] = value;
    }

    /** Removes {@code pid}'s entry if present. */
    void remove(int pid) {
        int slot = find(pid);
        if (slot < 0) {
            return;
        }
        size--;
        // Backward-shift deletion: no tombstones, so lookups stay short under churn.
        int hole = slot;
        int probe = next(slot);
        while (pids[probe] != FREE) {
            int home = slotOf(pids[probe]);
            boolean movable = hole <= probe ? home <= hole || home > probe : home <= hole && home > probe;
            if (movable) {
                pids[hole] = pids[probe];
                starts[hole] = starts[probe];
                values[hole] = values[probe];
                hole = probe;
            }
            probe = next(probe);
        }
        pids[hole] = FREE;
        starts[hole] = 0;
        values[hole] = null;
        if (pids.length > MIN_CAPACITY && size * 8 < pids.length) {
            rehash(pids.length / 2);
        }
    }

    void clear() {
        allocate(MIN_CAPACITY);
        size = 0;
    }

    interface Visitor<V> {
        void visit(int pid, long startBootTimeNs, V value);
    }

    void forEach(Visitor<V> visitor) {
        for (int i = 0; i < pids.length; i++) {
            if (pids[i] != FREE) {
                visitor.visit(pids[i], starts[i], value(i));
            }
        }
    }

    private int find(int pid) {
        if (pid == FREE) {
            return -1;
        }
        int slot = slotOf(pid);
        while (pids[slot] != FREE) {
            if (pids[slot] == pid) {
                return slot;
            }
            slot = next(slot);
        }
        return -1;
    }

    private int slotOf(int pid) {
        // Pids are mostly consecutive: spread them so that runs do not form long probe chains.
        int h = pid * 0x9E3779B9;
        return (h ^ (h >>> 16)) & (pids.length - 1);
    }

    private int next(int slot) {
        return (slot + 1) & (pids.length - 1);
    }

    @SuppressWarnings("unchecked")
    private V value(int slot) {
        return (V) values[slot];
    }

    private void allocate(int capacity) {
        pids = new int[capacity];
        starts = new long[capacity];
        values = new Object[capacity];
    }

    private void rehash(int capacity) {
        int[] oldPids = pids;
        long[] oldStarts = starts;
        Object[] oldValues = values;
        allocate(capacity);
        size = 0;
        for (int i = 0; i < oldPids.length; i++) {
            if (oldPids[i] != FREE) {
                @SuppressWarnings("unchecked")
                V v = (V) oldValues[i];
                put(oldPids[i], oldStarts[i], v);
            }
        }
    }

    @Override
    public String toString() {
        return "PidRoutes(" + size + " in " + pids.length + " slots)";
    }
}
