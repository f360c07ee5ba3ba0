package dev.haven.testkit.internal;

/** PostgreSQL WAL positions ({@code pg_lsn} text "X/Y") as unsigned byte offsets. */
public final class Lsn {

    private Lsn() {
    }

    /** Parses "16/B374D848"; null (no position yet) becomes -1. */
    public static long parse(String text) {
        if (text == null) {
            return -1L;
        }
        int slash = text.indexOf('/');
        if (slash <= 0 || slash == text.length() - 1) {
            throw new IllegalArgumentException("Not an LSN: '" + text + "'");
        }
        long hi = Long.parseLong(text.substring(0, slash), 16);
        long lo = Long.parseLong(text.substring(slash + 1), 16);
        return (hi << 32) | lo;
    }

    public static String format(long lsn) {
        if (lsn < 0) {
            return "none";
        }
        return Long.toHexString(lsn >>> 32).toUpperCase() + "/" + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase();
    }
}
