package dev.haven.redis.internal;

import dev.haven.Endpoint;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;

/**
 * The one Lettuce connection Haven keeps to one node, shared (multiplexed) by every caller. Lettuce's own
 * reconnect is off for it: a command in flight when the link dies must fail (a write's outcome is then unknown)
 * rather than be replayed on the new link. The next call after a loss connects again, resolving the host name again
 * (what an ElastiCache endpoint flip needs); a failed connect is remembered for a moment so that a dead node costs
 * callers one connect timeout, not one each.
 */
final class NodeConnection implements AutoCloseable {

    private static final long FAILED_CONNECT_MEMO_NANOS = 50_000_000L;

    private final Endpoint endpoint;
    private final RedisClient client;
    private final RedisURI uri;
    private volatile StatefulRedisConnection<String, String> connection;
    private volatile long failedAtNanos = Long.MIN_VALUE;
    private volatile RedisConnectionException lastFailure;
    private volatile boolean closed;

    NodeConnection(Endpoint endpoint, RedisClient client, RedisURI uri) {
        this.endpoint = endpoint;
        this.client = client;
        this.uri = uri;
    }

    Endpoint endpoint() {
        return endpoint;
    }

    /** The open connection, connecting if needed. @throws RedisConnectionException nothing was sent */
    StatefulRedisConnection<String, String> get() {
        StatefulRedisConnection<String, String> c = connection;
        if (c != null && c.isOpen()) {
            return c;
        }
        synchronized (this) {
            c = connection;
            if (c != null && c.isOpen()) {
                return c;
            }
            if (closed) {
                throw new RedisConnectionException("Haven connection to " + endpoint.id() + " is closed");
            }
            long now = System.nanoTime();
            RedisConnectionException last = lastFailure;
            if (last != null && now - failedAtNanos < FAILED_CONNECT_MEMO_NANOS) {
                throw new RedisConnectionException("Connecting to " + endpoint.id() + " failed moments ago: " + last.getMessage());
            }
            if (c != null) {
                c.closeAsync();
            }
            try {
                c = client.connect(StringCodec.UTF8, uri);
            } catch (RedisConnectionException e) {
                lastFailure = e;
                failedAtNanos = System.nanoTime();
                connection = null;
                throw e;
            } catch (RuntimeException e) {
                RedisConnectionException rce = new RedisConnectionException("Could not connect to " + endpoint.id() + ": " + e, e);
                lastFailure = rce;
                failedAtNanos = System.nanoTime();
                connection = null;
                throw rce;
            }
            lastFailure = null;
            connection = c;
            return c;
        }
    }

    /** Drops {@code c} if it is still the current connection (it answered READONLY through a moved endpoint...). */
    void reset(StatefulRedisConnection<String, String> c) {
        synchronized (this) {
            if (connection == c && c != null) {
                connection = null;
                c.closeAsync();
            }
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            if (connection != null) {
                connection.closeAsync();
                connection = null;
            }
        }
    }
}
