package dev.haven.redis;

import dev.haven.Consistency;
import dev.haven.HavenSession;
import dev.haven.redis.internal.RedisRouting;
import dev.haven.redis.internal.RoutingCommands;
import dev.haven.redis.internal.Session;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.Objects;

/**
 * A session over a {@link HavenRedisClient}: Lettuce's {@link RedisCommands} where every call is routed — writes to
 * the current primary, reads to a replica that satisfies the view's {@link Consistency} — and read-your-writes state
 * for {@link Consistency#SESSION} reads. Cheap: it owns no socket (the client keeps one connection per node, shared by
 * all sessions); thread-safe; {@link #close()} only marks it closed.
 *
 * <pre>{@code
 * try (HavenRedisConnection redis = client.connect()) {
 *     redis.sync().set("user:1", "Ada");                                   // primary
 *     redis.awaitReplicas(1, Duration.ofMillis(500));                      // WAIT 1 500
 *     redis.reads(Consistency.SESSION).get("user:1");                     // a node that has the write
 *     redis.sync().get("user:1");                                          // a replica within the lag bound
 * }
 * }</pre>
 *
 * <p>The same routing without blocking: {@link #async()} / {@link #asyncReads(Consistency)} return Lettuce's
 * {@link RedisAsyncCommands}; each call returns at once and its future completes when the routed command does.
 *
 * <pre>{@code
 * RedisAsyncCommands<String, String> async = redis.async();
 * CompletionStage<String> readBack = async.set("user:2", "Grace")                      // primary
 *         .thenCompose(ok -> redis.asyncReads(Consistency.SESSION).get("user:2"));     // sees the write
 * RedisFuture<String> name = async.get("user:1");                                     // a replica within the lag bound
 * }</pre>
 *
 * <p>Both views have the same semantics: a read that fails on one node is retried on another (the async view waits
 * for the topology monitor on a timer, never on the caller's or an event-loop thread); a write whose outcome is unknown
 * fails with {@link HavenRedisWriteOutcomeUnknownException} (async: the future completes exceptionally with it) and
 * is never re-sent; a SESSION read sees every write of this session whose future has completed; commands the views
 * refuse throw {@link UnsupportedOperationException} when called. No reactive view is provided: wrap a future
 * ({@code Mono.fromCompletionStage(redis.async().get(k))}) where Reactor is wanted.
 */
public final class HavenRedisConnection implements AutoCloseable {

    private final RedisRouting routing;
    private final Session session;
    private final RedisCommands<String, String> sync;
    private final RedisAsyncCommands<String, String> async;
    private volatile boolean closed;

    HavenRedisConnection(RedisRouting routing, HavenSession haven) {
        this.routing = routing;
        this.session = routing.newSession(haven);
        this.sync = RoutingCommands.create(routing, session, routing.defaultConsistency());
        this.async = RoutingCommands.createAsync(routing, session, routing.defaultConsistency());
    }

    /** Commands with the client's default read consistency: {@code boundedStaleness(lag-bound)}. */
    public RedisCommands<String, String> sync() {
        requireOpen();
        return sync;
    }

    /** Commands whose reads use {@code consistency}; writes are the same as {@link #sync()}'s, in the same session. */
    public RedisCommands<String, String> reads(Consistency consistency) {
        Objects.requireNonNull(consistency, "consistency");
        requireOpen();
        return RoutingCommands.create(routing, session, consistency);
    }

    /**
     * The asynchronous view: {@link #sync()}'s routing without blocking the caller. Each call returns at once; its
     * {@link io.lettuce.core.RedisFuture} completes when the routed command does (on a Lettuce thread, as with
     * Lettuce's own async API), after any retry on another node. Reads use the client's default consistency.
     */
    public RedisAsyncCommands<String, String> async() {
        requireOpen();
        return async;
    }

    /** {@link #async()} whose reads use {@code consistency}; writes are the same as {@link #async()}'s, in the same session. */
    public RedisAsyncCommands<String, String> asyncReads(Consistency consistency) {
        Objects.requireNonNull(consistency, "consistency");
        requireOpen();
        return RoutingCommands.createAsync(routing, session, consistency);
    }

    /**
     * {@code WAIT replicas timeout} for this session's writes: how many replicas acknowledged them (sent on the
     * connection that carried the last write, so every earlier write on it is covered).
     *
     * @throws HavenRedisWriteOutcomeUnknownException if that connection is gone (failover): whether the writes reached
     *                                                 replicas is unknown
     * @throws IllegalStateException                   if this session made no write
     */
    public long awaitReplicas(int replicas, Duration timeout) {
        if (replicas < 0) {
            throw new IllegalArgumentException("replicas must be >= 0: was " + replicas);
        }
        Objects.requireNonNull(timeout, "timeout");
        requireOpen();
        return routing.awaitReplicas(session, replicas, timeout);
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("HavenRedisConnection is closed");
        }
    }

    @Override
    public void close() {
        closed = true;
    }
}
