package dev.haven.redis.internal;

import dev.haven.Consistency;
import dev.haven.engine.EndpointState;
import dev.haven.redis.HavenRedisUnavailableException;
import dev.haven.redis.HavenRedisWriteOutcomeUnknownException;
import io.lettuce.core.RedisException;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.internal.ExceptionFactory;
import io.netty.util.Timeout;
import io.netty.util.Timer;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The non-blocking driver of routed calls (the async view): the same {@link ReadAttempt} / {@link WriteAttempt}
 * decisions as the blocking driver in {@link RedisRouting}, sent with Lettuce's async API.
 *
 * <p>Design. A call is a chain of steps; each step asks its attempt for a node, sends the command on that node's
 * shared connection ({@link NodeLink#getAsync()}, never a blocking connect) and continues in the command's completion
 * callback: success completes the caller's {@link RoutedFuture}; a failure the attempt may retry runs the next step at
 * once (another node) or after a wait. Where the blocking driver parks its thread on
 * {@link dev.haven.engine.TopologyMonitor#awaitRound}, this one registers on
 * {@link dev.haven.engine.TopologyMonitor#nextRound()} plus a timer for the same bound; whichever fires first hands
 * the next step to {@code executor} (Lettuce's computation threads), so no step, and no user callback, ever runs on
 * the monitor thread, and no thread sleeps. Steps of one call never overlap (each starts from the completion of the
 * previous one), so attempts need no locking.
 *
 * <p>Each command gets the command timeout that the sync view applies ({@code command-timeout}): when it passes the
 * command is cancelled and counts as a timeout (a read moves on; a write's outcome is unknown), so no future is left
 * waiting on a node that stopped answering.
 */
public final class AsyncRouting {

    private final RouteContext ctx;
    private final Executor executor;
    private final Timer timer;

    /**
     * @param executor runs every continuation that is not a command's own completion (after a wait, after a timeout)
     * @param timer    times commands and waits; a hashed wheel, so arming one per command costs no thread wake-up
     */
    AsyncRouting(RouteContext ctx, Executor executor, Timer timer) {
        this.ctx = ctx;
        this.executor = executor;
        this.timer = timer;
    }

    /** A read under {@code consistency}: {@code method} (of {@link RedisAsyncCommands}) on a qualifying node. */
    public RoutedFuture<Object> read(Consistency consistency, Session session, Method method, Object[] args) {
        RoutedFuture<Object> result = new RoutedFuture<>();
        if (failIfClosed(result)) {
            return result;
        }
        if (consistency.level() == Consistency.Level.SESSION) {
            session.readPositionAsync(this::offsetAfter, executor).whenComplete((position, err) ->
                    startRead(consistency, err == null ? position : Long.MAX_VALUE, method, args, result));
        } else {
            startRead(consistency, Long.MIN_VALUE, method, args, result);
        }
        return result;
    }

    private void startRead(Consistency consistency, long sessionPosition, Method method, Object[] args, RoutedFuture<Object> result) {
        ReadAttempt attempt;
        try {
            attempt = new ReadAttempt(ctx, consistency, sessionPosition);
        } catch (RuntimeException e) {
            result.completeExceptionally(e);
            return;
        }
        readStep(attempt, method, args, result);
    }

    private void readStep(ReadAttempt attempt, Method method, Object[] args, RoutedFuture<Object> result) {
        if (result.isDone()) {
            return; // cancelled by the caller
        }
        EndpointState state;
        try {
            state = attempt.next();
        } catch (RuntimeException e) {
            result.completeExceptionally(e);
            return;
        }
        if (state == null) {
            afterRound(attempt.deadline(), () -> readStep(attempt, method, args, result), result);
            return;
        }
        NodeLink link = ctx.link(state.endpoint());
        long t0 = attempt.begin(state);
        link.getAsync().whenComplete((c, connectErr) -> {
            if (connectErr != null) {
                readFailed(attempt, state, link, null, t0, unwrap(connectErr), method, args, result);
                return;
            }
            send(c, method, args).whenComplete((value, err) -> {
                if (err == null) {
                    attempt.succeeded(state, t0, link, c);
                    result.complete(value);
                } else {
                    readFailed(attempt, state, link, c, t0, unwrap(err), method, args, result);
                }
            });
        });
    }

    private void readFailed(ReadAttempt attempt, EndpointState state, NodeLink link, StatefulRedisConnection<String, String> c,
            long t0, RuntimeException e, Method method, Object[] args, RoutedFuture<Object> result) {
        if (attempt.failed(state, e, link, c, t0)) {
            readStep(attempt, method, args, result);
        } else {
            result.completeExceptionally(e);
        }
    }

    /** A write on the current primary; re-sent only when it certainly did not run. */
    public RoutedFuture<Object> write(Session session, Method method, Object[] args) {
        RoutedFuture<Object> result = new RoutedFuture<>();
        if (failIfClosed(result)) {
            return result;
        }
        writeStep(new WriteAttempt(ctx, session, method.getName()), method, args, result);
        return result;
    }

    private void writeStep(WriteAttempt attempt, Method method, Object[] args, RoutedFuture<Object> result) {
        if (result.isDone()) {
            return; // cancelled by the caller before the write was sent
        }
        EndpointState w;
        try {
            w = attempt.next();
        } catch (RuntimeException e) {
            result.completeExceptionally(e);
            return;
        }
        if (w == null) {
            afterRound(attempt.deadline(), () -> writeStep(attempt, method, args, result), result);
            return;
        }
        NodeLink link = ctx.link(w.endpoint());
        long t0 = attempt.begin(w);
        link.getAsync().whenComplete((c, connectErr) -> {
            if (connectErr != null) {
                writeFailed(attempt, w, link, null, t0, unwrap(connectErr), method, args, result);
                return;
            }
            send(c, method, args).whenComplete((value, err) -> {
                if (err == null) {
                    attempt.succeeded(w, t0, link, c); // before completing: a SESSION read issued from the callback sees it
                    result.complete(value);
                } else {
                    writeFailed(attempt, w, link, c, t0, unwrap(err), method, args, result);
                }
            });
        });
    }

    private void writeFailed(WriteAttempt attempt, EndpointState w, NodeLink link, StatefulRedisConnection<String, String> c,
            long t0, RuntimeException e, Method method, Object[] args, RoutedFuture<Object> result) {
        RuntimeException surfaced = attempt.failed(w, link, c, e, t0);
        if (surfaced != null) {
            result.completeExceptionally(surfaced);
        } else {
            writeStep(attempt, method, args, result);
        }
    }

    /**
     * {@code WAIT replicas timeout} on the connection that carried the session's last write. Fails with
     * {@link HavenRedisWriteOutcomeUnknownException} when that connection is gone or WAIT gets no answer in time.
     */
    public CompletableFuture<Long> awaitReplicas(Session session, int replicas, Duration timeout) {
        RoutedFuture<Long> result = new RoutedFuture<>();
        if (failIfClosed(result)) {
            return result;
        }
        StatefulRedisConnection<String, String> c = session.lastWriteConnection();
        if (c == null) {
            result.completeExceptionally(new IllegalStateException("awaitReplicas: this connection made no write yet"));
            return result;
        }
        if (!c.isOpen()) {
            result.completeExceptionally(new HavenRedisWriteOutcomeUnknownException("The connection that carried the last write is gone: "
                    + "whether the write reached " + replicas + " replica(s) is unknown", ctx.settings().clusterName(), null, null));
            return result;
        }
        CompletableFuture<Long> wait = c.async().waitForReplication(replicas, timeout.toMillis()).toCompletableFuture();
        within(wait, timeout.plus(ctx.settings().commandTimeout())).whenComplete((n, err) -> {
            if (err == null) {
                result.complete(n);
            } else {
                Throwable cause = unwrap(err);
                result.completeExceptionally(new HavenRedisWriteOutcomeUnknownException("WAIT " + replicas + " failed (" + cause
                        + "): whether the last write reached the replicas is unknown", ctx.settings().clusterName(), null, cause));
            }
        });
        return result;
    }

    /** The primary's {@code master_repl_offset} read on {@code via} ({@link Session#positionAsync}); never fails. */
    private CompletionStage<Long> offsetAfter(StatefulRedisConnection<String, String> via) {
        if (via == null || !via.isOpen()) {
            return CompletableFuture.completedFuture(Long.MAX_VALUE);
        }
        return within(via.async().info("replication").toCompletableFuture(), ctx.settings().commandTimeout())
                .handle((info, err) -> err != null ? Long.MAX_VALUE : RedisRouting.writerOffset(info));
    }

    /** Sends {@code method} on {@code c}, failing with a command timeout (and cancelling it) after {@code command-timeout}. */
    private CompletableFuture<Object> send(StatefulRedisConnection<String, String> c, Method method, Object[] args) {
        Object returned;
        try {
            returned = method.invoke(c.async(), args);
        } catch (InvocationTargetException e) {
            return CompletableFuture.failedFuture(e.getCause()); // Lettuce refused the arguments before sending
        } catch (IllegalAccessException e) {
            return CompletableFuture.failedFuture(new IllegalStateException(e));
        }
        if (!(returned instanceof CompletionStage<?> stage)) {
            return CompletableFuture.completedFuture(returned);
        }
        @SuppressWarnings("unchecked")
        CompletableFuture<Object> f = (CompletableFuture<Object>) stage.toCompletableFuture();
        return within(f, ctx.settings().commandTimeout());
    }

    /**
     * {@code f}, or a failure with Lettuce's command timeout exception once {@code timeout} passed (then {@code f} is
     * cancelled, like the sync API's {@code awaitOrCancel}). The timeout fires on {@code executor}.
     */
    <T> CompletableFuture<T> within(CompletableFuture<T> f, Duration timeout) {
        if (f.isDone()) {
            return f;
        }
        CompletableFuture<T> out = new CompletableFuture<>();
        Timeout armed;
        try {
            armed = timer.newTimeout(t -> hop(() -> {
                if (out.completeExceptionally(ExceptionFactory.createTimeoutException(timeout))) {
                    f.cancel(true);
                }
            }), timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (IllegalStateException e) {
            return f; // timer stopped: the client is closing, its connections close too, which completes f
        }
        f.whenComplete((v, err) -> {
            armed.cancel();
            if (err == null) {
                out.complete(v);
            } else {
                out.completeExceptionally(err);
            }
        });
        return out;
    }

    /**
     * Runs {@code step} on {@code executor} after the next monitor round, or after the blocking driver's bound for the
     * same wait ({@code min(left, 2 x fast-probe-interval)}), whichever comes first. The monitor thread only hands
     * the step over; it never runs it.
     */
    private void afterRound(long deadline, Runnable step, RoutedFuture<?> result) {
        long left = deadline - ctx.settings().ticker().nanoTime();
        long wait = Math.max(1, Math.min(left, 2 * ctx.settings().fastProbeInterval().toNanos()));
        AtomicBoolean fired = new AtomicBoolean();
        Runnable once = () -> {
            if (fired.compareAndSet(false, true)) {
                step.run();
            }
        };
        Timeout armed;
        try {
            armed = timer.newTimeout(t -> hop(once), wait, TimeUnit.NANOSECONDS);
        } catch (IllegalStateException e) {
            result.completeExceptionally(new HavenRedisUnavailableException("HavenRedisClient " + ctx.settings().clusterName()
                    + " is closing", ctx.settings().clusterName(), null, e));
            return;
        }
        ctx.monitor().nextRound().thenRun(() -> {
            if (!fired.get()) {
                armed.cancel();
                hop(once);
            }
        });
    }

    /** Runs {@code task} on the executor; inline if it no longer takes tasks (closing: the task then fails fast). */
    private void hop(Runnable task) {
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            task.run();
        }
    }

    private boolean failIfClosed(CompletableFuture<?> result) {
        if (ctx.isClosed()) {
            result.completeExceptionally(new RedisException("HavenRedisClient " + ctx.settings().clusterName() + " is closed"));
            return true;
        }
        return false;
    }

    /**
     * The failure as the sync view would throw it: the cause of a completion wrapper; a checked exception wrapped in a
     * {@link RedisException}; a cancelled command (its connection went away) as a {@link RedisException}, which
     * classifies as "outcome unknown".
     */
    static RuntimeException unwrap(Throwable t) {
        Throwable c = t;
        while (c instanceof CompletionException && c.getCause() != null) {
            c = c.getCause();
        }
        if (c instanceof CancellationException ce) {
            return new RedisException("Command cancelled: " + ce.getMessage(), ce);
        }
        return c instanceof RuntimeException re ? re : new RedisException(c);
    }
}
