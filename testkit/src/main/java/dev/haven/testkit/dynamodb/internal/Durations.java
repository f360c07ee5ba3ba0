package dev.haven.testkit.dynamodb.internal;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations written in annotations: {@code 0}, {@code 250ms}, {@code 1s}, {@code 1.5s}, {@code 2m}, or ISO-8601 ({@code PT1S}). */
public final class Durations {

    private static final Pattern SIMPLE = Pattern.compile("(-?\\d+(?:\\.\\d+)?)\\s*(ms|s|m)");

    private Durations() {
    }

    public static Duration parse(String text, String what) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = SIMPLE.matcher(t);
        if (m.matches()) {
            double value = Double.parseDouble(m.group(1));
            double millis = value * ("ms".equals(m.group(2)) ? 1 : "s".equals(m.group(2)) ? 1_000 : 60_000);
            return Duration.ofNanos(Math.round(millis * 1_000_000));
        }
        try {
            return Duration.parse(text.trim());
        } catch (DateTimeParseException | NullPointerException e) {
            throw new IllegalArgumentException(what + " must be a duration like 0, 250ms, 1s, 2m or PT1S: was '" + text + "'");
        }
    }
}
