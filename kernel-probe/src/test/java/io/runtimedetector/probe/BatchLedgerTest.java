package io.runtimedetector.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Release order and what gets committed where. */
class BatchLedgerTest {

    private final List<String> commits = new ArrayList<>();
    private final BatchLedger ledger = new BatchLedger((ring, pos) -> commits.add(ring + "@" + pos));

    private static List<RawEvent> batch() {
        return new ArrayList<>(List.of(new RawEvent(RawEventType.EXIT, 0, 0, 0, 1, 1, 0, 1, 0, 0, 0, "x", "",
                List.of(), "", Map.of(), 0)));
    }

    @Test
    void releasingInOrderCommitsEachBatchEnd() {
        List<RawEvent> a = batch();
        List<RawEvent> b = batch();
        ledger.delivered(a, 0, 100);
        ledger.delivered(b, 0, 250);
        ledger.release(a);
        assertEquals(List.of("0@100"), commits);
        ledger.release(b);
        assertEquals(List.of("0@100", "0@250"), commits);
        assertEquals(0, ledger.size());
    }

    @Test
    void aBatchReleasedOutOfOrderIsRefusedAndNothingIsCommitted() {
        List<RawEvent> a = batch();
        List<RawEvent> b = batch();
        ledger.delivered(a, 0, 100);
        ledger.delivered(b, 0, 250);
        assertEquals("release: batches must be released in the order events() delivered them, and 1 older batch(es)"
                + " are still unreleased", assertThrows(IllegalArgumentException.class, () -> ledger.release(b))
                        .getMessage());
        assertEquals(List.of(), commits);
    }

    @Test
    void aCopyOrASecondReleaseIsRefused() {
        List<RawEvent> a = batch();
        ledger.delivered(a, 0, 100);
        assertThrows(IllegalArgumentException.class, () -> ledger.release(new ArrayList<>(a)));
        ledger.release(a);
        assertThrows(IllegalArgumentException.class, () -> ledger.release(a));
        assertEquals(List.of("0@100"), commits);
    }

    @Test
    void ringsAreCommittedSeparatelyAndSkippedRecordsFollowTheirPredecessors() {
        List<RawEvent> old1 = batch();
        List<RawEvent> own1 = batch();
        ledger.delivered(old1, 1, 4000);
        ledger.skipped(1, 4100);  // undecodable records after old1: wait for old1
        ledger.delivered(own1, 0, 80);
        assertEquals(List.of(), commits);
        assertEquals(2, ledger.outstanding(1));
        ledger.release(old1);
        assertEquals(List.of("1@4100"), commits);
        assertEquals(0, ledger.outstanding(1));
        ledger.release(own1);
        assertEquals(List.of("1@4100", "0@80"), commits);
    }
}
