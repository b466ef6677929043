package io.runtimedetector.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InternerTest {

    @Test
    void equalValuesComeBackAsTheFirstInstance() {
        Interner interner = new Interner(64);
        String first = interner.string(new String("/usr/bin/python3"));
        assertSame(first, interner.string(new String("/usr/bin/python3")));
        List<String> cmd = interner.list(List.of(new String("/bin/true"), new String("a")));
        assertSame(cmd, interner.list(List.of(new String("/bin/true"), new String("a"))));
        Map<String, String> envs = interner.map(Map.of(new String("OTEL_SERVICE_NAME"), new String("shop")));
        assertSame(envs, interner.map(Map.of(new String("OTEL_SERVICE_NAME"), new String("shop"))));
    }

    @Test
    void elementsAreSharedWhenTheWholeIsUnique() {
        Interner interner = new Interner(64);
        List<String> one = interner.list(List.of(new String("/opt/app/run"), new String("job-1")));
        List<String> two = interner.list(List.of(new String("/opt/app/run"), new String("job-2")));
        assertNotSame(one, two);
        assertSame(one.get(0), two.get(0), "the program path is one string for both command lines");
        Map<String, String> a = interner.map(Map.of(new String("RUN_ID"), new String("1")));
        Map<String, String> b = interner.map(Map.of(new String("RUN_ID"), new String("2")));
        assertSame(a.keySet().iterator().next(), b.keySet().iterator().next());
    }

    @Test
    void aCollidingValueTakesTheSlotOverAndBothStayCorrect() {
        // One slot: every value collides; sharing is lost, values never are.
        Interner interner = new Interner(1);
        for (int i = 0; i < 1000; i++) {
            String s = "value-" + i;
            assertEquals(s, interner.string(new String(s)));
            assertEquals(List.of("x", s), interner.list(List.of("x", s)));
            assertEquals(Map.of("K", s), interner.map(Map.of("K", s)));
        }
    }

    @Test
    void emptyValuesAreTheSharedEmptyOnes() {
        Interner interner = new Interner(8);
        assertSame("", interner.string(new String("")));
        assertSame(List.of(), interner.list(List.of()));
        assertSame(Map.of(), interner.map(Map.of()));
    }

    @Test
    void rejectsAnUnusableSize() {
        assertThrows(IllegalArgumentException.class, () -> new Interner(0));
    }
}
