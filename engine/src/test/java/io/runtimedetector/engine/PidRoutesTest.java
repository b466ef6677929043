package io.runtimedetector.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The routing map against a plain HashMap, under the churn of pids coming and going. */
class PidRoutesTest {

    private record Entry(long start, String value) {
    }

    @Test
    void behavesLikeAMapUnderRandomChurn() {
        PidRoutes<String> routes = new PidRoutes<>();
        Map<Integer, Entry> expected = new HashMap<>();
        Random random = new Random(42);
        for (int step = 0; step < 200_000; step++) {
            // A small pid range, so that puts, overwrites and removes collide often.
            int pid = 1 + random.nextInt(step < 100_000 ? 5_000 : 300);
            int op = random.nextInt(3);
            if (op < 2) {
                long start = random.nextLong();
                routes.put(pid, start, "v" + step);
                expected.put(pid, new Entry(start, "v" + step));
            } else {
                routes.remove(pid);
                expected.remove(pid);
            }
            if (step % 997 == 0) {
                assertSame(expected, routes);
            }
        }
        assertSame(expected, routes);
        expected.keySet().forEach(routes::remove);
        assertEquals(0, routes.size());
        assertNull(routes.get(1));
    }

    @Test
    void unknownPidsAndPidZeroAreAbsent() {
        PidRoutes<String> routes = new PidRoutes<>();
        routes.put(7, 70, "seven");
        assertNull(routes.get(8));
        assertNull(routes.get(0));
        routes.remove(8);
        assertEquals("seven", routes.get(7));
        assertEquals(70, routes.start(7));
        routes.clear();
        assertNull(routes.get(7));
    }

    private static void assertSame(Map<Integer, Entry> expected, PidRoutes<String> routes) {
        assertEquals(expected.size(), routes.size());
        expected.forEach((pid, entry) -> {
            assertEquals(entry.value(), routes.get(pid), "pid " + pid);
            assertEquals(entry.start(), routes.start(pid), "pid " + pid);
        });
        Map<Integer, Entry> seen = new HashMap<>();
        routes.forEach((pid, start, value) -> seen.put(pid, new Entry(start, value)));
        assertEquals(expected, seen);
    }
}
