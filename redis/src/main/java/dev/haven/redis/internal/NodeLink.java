package dev.haven.redis.internal;

import io.lettuce.core.api.StatefulRedisConnection;
import java.util.concurrent.CompletionStage;

/** The shared connection to one node, as a routed call sees it ({@link NodeConnection}; fakes in unit tests). */
interface NodeLink {

    /** The open connection, connecting if needed. @throws io.lettuce.core.RedisConnectionException nothing was sent */
    StatefulRedisConnection<String, String> get();

    /** {@link #get()} without blocking; fails with a {@link io.lettuce.core.RedisConnectionException}. */
    CompletionStage<StatefulRedisConnection<String, String>> getAsync();

    /** Drops {@code c} if it is still the current connection, so that the next call connects (and resolves) again. */
    void reset(StatefulRedisConnection<String, String> c);

    /** A reply (a result or an application error) came back on {@code c} at {@code nowNanos} (the settings' ticker). */
    default void replied(StatefulRedisConnection<String, String> c, long nowNanos) {
    }

    /**
     * A command sent on {@code c} at {@code sentNanos} timed out. When nothing at all has come back on {@code c} since
     * then, nor for twice the command timeout, the connection is presumed dead (closed by the server or a proxy without the close reaching us, or
     * half-open) and dropped, so that the next call connects again instead of timing out on it too.
     */
    default void timedOut(StatefulRedisConnection<String, String> c, long sentNanos) {
    }
}
