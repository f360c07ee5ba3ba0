package dev.haven.engine;

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

    public static long parseLong(String property, String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(property + " must be an integer: was " + value);
        }
    }

    /** {@code true} or {@code false} (any case); anything else is a mistake, not {@code false}. */
    public static boolean parseBoolean(String property, String value) {
        String v = value.trim().toLowerCase(java.util.Locale.ROOT);
        return switch (v) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(property + " must be true or false: was " + value);
        };
    }

    /**
     * A consistency written as {@code strong}, {@code session}, {@code eventual} or {@code bounded-staleness:<duration>}
     * (e.g. {@code bounded-staleness:1s}).
     */
    public static dev.haven.Consistency parseConsistency(String property, String value) {
        String v = value.trim().toLowerCase(java.util.Locale.ROOT);
        if (v.startsWith("bounded-staleness:")) {
            Duration d = Durations.parse(property, v.substring("bounded-staleness:".length()));
            positive(property, d);
            return dev.haven.Consistency.boundedStaleness(d);
        }
        return switch (v) {
            case "strong" -> dev.haven.Consistency.STRONG;
            case "session" -> dev.haven.Consistency.SESSION;
            case "eventual" -> dev.haven.Consistency.EVENTUAL;
            default -> throw new IllegalArgumentException(property
                    + " must be strong, session, eventual or bounded-staleness:<duration>: was " + value);
        };
    }
}
