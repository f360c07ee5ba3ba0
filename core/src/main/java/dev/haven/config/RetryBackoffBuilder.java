package dev.haven.config;

import java.time.Duration;

/**
 * The builder methods of a store that waits between retries ({@code retry.base-backoff}, {@code retry.max-backoff}):
 * JDBC and DynamoDB. Redis has no such keys (a Redis read is retried on another node, or after a monitor round). Each
 * store's builder implements it; the keys keep the store's own defaults.
 *
 * <pre>{@code
 * HavenDataSource.builder().url(url).retryBaseBackoff(Duration.ofMillis(20)).retryMaxBackoff(Duration.ofSeconds(1));
 * }</pre>
 *
 * @param <B> the store's builder
 */
public interface RetryBackoffBuilder<B> {

    /** Sets one key of the store ({@link HavenBuilder#set}). */
    <T> B set(Setting<T> key, T value);

    /** {@code retry.max-attempts} ({@link HavenBuilder#retryMaxAttempts}). */
    B retryMaxAttempts(int attempts);

    /** {@code retry.base-backoff}: the full-jitter backoff ceiling before the first retry; it doubles per retry. */
    default B retryBaseBackoff(Duration d) {
        return set(CommonKeys.RETRY_BASE_BACKOFF, d);
    }

    /** {@code retry.max-backoff}: the largest full-jitter backoff ceiling. */
    default B retryMaxBackoff(Duration d) {
        return set(CommonKeys.RETRY_MAX_BACKOFF, d);
    }

    /**
     * The three {@code retry.*} attempt keys at once.
     *
     * @deprecated use {@link #retryMaxAttempts}, {@link #retryBaseBackoff}, {@link #retryMaxBackoff}
     */
    @Deprecated
    default B retry(int maxAttempts, Duration baseBackoff, Duration maxBackoff) {
        retryMaxAttempts(maxAttempts);
        retryBaseBackoff(baseBackoff);
        return retryMaxBackoff(maxBackoff);
    }
}
