package dev.haven.redis;

import io.lettuce.core.RedisException;

/**
 * No node could take the command within its wait (no primary during {@code haven.redis.writer-wait}, no node for a
 * read, retry budget spent). Nothing was applied by Haven: for a write it was never sent, or it was refused
 * ({@code READONLY}, {@code LOADING}) without running, so the command can be repeated.
 *
 * <pre>{@code
 * try {
 *     redis.sync().set("k", "v");
 * } catch (HavenRedisUnavailableException e) {
 *     // safe to try again later
 * }
 * }</pre>
 */
public final class HavenRedisUnavailableException extends RedisException {

    private static final long serialVersionUID = 1L;

    public HavenRedisUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
