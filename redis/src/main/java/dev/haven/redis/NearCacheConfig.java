package dev.haven.redis;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Opt-in near cache of {@code GET} results in the client's memory (Caffeine), kept correct by RESP3 client-side
 * tracking ({@code CLIENT TRACKING on}, default mode) on a dedicated connection to the primary. Bounded by
 * {@link #maximumSize()} entries and by {@link #maxAge()} (an entry older than that is reloaded even if no invalidation
 * came: the backstop against a lost invalidation). {@link #keys(Predicate)} restricts caching to hot keys.
 *
 * <pre>{@code
 * HavenRedisClient.builder().sentinel(...).nearCache(NearCacheConfig.of(10_000, Duration.ofSeconds(30))
 *         .keys(k -> k.startsWith("product:")))
 * }</pre>
 */
public final class NearCacheConfig {

    private final long maximumSize;
    private final Duration maxAge;
    private final Predicate<String> keys;

    private NearCacheConfig(long maximumSize, Duration maxAge, Predicate<String> keys) {
        this.maximumSize = maximumSize;
        this.maxAge = maxAge;
        this.keys = keys;
    }

    /**
     * @param maximumSize entries kept at most (1..10,000,000); Caffeine evicts by frequency and recency beyond it
     * @param maxAge      an entry is dropped this long after it was loaded (≥ 1 ms)
     */
    public static NearCacheConfig of(long maximumSize, Duration maxAge) {
        if (maximumSize < 1 || maximumSize > 10_000_000) {
            throw new IllegalArgumentException("near-cache maximum-size must be in 1..10000000: was " + maximumSize);
        }
        Objects.requireNonNull(maxAge, "maxAge");
        if (maxAge.compareTo(Duration.ofMillis(1)) < 0) {
            throw new IllegalArgumentException("near-cache max-age must be >= 1ms: was " + maxAge);
        }
        return new NearCacheConfig(maximumSize, maxAge, k -> true);
    }

    /** Only keys matching {@code filter} are cached (the others are read as without a near cache). */
    public NearCacheConfig keys(Predicate<String> filter) {
        return new NearCacheConfig(maximumSize, maxAge, Objects.requireNonNull(filter, "filter"));
    }

    public long maximumSize() {
        return maximumSize;
    }

    public Duration maxAge() {
        return maxAge;
    }

    public Predicate<String> keyFilter() {
        return keys;
    }

    @Override
    public String toString() {
        return "NearCacheConfig{maximumSize=" + maximumSize + ", maxAge=" + maxAge + "}";
    }
}
