package dev.haven.engine;

import dev.haven.config.CommonKeys;
import dev.haven.config.Setting;
import dev.haven.config.Settings;
import java.time.Duration;

/**
 * How often and for how long one operation may be tried: the {@code retry.*} keys and the operation's deadline, read
 * once from a store's settings. Immutable; {@link Attempts} applies it to one operation.
 *
 * @param maxAttempts  tries of one operation in all, the first included ({@code retry.max-attempts})
 * @param baseBackoff  backoff ceiling before the first retry ({@code retry.base-backoff}); zero: retry at once
 * @param maxBackoff   largest backoff ceiling ({@code retry.max-backoff})
 * @param deadline     time from the operation's start after which it is not tried again
 */
public record RetryPolicy(int maxAttempts, Duration baseBackoff, Duration maxBackoff, Duration deadline) {

    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1: was " + maxAttempts);
        }
        if (baseBackoff.isNegative() || maxBackoff.isNegative() || deadline.isNegative()) {
            throw new IllegalArgumentException("backoffs and deadline must be >= 0: were " + baseBackoff + ", " + maxBackoff
                    + ", " + deadline);
        }
    }

    /**
     * The policy of a store whose spec has the {@code retry.*} keys; {@code deadline} is the key of the operation's
     * deadline ({@code deadline}, or {@code writer-wait} where a store has none of its own). A store without backoff
     * keys retries at once (on another endpoint).
     */
    public static RetryPolicy of(Settings s, Setting<Duration> deadline) {
        return new RetryPolicy(s.get(CommonKeys.RETRY_MAX_ATTEMPTS), backoff(s, CommonKeys.RETRY_BASE_BACKOFF),
                backoff(s, CommonKeys.RETRY_MAX_BACKOFF), s.get(deadline));
    }

    private static Duration backoff(Settings s, Setting<Duration> key) {
        return s.spec().find(key.key()).isPresent() ? s.get(key) : Duration.ZERO;
    }
}
