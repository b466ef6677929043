package io.runtimedetector.probe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

/** The Java decoder's offsets are the C header's (loading the library needs no privileges). */
class NativeLayoutTest {

    @Test
    void javaLayoutMatchesTheCompiledHeader() {
        NativeLibrary.load();
        assertArrayEquals(NativeProbe.layout(), EventLayout.expected());
    }
}
