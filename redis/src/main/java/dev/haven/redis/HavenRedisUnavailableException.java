package dev.haven.redis;

import dev.haven.Endpoint;
import dev.haven.HavenFailure;
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
public final class HavenRedisUnavailableException extends RedisException implements HavenFailure {

    private static final long serialVersionUID = 1L;

    private final Details details;

    public HavenRedisUnavailableException(String message, Throwable cause) {
        this(message, null, null, cause);
    }

    /** With the cluster's name and the node that refused the command, when there was one. */
    public HavenRedisUnavailableException(String message, String cluster, Endpoint endpoint, Throwable cause) {
        super(message, cause);
        this.details = new Details(Kind.UNAVAILABLE, cluster, endpoint);
    }

    /** {@link HavenFailure.Kind#UNAVAILABLE}, the cluster and the endpoint. */
    @Override
    public Details details() {
        return details;
    }
}
