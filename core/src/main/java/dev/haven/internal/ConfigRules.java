package dev.haven.internal;

import java.time.Duration;

/**
 * The validation rules every Haven builder applies, with one message shape: {@code <property> <rule>: <value>},
 * e.g. {@code haven.jdbc.lag-bound must be > 0: was -1s}. Callers pass the full property name.
 */
public final class ConfigRules {

    private ConfigRules() {
    }

    public static void positive(String property, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(property + " must be > 0: was " + (d == null ? "null" : Durations.format(d)));
        }
    }

    public static void atLeast(String property, Duration d, Duration min) {
        if (d.compareTo(min) < 0) {
            throw new IllegalArgumentException(property + " must be >= " + Durations.format(min) + ": was " + Durations.format(d));
        }
    }

    public static void requireText(String property, String value, String pattern) {
        if (value == null || !value.matches(pattern)) {
            throw new IllegalArgumentException(property + " must match " + pattern + ": was " + value);
        }
    }

    public static int parseInt(String property, String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(property + " must be an integer: was " + value);
        }
    }

    public static double parseDouble(String property, String value) {
        try {
            return Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(property + " must be a number: was " + value);
        }
    }
}
