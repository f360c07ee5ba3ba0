package dev.haven.examples;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * How long the {@link FailoverDemo} runs and when it injects its outages. The schedule scales with the
 * duration: for the default 25 s, replay pauses on one replica at 5 s for 5 s, and the primary is killed at
 * 13.3 s (a replica is promoted right after), leaving 11.7 s to watch the application on the new primary.
 *
 * <pre>{@code
 * DemoSettings s = DemoSettings.of(Duration.ofSeconds(14)); // pause at 2.8 s for 2.8 s, kill at 7.5 s
 * }</pre>
 *
 * @param duration how long the workload runs
 * @param pauseAt  when WAL replay is paused on one replica (since the workload started)
 * @param pauseFor how long replay stays paused
 * @param killAt   when the primary is killed and the most advanced replica promoted
 * @param lagBound the staleness the data source allows reads
 */
public record DemoSettings(Duration duration, Duration pauseAt, Duration pauseFor, Duration killAt, Duration lagBound) {

    /** {@code -Dhaven.demo.duration=45s}, or the first program argument. */
    public static final String DURATION_PROPERTY = "haven.demo.duration";
    public static final Duration DEFAULT_DURATION = Duration.ofSeconds(25);
    /** Below this the outages overlap or leave no time to see writes resume. */
    public static final Duration MIN_DURATION = Duration.ofSeconds(10);

    public DemoSettings {
        if (duration.compareTo(MIN_DURATION) < 0) {
            throw new IllegalArgumentException("demo duration must be >= " + MIN_DURATION.toSeconds() + "s: was "
                    + duration.toMillis() + "ms");
        }
        if (pauseAt.plus(pauseFor).compareTo(killAt) > 0 || killAt.compareTo(duration) >= 0) {
            throw new IllegalArgumentException("demo schedule must be pause < resume <= kill < end: was pause at "
                    + pauseAt.toMillis() + "ms for " + pauseFor.toMillis() + "ms, kill at " + killAt.toMillis()
                    + "ms, end at " + duration.toMillis() + "ms");
        }
    }

    /** The schedule scaled to {@code duration}, with a 1 s lag bound. */
    public static DemoSettings of(Duration duration) {
        long ms = duration.toMillis();
        return new DemoSettings(duration, Duration.ofMillis(ms / 5), Duration.ofMillis(ms / 5),
                Duration.ofMillis(ms * 8 / 15), Duration.ofSeconds(1));
    }

    /** From the first argument, else {@value #DURATION_PROPERTY}, else 25 s. */
    public static DemoSettings fromArgs(String[] args) {
        String value = args.length > 0 ? args[0] : System.getProperty(DURATION_PROPERTY);
        return of(value == null || value.isBlank() ? DEFAULT_DURATION : parseDuration(value));
    }

    /** "30", "30s", "2m", "1500ms" or ISO-8601 ("PT30S"). */
    static Duration parseDuration(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (s.startsWith("pt")) {
                return Duration.parse(s);
            }
            if (s.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2).trim()));
            }
            if (s.endsWith("s")) {
                return Duration.ofSeconds(Long.parseLong(s.substring(0, s.length() - 1).trim()));
            }
            if (s.endsWith("m")) {
                return Duration.ofMinutes(Long.parseLong(s.substring(0, s.length() - 1).trim()));
            }
            return Duration.ofSeconds(Long.parseLong(s));
        } catch (NumberFormatException | DateTimeParseException e) {
            throw new IllegalArgumentException("demo duration must look like 30s, 2m, 1500ms or PT30S: was '" + text + "'");
        }
    }
}
