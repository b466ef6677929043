package io.runtimedetector.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** The meta record's encoding, which the kernel map holds as struct rd_meta (offsets: NativeLayoutTest). */
class PinMetaTest {

    private static final String GENERATION = "0123456789abcdef".repeat(4);

    private static PinMeta sample() {
        return new PinMeta(PinMeta.LAYOUT_VERSION, false, 1, 1 << 20, 4096, 123_456_789L, 7, 9, GENERATION,
                "bpf-loop 89abcdef01234567");
    }

    @Test
    void aRecordSurvivesEncodingAndDecoding() {
        assertEquals(sample(), PinMeta.decode(sample().encode()));
        assertEquals(sample().completed(), PinMeta.decode(sample().completed().encode()));
        assertTrue(PinMeta.decode(sample().completed().encode()).complete());
        assertFalse(PinMeta.decode(sample().encode()).complete());
    }

    @Test
    void fieldsSitWhereTheCHeaderPutsThem() {
        ByteBuffer b = ByteBuffer.wrap(sample().completed().reported(11, 13).encode()).order(ByteOrder.nativeOrder());
        assertEquals(PinMeta.SIZE, b.capacity());
        assertEquals(PinMeta.LAYOUT_VERSION, b.getInt(PinMeta.LAYOUT_VERSION_OFF));
        assertEquals(1, b.getInt(PinMeta.COMPLETE_OFF));
        assertEquals(1 << 20, b.getInt(PinMeta.RING_BYTES_OFF));
        assertEquals(11, b.getLong(PinMeta.REPORTED_LOST_OFF));
        assertEquals(13, b.getLong(PinMeta.REPORTED_IDLE_OFF));
        assertEquals('0', b.get(PinMeta.GENERATION_OFF));
        assertEquals(0, b.get(PinMeta.GENERATION_OFF + 64), "NUL-terminated");
    }

    @Test
    void aBlankMapValueIsAnIncompleteRecordOfNoLayout() {
        PinMeta blank = PinMeta.decode(new byte[PinMeta.SIZE]);
        assertEquals(0, blank.layoutVersion());
        assertFalse(blank.complete());
        assertEquals("", blank.generation());
    }

    @Test
    void aValueOfAnotherSizeIsRefusedSayingSo() {
        assertEquals("meta record of 12 bytes, expected " + PinMeta.SIZE,
                assertThrows(IllegalArgumentException.class, () -> PinMeta.decode(new byte[12])).getMessage());
    }
}
