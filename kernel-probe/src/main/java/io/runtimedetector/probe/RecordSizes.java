package io.runtimedetector.probe;

/**
 * Bytes the kernel sent per record type, as they came out of the ring buffer (without
 * the reader's own framing): what sizing records to their content saves.
 */
public record RecordSizes(long execRecords, long execBytes, long exitRecords, long exitBytes,
        long otherRecords, long otherBytes) {

    public static final RecordSizes NONE = new RecordSizes(0, 0, 0, 0, 0, 0);

    public double averageExecBytes() {
        return execRecords == 0 ? 0 : (double) execBytes / execRecords;
    }

    public double averageExitBytes() {
        return exitRecords == 0 ? 0 : (double) exitBytes / exitRecords;
    }
}
