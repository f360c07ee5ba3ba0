package dev.haven.redis.internal;

import dev.haven.Endpoint;
import dev.haven.Ticker;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The one Lettuce connection Haven keeps to one node, shared (multiplexed) by every caller. Lettuce's own
 * reconnect is off for it: a command in flight when the link dies must fail (a write's outcome is then unknown)
 * rather than be replayed on the new link. The next call after a loss connects again, resolving the host name again
 * (what an ElastiCache endpoint flip needs); a failed connect is remembered for a moment so that a dead node costs
 * callers one connect timeout, not one each.
 *
 * <p>Connecting is asynchronous and single-flight: concurrent callers share one connect attempt. The blocking
 * {@link #get()} waits for it (sync view); {@link #getAsync()} never blocks (async view, possibly on an event loop).
 */
final class NodeConnection implements NodeLink, AutoCloseable {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(NodeConnection.class);

    private static final long FAILED_CONNECT_MEMO_NANOS = 50_000_000L;

    private final Endpoint endpoint;
    private final RedisClient client;
    private final RedisURI uri;
    private final Duration connectWait;
    private final Ticker ticker;
    /** The command timeout: a connection silent for twice that while commands time out on it is presumed dead. */
    private final long silenceNanos;
    private volatile StatefulRedisConnection<String, String> connection;
    /** When {@link #connection} last answered anything (its activation PING included), on {@link #ticker}. */
    private volatile long lastReplyNanos;
    private CompletableFuture<StatefulRedisConnection<String, String>> connecting; // guarded by this
    private volatile long failedAtNanos = Long.MIN_VALUE;
    private volatile RedisConnectionException lastFailure;
    private volatile boolean closed;

    /** @param connectWait how long {@link #get()} waits for a connect (TCP connect plus the activation PING) */
    NodeConnection(Endpoint endpoint, RedisClient client, RedisURI uri, Duration connectWait, Ticker ticker) {
        this.endpoint = endpoint;
        this.client = client;
        this.uri = uri;
        this.connectWait = connectWait;
        this.ticker = ticker;
        this.silenceNanos = uri.getTimeout().toNanos();
    }

    Endpoint endpoint() {
        return endpoint;
    }

    /** The open connection, connecting if needed. @throws RedisConnectionException nothing was sent */
    @Override
    public StatefulRedisConnection<String, String> get() {
        StatefulRedisConnection<String, String> c = connection;
        if (c != null && c.isOpen()) {
            return c;
        }
        try {
            return getAsync().toCompletableFuture().get(connectWait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RedisConnectionException rce ? rce
                    : new RedisConnectionException("Could not connect to " + endpoint.id() + ": " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new RedisConnectionException("Connecting to " + endpoint.id() + " took more than " + connectWait.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RedisConnectionException("Interrupted while connecting to " + endpoint.id(), e);
        }
    }

    /** The open connection without blocking; the stage fails with a {@link RedisConnectionException} (nothing sent). */
    @Override
    public CompletionStage<StatefulRedisConnection<String, String>> getAsync() {
        StatefulRedisConnection<String, String> c = connection;
        if (c != null && c.isOpen()) {
            return CompletableFuture.completedFuture(c);
        }
        CompletableFuture<StatefulRedisConnection<String, String>> result;
        synchronized (this) {
            c = connection;
            if (c != null && c.isOpen()) {
                return CompletableFuture.completedFuture(c);
            }
            if (closed) {
                return CompletableFuture.failedFuture(new RedisConnectionException("Haven connection to " + endpoint.id() + " is closed"));
            }
            if (connecting != null) {
                return connecting;
            }
            RedisConnectionException last = lastFailure;
            if (last != null && System.nanoTime() - failedAtNanos < FAILED_CONNECT_MEMO_NANOS) {
                return CompletableFuture.failedFuture(new RedisConnectionException("Connecting to " + endpoint.id()
                        + " failed moments ago: " + last.getMessage()));
            }
            if (c != null) {
                c.closeAsync();
                connection = null;
            }
            result = new CompletableFuture<>();
            connecting = result;
        }
        CompletionStage<StatefulRedisConnection<String, String>> attempt;
        try {
            attempt = client.connectAsync(StringCodec.UTF8, uri);
        } catch (RuntimeException e) {
            attempt = CompletableFuture.failedFuture(e);
        }
        attempt.whenComplete((conn, err) -> connected(result, conn, err));
        return result;
    }

    private void connected(CompletableFuture<StatefulRedisConnection<String, String>> result,
            StatefulRedisConnection<String, String> conn, Throwable err) {
        RedisConnectionException failure = null;
        synchronized (this) {
            if (connecting == result) {
                connecting = null;
            }
            if (err != null) {
                Throwable cause = err instanceof java.util.concurrent.CompletionException && err.getCause() != null ? err.getCause() : err;
                failure = cause instanceof RedisConnectionException rce ? rce
                        : new RedisConnectionException("Could not connect to " + endpoint.id() + ": " + cause, cause);
                lastFailure = failure;
                failedAtNanos = System.nanoTime();
            } else if (closed) {
                conn.closeAsync();
                failure = new RedisConnectionException("Haven connection to " + endpoint.id() + " is closed");
            } else {
                lastFailure = null;
                lastReplyNanos = ticker.nanoTime();
                connection = conn;
            }
        }
        // Completed outside the lock: dependents (a routed command) run here, on a Lettuce thread.
        if (failure != null) {
            result.completeExceptionally(failure);
        } else {
            result.complete(conn);
        }
    }

    /** Drops {@code c} if it is still the current connection (it answered READONLY through a moved endpoint...). */
    @Override
    public void reset(StatefulRedisConnection<String, String> c) {
        synchronized (this) {
            if (connection == c && c != null) {
                connection = null;
                c.closeAsync();
            }
        }
    }

    /**
     * Drops the current connection, whatever it is, so that the commands in flight on it fail at once (connection
     * closed) and the next call connects again.
     *
     * @return whether there was a connection to drop
     */
    boolean drop(String why) {
        synchronized (this) {
            StatefulRedisConnection<String, String> c = connection;
            if (c == null) {
                return false;
            }
            log.debug("Haven: dropping the connection to {}: {}", endpoint.id(), why);
            connection = null;
            c.closeAsync();
            return true;
        }
    }

    @Override
    public void replied(StatefulRedisConnection<String, String> c, long nowNanos) {
        // At most one write per millisecond: every thread's reply lands here, and a shared volatile written on each
        // would bounce its cache line between cores. The silence test below works at that resolution.
        if (nowNanos - lastReplyNanos > 1_000_000L && c == connection) {
            lastReplyNanos = nowNanos;
        }
    }

    @Override
    public void timedOut(StatefulRedisConnection<String, String> c, long sentNanos) {
        long last = lastReplyNanos;
        if (c == null || c != connection || last - sentNanos >= 0) {
            return; // replaced already, or something came back since: a slow command, not a dead connection
        }
        if (ticker.nanoTime() - last < 2 * silenceNanos) {
            return; // a server that stalls for a moment (fork, slow script, CPU) is not a dead connection either
        }
        log.info("Haven: nothing came back from {} on its connection since a command that timed out was sent; reconnecting",
                endpoint.id());
        reset(c);
    }

    @Override
    public void close() {
        closeAsync();
    }

    /**
     * Closes the connection; the stage completes when Lettuce has closed it and dropped it from its client's
     * resources. A client shut down before that closes it a second time, and Lettuce logs "Connection is already
     * closed" at WARN for each one: the client's owner waits for this stage first ({@link RedisRouting#close()}).
     */
    CompletableFuture<Void> closeAsync() {
        synchronized (this) {
            closed = true;
            if (connection != null) {
                CompletableFuture<Void> f = connection.closeAsync();
                connection = null;
                return f;
            }
        }
        return CompletableFuture.completedFuture(null);
    }

    /** Waits, at most {@code timeout}, for connections being closed (failed closes count as closed). */
    static void awaitClosed(java.util.List<CompletableFuture<Void>> closing, java.time.Duration timeout) {
        try {
            CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new)).get(timeout.toMillis(),
                    java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            log.debug("closing Redis connections: {}", e.toString());
        }
    }
}
