package dev.haven.redis;

import dev.haven.Endpoint;
import dev.haven.HavenFailure;
import io.lettuce.core.RedisException;

/**
 * A write was sent to the primary but no answer came (command timeout, connection lost with the command in flight,
 * failover under way): it may or may not have been applied. Haven never re-sends such a write; the application
 * decides (re-read, re-apply an idempotent write, or report).
 *
 * <pre>{@code
 * try {
 *     redis.sync().incr("counter");
 * } catch (HavenRedisWriteOutcomeUnknownException e) {
 *     log.warn("INCR on {} may or may not have happened", e.endpoint().id());
 * }
 * }</pre>
 *
 * <p>A write refused with {@code READONLY} (sent to a primary that had just been demoted) certainly did not run: Haven
 * sends it to the new primary once the topology monitor confirms one, and this exception is not raised for it.
 */
public final class HavenRedisWriteOutcomeUnknownException extends RedisException implements HavenFailure {

    private static final long serialVersionUID = 1L;

    private final Details details;

    public HavenRedisWriteOutcomeUnknownException(String message, Endpoint endpoint, Throwable cause) {
        this(message, null, endpoint, cause);
    }

    /** With the cluster's name and the node the write was sent to. */
    public HavenRedisWriteOutcomeUnknownException(String message, String cluster, Endpoint endpoint, Throwable cause) {
        super(message, cause);
        this.details = new Details(Kind.OUTCOME_UNKNOWN, cluster, endpoint);
    }

    /** {@link HavenFailure.Kind#OUTCOME_UNKNOWN}, the cluster and the endpoint. */
    @Override
    public Details details() {
        return details;
    }
}
