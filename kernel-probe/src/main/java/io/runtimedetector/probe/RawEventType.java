package io.runtimedetector.probe;

/** What the kernel saw; the numeric codes are {@code enum rd_event_type} in rd_event.h. */
public enum RawEventType {
    EXEC(1), FORK(2), EXIT(3), FILE_OPEN(4);

    private final int code;

    RawEventType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** @throws IllegalArgumentException for a code the kernel side does not define */
    public static RawEventType fromCode(int code) {
        for (RawEventType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown raw event type " + code);
    }
}
