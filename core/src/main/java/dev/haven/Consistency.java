package dev.haven;

import java.time.Duration;
import java.util.Objects;

/**
 * What a read requires of the data it gets. The same four words hold for SQL, Redis and DynamoDB.
 *
 * <ul>
 *   <li>{@link #STRONG}: the writer only; sees every acknowledged write.</li>
 *   <li>{@link #SESSION}: read-your-writes: any source whose replication position is at or past the
 *       last write of the caller's session.</li>
 *   <li>{@link #boundedStaleness(Duration)}: any source whose measured staleness is at most the bound.</li>
 *   <li>{@link #EVENTUAL}: the nearest healthy source, caches allowed.</li>
 * </ul>
 *
 * <pre>{@code
 * Consistency fresh = Consistency.boundedStaleness(Duration.ofSeconds(1));
 * assert fresh.allowsStaleness(Duration.ofMillis(800));
 * }</pre>
 */
public final class Consistency {

    /** How strict a consistency is; ordered from strictest to loosest. */
    public enum Level { STRONG, SESSION, BOUNDED_STALENESS, EVENTUAL }

    public static final Consistency STRONG = new Consistency(Level.STRONG, Duration.ZERO);
    public static final Consistency SESSION = new Consistency(Level.SESSION, Duration.ZERO);
    public static final Consistency EVENTUAL = new Consistency(Level.EVENTUAL, null);

    private final Level level;
    private final Duration maxStaleness;
    private final long maxStalenessNanos;

    private Consistency(Level level, Duration maxStaleness) {
        this.level = level;
        this.maxStaleness = maxStaleness;
        this.maxStalenessNanos = maxStaleness == null ? Long.MAX_VALUE : maxStaleness.toNanos();
    }

    /**
     * Reads that may be at most {@code maxStaleness} behind the writer.
     *
     * @throws IllegalArgumentException if the bound is negative or zero (use {@link #STRONG} for zero)
     */
    public static Consistency boundedStaleness(Duration maxStaleness) {
        Objects.requireNonNull(maxStaleness, "maxStaleness");
        if (maxStaleness.isNegative() || maxStaleness.isZero()) {
            throw new IllegalArgumentException(
                    "bounded staleness must be > 0 (use Consistency.STRONG for none): was " + maxStaleness);
        }
        return new Consistency(Level.BOUNDED_STALENESS, maxStaleness);
    }

    public Level level() {
        return level;
    }

    /** The staleness bound; zero for STRONG and SESSION, {@code null} (unbounded) for EVENTUAL. */
    public Duration maxStaleness() {
        return maxStaleness;
    }

    /** The bound in nanoseconds: 0 for STRONG/SESSION, {@link Long#MAX_VALUE} for EVENTUAL. */
    public long maxStalenessNanos() {
        return maxStalenessNanos;
    }

    /** Whether this read may be served by anything but the writer. */
    public boolean allowsReplica() {
        return level != Level.STRONG;
    }

    /** Whether data this stale satisfies the read (SESSION is decided by positions, not by time). */
    public boolean allowsStaleness(Duration staleness) {
        return switch (level) {
            case STRONG -> staleness.isZero();
            case SESSION -> true;
            case BOUNDED_STALENESS -> staleness.compareTo(maxStaleness) <= 0;
            case EVENTUAL -> true;
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Consistency c && c.level == level && Objects.equals(c.maxStaleness, maxStaleness);
    }

    @Override
    public int hashCode() {
        return level.hashCode() * 31 + Objects.hashCode(maxStaleness);
    }

    @Override
    public String toString() {
        return level == Level.BOUNDED_STALENESS ? "BOUNDED_STALENESS(" + maxStaleness + ")" : level.name();
    }
}
