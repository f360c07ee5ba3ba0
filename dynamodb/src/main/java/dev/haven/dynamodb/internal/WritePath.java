package dev.haven.dynamodb.internal;

import dev.haven.Consistency;
import dev.haven.Endpoint;
import dev.haven.HavenFailure;
import dev.haven.HavenSession;
import dev.haven.dynamodb.HavenDynamoDbWriteOutcomeUnknownException;
import dev.haven.dynamodb.HavenRegionUnavailableException;
import dev.haven.engine.Attempts;
import dev.haven.engine.EndpointState;
import dev.haven.engine.EventBus;
import dev.haven.engine.Fault;
import dev.haven.engine.RetryBudget;
import dev.haven.engine.Router;
import dev.haven.event.HavenEvent;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Writes (and every other operation that is not a read): the home region only; what certainly did not run (throttled,
 * never sent) is retried under the engine's {@link Attempts}, nothing else is (its outcome is unknown). When the monitor has declared the home region down, a write
 * fails at once with {@link HavenRegionUnavailableException}, or with write failover on goes to the nearest healthy
 * region. A write Haven gives up on surfaces in the core failure model ({@link WriteOutcome}).
 */
final class WritePath {

    /** Logs under the engine's name, as before this class was split off {@link RegionExecutor}. */
    private static final Logger log = LoggerFactory.getLogger(RegionExecutor.class);

    private final DynamoDbSettings settings;
    private final EventBus events;
    private final Router router;
    private final RetryBudget retryBudget;
    private final RegionView regions;
    private final RegionCalls calls;
    private final ItemCache itemCache;
    private volatile boolean failingOver;

    WritePath(DynamoDbSettings settings, EventBus events, Router router, RetryBudget retryBudget, RegionView regions,
            RegionCalls calls, ItemCache itemCache) {
        this.settings = settings;
        this.events = events;
        this.router = router;
        this.retryBudget = retryBudget;
        this.regions = regions;
        this.calls = calls;
        this.itemCache = itemCache;
    }

    /**
     * A write (or any other non-read operation) in the home region; with {@code failover} and write failover
     * enabled, in the nearest healthy region once the monitor has declared the home region down.
     */
    <Q, R> R write(Q request, HavenSession session, boolean failover, BiFunction<DynamoDbClient, Q, R> call) {
        ItemCache cache = itemCacheFor(request, failover);
        if (cache == null) {
            return write0(request, session, failover, call);
        }
        cache.onWrite(request);
        try {
            return write0(request, session, failover, call);
        } finally {
            cache.onWrite(request);
        }
    }

    /**
     * The item cache if {@code request} must invalidate it (item writes, which are the operations that may fail
     * over, and {@code DeleteTable}), else {@code null}.
     */
    ItemCache itemCacheFor(Object request, boolean failover) {
        ItemCache cache = itemCache;
        return cache != null && (failover || request instanceof software.amazon.awssdk.services.dynamodb.model.DeleteTableRequest)
                ? cache : null;
    }

    private <Q, R> R write0(Q request, HavenSession session, boolean failover, BiFunction<DynamoDbClient, Q, R> call) {
        Attempts attempts = new Attempts(settings.retryPolicy(), retryBudget, settings.ticker());
        RuntimeException last = null;
        while (true) {
            String region;
            try {
                region = writeRegion(failover);
            } catch (HavenRegionUnavailableException e) {
                throw afterRetries(e, attempts, last);
            }
            try {
                R r = calls.attempt(region, request, call, null);
                if (session != null) {
                    session.recordWrite(settings.clusterName(), ReadPlanner.writeMark(settings));
                }
                return r;
            } catch (RuntimeException e) {
                Fault fault = DynamoDbErrors.classify(e);
                last = e;
                if (!attempts.failed(fault, true) || !attempts.mayRetry()) {
                    RuntimeException surfaced = havenWriteFailure(request, region, e);
                    throw surfaced != null ? surfaced : e;
                }
                Duration backoff = RegionCalls.backoff(attempts);
                if (events.hasListeners()) {
                    events.publish(new HavenEvent.RetryAttempted(settings.clusterName(), settings.clock().instant(),
                            regions.state(region).endpoint(), attempts.retries(), backoff, fault + ": " + RegionCalls.describe(e)));
                }
                RegionCalls.sleep(backoff);
            }
        }
    }

    /**
     * {@code e} (no region takes the write now) for a write that already failed with {@code last}: the retries
     * themselves took the region out (its breaker opened, or the monitor declared it down), so the last failure is
     * the cause.
     */
    HavenRegionUnavailableException afterRetries(HavenRegionUnavailableException e, Attempts attempts, Throwable last) {
        if (last == null) {
            return e;
        }
        return new HavenRegionUnavailableException(e.getMessage() + " (after " + attempts.retries()
                + " retries; the cause is the last failure)", settings.clusterName(), e.endpoint(), last);
    }

    /** Where a write (or, {@code failover == false}, any other operation) goes now. */
    String plan(boolean failover) {
        return writeRegion(failover);
    }

    /** Where a write goes now, or a {@link HavenRegionUnavailableException} at once. */
    private String writeRegion(boolean failover) {
        RegionView.View v = regions.current();
        RegionCandidate home = v.home();
        if (home.available()) {
            if (failingOver) {
                failingOver = false;
                log.warn("Haven {}: home region {} is back; writes go there again", settings.clusterName(), settings.homeRegion());
            }
            return settings.homeRegion();
        }
        boolean down = !home.state().up();
        if (failover && settings.writeFailover() && down) {
            List<Endpoint> order = router.forRead(v.candidates(), Consistency.EVENTUAL, null, false,
                    settings.ticker().nanoTime(), ThreadLocalRandom.current().nextDouble(), null);
            if (!order.isEmpty()) {
                String target = order.get(0).id();
                if (!failingOver) {
                    failingOver = true;
                    log.warn("Haven {}: home region {} is down; writes fail over to {} (last writer wins when they meet)",
                            settings.clusterName(), settings.homeRegion(), target);
                }
                return target;
            }
        }
        throw new HavenRegionUnavailableException("The home region " + settings.homeRegion() + " is "
                + (down ? "down (declared by Haven's monitor)" : "failing (circuit breaker open)") + "; "
                + (!failover ? "this operation only runs in the home region"
                        : settings.writeFailover() ? "no other region is healthy" : "haven.dynamodb.write-failover is off")
                + ": the request was not sent", settings.clusterName(), home.endpoint(), null);
    }

    /**
     * What the caller of a write gets when Haven gives up on it after {@code failure} in {@code region}: in the core
     * failure model, a write that may have been applied surfaces as {@link HavenDynamoDbWriteOutcomeUnknownException}
     * and one that was certainly not sent as {@link HavenRegionUnavailableException} (see {@link WriteOutcome});
     * anything else as it is.
     */
    Throwable writeFailure(Object request, String region, Throwable failure) {
        RuntimeException surfaced = havenWriteFailure(request, region, failure);
        return surfaced != null ? surfaced : failure;
    }

    private RuntimeException havenWriteFailure(Object request, String region, Throwable failure) {
        HavenFailure.Kind kind = WriteOutcome.classify(request, failure);
        if (kind == null) {
            return null;
        }
        EndpointState st = regions.state(region);
        Endpoint where = st == null ? null : st.endpoint();
        String op = request.getClass().getSimpleName().replace("Request", "");
        if (kind == HavenFailure.Kind.UNAVAILABLE) {
            return new HavenRegionUnavailableException(op + " could not be sent to region " + region + " ("
                    + RegionCalls.describe(failure) + "): it was not applied", settings.clusterName(), where, failure);
        }
        return new HavenDynamoDbWriteOutcomeUnknownException(op + " sent to region " + region + " got no answer ("
                + RegionCalls.describe(failure) + ").", settings.clusterName(), where, failure);
    }
}
