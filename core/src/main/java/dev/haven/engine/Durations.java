package dev.haven.engine;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * Parses configuration durations: {@code 250ms}, {@code 1s}, {@code 2m}, {@code 1h}, {@code 1d} or ISO-8601
 * {@code PT1S}, at most {@link #MAX} (nothing Haven configures needs more, and larger values overflow the nanosecond
 * arithmetic of deadlines).
 */
public final class Durations {

    /** The longest configurable duration: 365 days. */
    public static final Duration MAX = Duration.ofDays(365);

    private Durations() {
    }

    public static Duration parse(String property, String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        Duration d = null;
        try {
            if (v.startsWith("pt") || v.startsWith("-pt") || v.startsWith("p") || v.startsWith("-p")) {
                d = Duration.parse(value.trim());
            } else if (v.endsWith("ms")) {
                d = Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2).trim()));
            } else if (v.endsWith("s")) {
                double seconds = Double.parseDouble(v.substring(0, v.length() - 1).trim());
                if (Double.isFinite(seconds) && Math.abs(seconds) <= MAX.toSeconds()) {
                    d = Duration.ofMillis(Math.round(seconds * 1000));
                } else if (!Double.isNaN(seconds)) {
                    d = MAX.plusDays(1).multipliedBy(seconds < 0 ? -1 : 1);
                }
            } else if (v.endsWith("m")) {
                d = Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1).trim()));
            } else if (v.endsWith("h")) {
                d = Duration.ofHours(Long.parseLong(v.substring(0, v.length() - 1).trim()));
            } else if (v.endsWith("d")) {
                d = Duration.ofDays(Long.parseLong(v.substring(0, v.length() - 1).trim()));
            }
        } catch (NumberFormatException | DateTimeParseException | ArithmeticException e) {
            d = null;
        }
        if (d == null) {
            throw new IllegalArgumentException(property + " must be a duration like 500ms, 1s, 2m or PT1S: was " + value);
        }
        if (d.abs().compareTo(MAX) > 0) {
            throw new IllegalArgumentException(property + " must be <= " + format(MAX) + ": was " + value.trim());
        }
        return d;
    }

    /** {@code 1s}, {@code 250ms}: how durations appear in messages. */
    public static String format(Duration d) {
        if (d.isNegative()) {
            return "-" + format(d.negated());
        }
        if (d.compareTo(MAX.multipliedBy(1000)) > 0) {
            return d.toDays() + "d";
        }
        long ms = d.toMillis();
        if (ms >= 86_400_000L && ms % 86_400_000L == 0) {
            return (ms / 86_400_000L) + "d";
        }
        if (ms >= 3_600_000L && ms % 3_600_000L == 0) {
            return (ms / 3_600_000L) + "h";
        }
        if (ms >= 60_000L && ms % 60_000L == 0) {
            return (ms / 60_000L) + "m";
        }
        return ms % 1000 == 0 ? (ms / 1000) + "s" : ms + "ms";
    }
}
