package dev.haven.redis.internal;

import dev.haven.engine.Durations;
import dev.haven.engine.EndpointState;
import dev.haven.engine.Fault;
import dev.haven.redis.HavenRedisUnavailableException;
import dev.haven.redis.HavenRedisWriteOutcomeUnknownException;
import io.lettuce.core.RedisException;
import io.lettuce.core.api.StatefulRedisConnection;

/**
 * The decisions of one routed write, shared by the blocking driver ({@link RedisRouting#write}) and the asynchronous
 * one ({@link AsyncRouting#write}). No I/O: a driver asks {@link #next()}, sends, and reports the outcome.
 *
 * <p>The current primary only. A write that certainly did not run (never sent, {@code READONLY}, {@code LOADING})
 * waits for a primary (at most {@code writer-wait}) and is sent again; one whose outcome is unknown is never re-sent
 * and surfaces as {@link HavenRedisWriteOutcomeUnknownException}. A primary that just refused or failed the write is
 * avoided until the monitor has re-probed it: two completed rounds (the first may have started before the failure),
 * or the confirmation time, whichever comes first. When every node refused the monitor's login (a wrong password, an
 * IAM token not accepted) the write fails at once instead of waiting. Not thread-safe: one call, one driver at a time.
 */
final class WriteAttempt {

    private final RouteContext ctx;
    private final Session session;
    private final String command;
    private final long deadline;
    private final long confirmNanos;
    private String exclude;
    private long excludeUntil;
    private long excludeUntilRound;
    private boolean justFailed;
    private RuntimeException last;

    WriteAttempt(RouteContext ctx, Session session, String command) {
        this.ctx = ctx;
        this.session = session;
        this.command = command;
        RedisSettings s = ctx.settings();
        this.deadline = s.ticker().nanoTime() + s.writerWait().toNanos();
        this.confirmNanos = 2 * (s.probeTimeout().toNanos() + s.fastProbeInterval().toNanos());
    }

    long deadline() {
        return deadline;
    }

    /**
     * The primary to send the write to now, or {@code null}: wait for a monitor round (at most until
     * {@link #deadline()}) and ask again.
     *
     * @throws HavenRedisUnavailableException no primary before the deadline; the write was not applied
     */
    EndpointState next() {
        if (ctx.isClosed()) {
            throw new RedisException("HavenRedisClient " + ctx.settings().clusterName() + " is closed");
        }
        long now = ctx.settings().ticker().nanoTime();
        if (!justFailed) {
            if (exclude != null && (now - excludeUntil >= 0 || ctx.monitor().roundsCompleted() >= excludeUntilRound)) {
                exclude = null;
            }
            EndpointState w = ctx.monitor().snapshot().writer();
            if (w != null && w.available() && !w.id().equals(exclude)) {
                return w;
            }
        }
        justFailed = false; // a failure is always followed by a wait for the monitor
        var snapshot = ctx.monitor().snapshot();
        if (RedisErrors.everyLoginRefused(snapshot.states())) {
            throw new HavenRedisUnavailableException("No primary available in " + ctx.settings().clusterName() + ": every node "
                    + "refused the login (" + ctx.settings().loginDescription() + "), so none can take the write until the "
                    + "credentials change (" + snapshot.topology() + snapshot.probeFailures() + "); the write was not applied "
                    + "and can be repeated", ctx.settings().clusterName(), null, last);
        }
        if (now - deadline >= 0) {
            throw new HavenRedisUnavailableException("No primary available in " + ctx.settings().clusterName() + " after waiting "
                    + Durations.format(ctx.settings().writerWait()) + " (" + snapshot.topology() + snapshot.probeFailures()
                    + "); the write was not applied and can be repeated", ctx.settings().clusterName(), null, last);
        }
        return null;
    }

    long begin(EndpointState w) {
        w.begin();
        return ctx.settings().ticker().nanoTime();
    }

    /** The write completed on {@code c}: the session's SESSION reads must now see it. */
    void succeeded(EndpointState w, long t0, NodeLink link, StatefulRedisConnection<String, String> c) {
        long now = ctx.settings().ticker().nanoTime();
        link.replied(c, now);
        w.succeeded(t0, now);
        session.onWrite(c);
    }

    /**
     * The write sent to {@code w} (on {@code c}, or {@code null} if no connection could be had) failed with {@code e}.
     *
     * @return the exception to give the caller, or {@code null}: it did not run, go on with {@link #next()}
     */
    RuntimeException failed(EndpointState w, NodeLink link, StatefulRedisConnection<String, String> c, RuntimeException e,
            long t0) {
        Fault fault = RedisErrors.classify(e);
        ctx.onNodeFailure(w, t0, e, fault);
        if (e instanceof io.lettuce.core.RedisCommandTimeoutException) {
            link.timedOut(c, t0);
        }
        switch (fault) {
            case APPLICATION -> {
                link.replied(c, ctx.settings().ticker().nanoTime());
                if (c != null) {
                    session.onWrite(c); // e.g. a script that failed half-way may have written
                }
                return e;
            }
            case INTERRUPTED -> {
                return e;
            }
            case OUTCOME_UNKNOWN -> {
                return new HavenRedisWriteOutcomeUnknownException("Write " + command + " sent to primary " + w.id() + " of "
                        + ctx.settings().clusterName() + " got no answer (" + e.getMessage()
                        + "); it may or may not have been applied and was not re-sent", ctx.settings().clusterName(), w.endpoint(), e);
            }
            default -> {
                // NOT_SENT, REFUSED (READONLY, LOADING...): it did not run. Wait until the monitor confirms a primary.
                if (c != null && ctx.settings().elastiCacheMode() && RedisErrors.readOnly(e)) {
                    // an endpoint whose name moved: the next connect resolves it again. Only there: closing a
                    // shared connection turns other threads' in-flight writes into unknown outcomes.
                    link.reset(c);
                }
                last = e;
                exclude = w.id();
                excludeUntil = ctx.settings().ticker().nanoTime() + confirmNanos;
                excludeUntilRound = ctx.monitor().roundsCompleted() + 2;
                justFailed = true;
                return null;
            }
        }
    }
}
