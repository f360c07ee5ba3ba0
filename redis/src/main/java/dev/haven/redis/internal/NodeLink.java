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
}
