package dev.haven.redis.internal;

import dev.haven.Consistency;
import dev.haven.Endpoint;
import dev.haven.Position;
import dev.haven.engine.Attempts;
import dev.haven.engine.Durations;
import dev.haven.engine.EndpointState;
import dev.haven.engine.Fault;
import dev.haven.engine.Router;
import dev.haven.engine.TopologyMonitor;
import dev.haven.event.HavenEvent;
import dev.haven.redis.HavenRedisUnavailableException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The decisions of one routed read, shared by the blocking driver ({@link RedisRouting#read}) and the asynchronous one
 * ({@link AsyncRouting#read}): which node to send it to next, when to wait for the topology monitor, when to give up.
 * No I/O: a driver asks {@link #next()}, sends, and reports the outcome with {@link #succeeded} or {@link #failed}.
 *
 * <p>Candidates come from the {@link Router} under the read's consistency; a failure that left the data untouched
 * (connection, timeout, {@code LOADING}/{@code MASTERDOWN}) moves the read to the next candidate under the engine's
 * {@link Attempts}: {@code retry.max-attempts} and the retry budget; {@code writer-wait} bounds its waits for a node. When no node qualifies (e.g. bounded reads
 * while the primary is gone and replica staleness can no longer be measured) the driver waits for a monitor round.
 * Not thread-safe: one call, one driver at a time.
 */
final class ReadAttempt {

    private final RouteContext ctx;
    private final Consistency consistency;
    private final Position sessionPosition; // null: none
    private final boolean fallback;
    private final Attempts attempts;
    private final long deadline; // how long the read may wait for a qualifying node: writer-wait
    private final Consumer<Router.Skip> skips;
    // Nodes that failed this read, with the monitor round count at the failure: a node is avoided until a
    // probe round that started after its failure has completed (two completions), so a dead primary is not
    // retried on the stale verdict of a round that was already under way.
    private Map<String, Long> failedOn;
    private RuntimeException last;
    private boolean retrying; // a failure awaits a retry that Attempts has not granted yet

    /**
     * Starts a read: counts it for the retry budget and asks the monitor for fine lag samples.
     *
     * @param sessionPosition the offset a SESSION read must reach ({@link Session#position}); ignored otherwise
     */
    ReadAttempt(RouteContext ctx, Consistency consistency, long sessionPosition) {
        this.ctx = ctx;
        this.consistency = consistency;
        this.attempts = new Attempts(ctx.settings().retryPolicy(), ctx.budget(), ctx.settings().ticker());
        this.deadline = ctx.settings().ticker().nanoTime() + ctx.settings().writerWait().toNanos();
        if (needsLag(consistency)) {
            ctx.monitor().lagDemand(); // sample replica offsets finely while reads depend on them
        }
        boolean isSession = consistency.level() == Consistency.Level.SESSION;
        // SESSION reads may always fall back to the primary: it has every write of the session.
        this.fallback = ctx.settings().readFallbackToWriter() || isSession;
        this.sessionPosition = isSession && sessionPosition != Long.MIN_VALUE ? Position.offset(sessionPosition) : null;
        this.skips = ctx.events().hasListeners() ? this::skipped : null;
    }

    static boolean needsLag(Consistency c) {
        return c.level() == Consistency.Level.BOUNDED_STALENESS || c.level() == Consistency.Level.SESSION;
    }

    /** The deadline (ticker nanos) of the whole read: the driver waits for rounds at most until then. */
    long deadline() {
        return deadline;
    }

    /**
     * The node to send the read to now, or {@code null}: none qualifies, wait for a monitor round (at most until
     * {@link #deadline()}) and ask again.
     *
     * @throws HavenRedisUnavailableException no node qualified before the deadline
     * @throws RedisException                 the last node's failure, when attempts or the retry budget are spent
     */
    EndpointState next() {
        if (ctx.isClosed()) {
            throw new RedisException("HavenRedisClient " + ctx.settings().clusterName() + " is closed");
        }
        TopologyMonitor.Snapshot snap = ctx.monitor().snapshot();
        long now = ctx.settings().ticker().nanoTime();
        double random = ctx.random();
        Endpoint target;
        if (failedOn == null) {
            target = ctx.router().firstForRead(snap.states(), consistency, sessionPosition, fallback, now, random, skips);
        } else {
            // A node this read has not tried yet comes before one that failed it, even when the monitor has looked
            // at that one since (two rounds): the untried node is the better bet, and it keeps a loaded machine's
            // quick probe rounds from sending the read back to a node that just timed out.
            target = null;
            Endpoint retry = null;
            long rounds = ctx.monitor().roundsCompleted();
            for (Endpoint e : ctx.router().forRead(snap.states(), consistency, sessionPosition, fallback, now, random, null)) {
                Long failedAt = failedOn.get(e.id());
                if (failedAt == null) {
                    target = e;
                    break;
                }
                if (retry == null && rounds >= failedAt + 2) {
                    retry = e;
                }
            }
            if (target == null) {
                target = retry;
            }
        }
        EndpointState state = target == null ? null : snap.state(target.id());
        if (state == null) {
            if (RedisErrors.everyLoginRefused(snap.states())) {
                throw new HavenRedisUnavailableException("No node of " + ctx.settings().clusterName() + " can serve a read: "
                        + "every node refused the login (" + ctx.settings().loginDescription() + "), so none can until the "
                        + "credentials change (" + snap.topology() + snap.probeFailures() + ")",
                        ctx.settings().clusterName(), null, last);
            }
            if (now - deadline >= 0) {
                throw new HavenRedisUnavailableException("No node of " + ctx.settings().clusterName() + " can serve a read with consistency "
                        + consistency + " (" + snap.topology() + ", waited " + Durations.format(ctx.settings().writerWait())
                        + snap.probeFailures() + ")",
                        ctx.settings().clusterName(), null, last);
            }
            return null;
        }
        if (retrying) {
            if (!attempts.mayRetry()) {
                throw last;
            }
            retrying = false;
            if (ctx.events().hasListeners()) {
                ctx.events().publish(new HavenEvent.RetryAttempted(ctx.settings().clusterName(), ctx.settings().clock().instant(),
                        target, attempts.retries(), Duration.ZERO, last.getClass().getSimpleName() + ": " + last.getMessage()));
            }
        }
        return state;
    }

    /** The read is being sent to {@code s}; returns the start time to hand back with the outcome. */
    long begin(EndpointState s) {
        s.begin();
        return ctx.settings().ticker().nanoTime();
    }

    void succeeded(EndpointState s, long t0, NodeLink link, StatefulRedisConnection<String, String> c) {
        long now = ctx.settings().ticker().nanoTime();
        link.replied(c, now);
        s.succeeded(t0, now);
    }

    /**
     * The read sent to {@code s} failed with {@code e}.
     *
     * @return true to go on with {@link #next()}; false to give {@code e} to the caller as is (application error)
     */
    boolean failed(EndpointState s, RuntimeException e, NodeLink link, StatefulRedisConnection<String, String> c, long t0) {
        Fault fault = RedisErrors.classify(e);
        ctx.onNodeFailure(s, t0, e, fault);
        if (fault == Fault.APPLICATION) {
            link.replied(c, ctx.settings().ticker().nanoTime());
        }
        if (!attempts.failed(fault, false)) { // an application error, an interrupt: the caller's
            return false;
        }
        if (e instanceof RedisCommandTimeoutException) {
            link.timedOut(c, t0);
        }
        last = e;
        retrying = true; // a node that could not even be reached costs budget, not one of the attempts (Attempts)
        if (failedOn == null) {
            failedOn = new HashMap<>();
        }
        failedOn.put(s.id(), ctx.monitor().roundsCompleted());
        return true;
    }

    private void skipped(Router.Skip skip) {
        ctx.events().staleReplicaSkipped(ctx.settings().clusterName(), skip, ctx.settings().clock().instant(),
                ctx.settings().ticker().nanoTime());
    }
}
