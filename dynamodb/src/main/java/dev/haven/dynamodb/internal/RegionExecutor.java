package dev.haven.dynamodb.internal;

import dev.haven.Consistency;
import dev.haven.Endpoint;
import dev.haven.HavenFailure;
import dev.haven.Topology;
import dev.haven.dynamodb.HavenDynamoDbSession;
import dev.haven.dynamodb.HavenDynamoDbWriteOutcomeUnknownException;
import dev.haven.dynamodb.HavenRegionUnavailableException;
import dev.haven.engine.EndpointState;
import dev.haven.engine.EventBus;
import dev.haven.engine.MonitorRegistry;
import dev.haven.engine.RetryBudget;
import dev.haven.engine.Router;
import dev.haven.engine.TopologyMonitor;
import dev.haven.event.HavenEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Runs DynamoDB calls against the right region: the engine under {@code HavenDynamoDbClient}.
 *
 * <p>Design: one {@link TopologyMonitor} per cluster per JVM ({@link MonitorRegistry}: shared by the clients with the same
 * cluster name, regions, home region and heartbeat table) probes every region with a heartbeat
 * ({@link HeartbeatTopologyProvider}) through SDK clients of its own; it owns health, latency and staleness. The request path only reads the
 * monitor's published snapshot (cached with its per-region {@link RegionCandidate} views, rebuilt when the snapshot
 * reference changes) and asks the core {@link Router} for an order of regions: no locks on the hot path.
 *
 * <ul>
 *   <li>Reads: the first qualifying region, then the next ones for retries (5xx, timeout, connection: another
 *       region; throttling: backoff). EVENTUAL and bounded reads are hedged: if the first region has not answered
 *       after {@link HedgePolicy#delayNanos}, the same read goes to the second one and the first answer wins. With
 *       a client Haven built, the first call runs on the caller's thread and a timer sends the hedge on a bounded
 *       pool; the loser is cancelled by aborting its HTTP request ({@link CancellableHttpClient}), which is no
 *       fault of its region. With a caller's client (which Haven cannot cancel) both calls run on the pool and the
 *       caller waits; the loser ends by its own timeout.</li>
 *   <li>Writes: the home region only; throttling is retried (the write was not executed), nothing else is (its
 *       outcome is unknown). When the monitor has declared the home region down, a write fails at once with
 *       {@link HavenRegionUnavailableException}, or with write failover on goes to the nearest healthy region.</li>
 * </ul>
 *
 * <p>Retries and hedges each draw on a budget (a share of the traffic) so that they cannot multiply an outage.
 */
public final class RegionExecutor implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RegionExecutor.class);

    private final DynamoDbSettings settings;
    private final RegionClients clients;
    private final EventBus events;
    private final Router router;
    private final RetryBudget retryBudget;
    private final RetryBudget hedgeBudget;
    private final ThreadPoolExecutor pool;
    /** Hedge timers (sync and async reads): one daemon thread; a cancelled timer is removed at once. */
    private final ScheduledThreadPoolExecutor timer;
    private final MonitorRegistry.Lease lease;
    private final TopologyMonitor monitor;
    private final long hedgeFixedNanos;
    private final long hedgeFloorNanos;
    private final long hedgeCapNanos;
    private final long waitCapNanos;
    private final ItemCache itemCache;
    private final RegionView regions;
    private final RegionCalls calls;
    private final ReadPlanner planner;
    private volatile boolean closed;
    private volatile boolean failingOver;

    public RegionExecutor(DynamoDbSettings settings) {
        this.settings = settings;
        this.events = new EventBus(settings.listeners());
        this.router = new Router(settings.localRegion(), "");
        this.retryBudget = new RetryBudget(settings.retryBudgetRatio(), settings.retryBudgetReservePerSecond(), settings.ticker());
        this.hedgeBudget = new RetryBudget(settings.hedgeBudgetRatio(), 1, settings.ticker());
        this.hedgeFixedNanos = settings.hedgeDelay() == null ? -1 : settings.hedgeDelay().toNanos();
        this.hedgeFloorNanos = settings.hedgeMinDelay().toNanos();
        this.hedgeCapNanos = settings.apiCallAttemptTimeout().toNanos();
        this.waitCapNanos = settings.apiCallTimeout().toNanos() + TimeUnit.SECONDS.toNanos(1);
        this.itemCache = settings.itemCacheMaxAge() == null ? null
                : new ItemCache(settings.itemCacheMaximumSize(), settings.itemCacheMaxAge(), settings.ticker());
        AtomicInteger n = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(0, settings.hedgeMaxThreads(), 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "haven-dynamodb-read-" + settings.clusterName() + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "haven-dynamodb-hedge-" + settings.clusterName());
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
        RegionClients c = null;
        MonitorRegistry.Lease l = null;
        try {
            c = RegionClients.open(settings, settings.closeUserClients()); // closes what it built if one fails
            this.clients = c;
            l = HeartbeatMonitor.acquire(settings, events);
            this.lease = l;
            this.monitor = l.monitor();
            this.regions = new RegionView(monitor, settings.homeRegion());
            this.calls = new RegionCalls(settings, regions, monitor, clients);
            this.planner = new ReadPlanner(settings, events, router, monitor, regions, retryBudget, hedgeBudget);
        } catch (RuntimeException | Error e) {
            if (l != null) {
                l.close();
            }
            if (c != null) {
                c.close();
            }
            pool.shutdownNow();
            timer.shutdownNow();
            throw e;
        }
        log.info("Haven {} started: {} ({})", settings.clusterName(), monitor.snapshot().topology(), settings);
    }

    // ------------------------------------------------------------------------------------------------ state

    public Topology topology() {
        return monitor.snapshot().topology();
    }

    public EventBus events() {
        return events;
    }

    public DynamoDbSettings settings() {
        return settings;
    }

    /** The client of a region (for {@code serviceClientConfiguration} and tests). */
    public DynamoDbClient client(String region) {
        return clients.get(region);
    }

    TopologyMonitor monitor() {
        return monitor;
    }

    // ------------------------------------------------------------------------------------------------ reads

    public <Q, R> R read(Q request, ReadShape<Q> shape, Consistency consistency, HavenDynamoDbSession session,
            BiFunction<DynamoDbClient, Q, R> call) {
        requireOpen();
        ReadPlanner.Route<Q> route = planner.plan(request, shape, consistency, session);
        Q req = route.request();
        List<Endpoint> order = route.order();
        int attempts = 0;
        int idx = 0;
        boolean hedge = route.hedgeable();
        boolean[] hedgeSent = new boolean[1];
        while (true) {
            try {
                if (hedge) {
                    hedge = false;
                    return hedged(order.get(0).id(), order.get(1).id(), req, call, hedgeSent);
                }
                return calls.attempt(order.get(idx).id(), req, call, null);
            } catch (RuntimeException e) {
                ErrorKind k = ErrorKind.of(e);
                attempts++;
                if (!k.retryableRead() || attempts >= settings.retryMaxAttempts() || !retryBudget.tryAcquire()) {
                    throw e;
                }
                int next = idx + 1 < order.size() ? idx + 1 : idx;
                if (hedgeSent[0] && attempts == 1 && order.size() > 2 && next == 1) {
                    next = 2; // regions 0 and 1 both failed as a hedged pair
                }
                Duration backoff = Duration.ZERO;
                if (k == ErrorKind.THROTTLED || next == idx) {
                    backoff = calls.backoff(attempts - 1);
                }
                String to = order.get(next).id();
                if (events.hasListeners()) {
                    events.publish(new HavenEvent.RetryAttempted(settings.clusterName(), settings.clock().instant(),
                            order.get(next), attempts, backoff, k + " in " + order.get(idx).id() + ": " + RegionCalls.describe(e)));
                }
                log.debug("Haven {}: read failed in {} ({}), retrying in {}", settings.clusterName(), order.get(idx).id(), k, to);
                RegionCalls.sleep(backoff);
                idx = next;
            }
        }
    }

    /** Sends the read to {@code first}; after the hedge delay without an answer, also to {@code second}. */
    private <Q, R> R hedged(String first, String second, Q req, BiFunction<DynamoDbClient, Q, R> call, boolean[] sent) {
        return clients.cancellable(first) ? raced(first, second, req, call, sent) : handedOff(first, second, req, call, sent);
    }

    /**
     * A hedged read without a thread hand-off: the first call runs on the caller's thread; a timer sends the hedge
     * (on the pool) if the first has not answered after the delay. The first success wins and cancels the other
     * call; a call that failed waits for the other one if it was sent.
     */
    private <Q, R> R raced(String first, String second, Q req, BiFunction<DynamoDbClient, Q, R> call, boolean[] sent) {
        long delay = hedgeDelayNanos(first);
        HedgeRace<R> race = new HedgeRace<>();
        java.util.concurrent.ScheduledFuture<?> armed;
        try {
            armed = timer.schedule(() -> launchHedge(race, second, req, call, delay, sent), delay, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closing) {
            return calls.attempt(first, req, call, null);
        }
        R r;
        try {
            r = calls.attempt(first, req, call, race.first);
        } catch (RuntimeException e) {
            if (race.closeLaunch()) {
                armed.cancel(false);
                throw e; // no hedge was sent (and none will be): the usual retry rules
            }
            return race.awaitHedge(e, waitCapNanos, first + "/" + second);
        }
        if (race.closeLaunch()) {
            armed.cancel(false);
            return r;
        }
        if (race.firstWins()) {
            race.second.cancel();
        }
        return r;
    }

    /** On the timer thread: sends the hedge to {@code second} unless the first call ended or the budget says no. */
    private <Q, R> void launchHedge(HedgeRace<R> race, String second, Q req, BiFunction<DynamoDbClient, Q, R> call,
            long delay, boolean[] sent) {
        if (!race.launch()) {
            return;
        }
        if (!hedgeBudget.tryAcquire()) {
            race.noHedge();
            return;
        }
        sent[0] = true; // before the hedge runs: the caller reads it after the hedge's answer
        try {
            pool.execute(() -> {
                try {
                    R r2 = calls.attempt(second, req, call, race.second);
                    if (race.secondWins()) {
                        race.first.cancel();
                    }
                    race.hedge.complete(r2);
                } catch (Throwable t) {
                    race.hedge.completeExceptionally(t);
                }
            });
        } catch (RejectedExecutionException full) {
            sent[0] = false;
            race.noHedge();
            return;
        }
        hedgeSent(second, delay);
    }

    /** A hedged read over a caller's client: both calls on the pool, the caller waits for the first answer. */
    private <Q, R> R handedOff(String first, String second, Q req, BiFunction<DynamoDbClient, Q, R> call, boolean[] sent) {
        CompletableFuture<R> f1 = submit(first, req, call);
        if (f1 == null) {
            return calls.attempt(first, req, call, null); // pool saturated: no hedging, no handoff
        }
        long delay = hedgeDelayNanos(first);
        try {
            return f1.get(delay, TimeUnit.NANOSECONDS);
        } catch (TimeoutException slow) {
            // hedge below
        } catch (ExecutionException e) {
            throw unwrap(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw SdkClientException.create("Interrupted while waiting for DynamoDB in " + first, e);
        }
        if (!hedgeBudget.tryAcquire()) {
            return await(f1, first);
        }
        CompletableFuture<R> f2 = submit(second, req, call);
        if (f2 == null) {
            return await(f1, first);
        }
        sent[0] = true;
        hedgeSent(second, delay);
        CompletableFuture<R> winner = new CompletableFuture<>();
        AtomicInteger failures = new AtomicInteger();
        java.util.function.BiConsumer<R, Throwable> race = (r, t) -> {
            if (t == null) {
                winner.complete(r);
            } else if (failures.incrementAndGet() == 2) {
                winner.completeExceptionally(t);
            }
        };
        f1.whenComplete(race);
        f2.whenComplete(race);
        return await(winner, first + "/" + second);
    }

    private <R> R await(CompletableFuture<R> f, String where) {
        try {
            return f.get(waitCapNanos, TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw unwrap(e.getCause());
        } catch (TimeoutException e) {
            throw SdkClientException.create("No answer from DynamoDB in " + where + " within "
                    + TimeUnit.NANOSECONDS.toMillis(waitCapNanos) + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw SdkClientException.create("Interrupted while waiting for DynamoDB in " + where, e);
        }
    }

    private <Q, R> CompletableFuture<R> submit(String region, Q req, BiFunction<DynamoDbClient, Q, R> call) {
        CompletableFuture<R> f = new CompletableFuture<>();
        try {
            pool.execute(() -> {
                try {
                    f.complete(calls.attempt(region, req, call, null));
                } catch (Throwable t) {
                    f.completeExceptionally(t);
                }
            });
        } catch (RejectedExecutionException full) {
            return null;
        }
        return f;
    }

    static RuntimeException unwrap(Throwable t) {
        if (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error err) {
            throw err;
        }
        return SdkClientException.create(String.valueOf(t), t);
    }

    // ------------------------------------------------------------------------------------------------ writes

    /**
     * A write (or any other non-read operation) in the home region; with {@code failover} and write failover
     * enabled, in the nearest healthy region once the monitor has declared the home region down.
     */
    public <Q, R> R write(Q request, HavenDynamoDbSession session, boolean failover, BiFunction<DynamoDbClient, Q, R> call) {
        requireOpen();
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
    public ItemCache itemCacheFor(Object request, boolean failover) {
        ItemCache cache = itemCache;
        return cache != null && (failover || request instanceof software.amazon.awssdk.services.dynamodb.model.DeleteTableRequest)
                ? cache : null;
    }

    /** The item cache, or {@code null}. */
    public ItemCache itemCache() {
        return itemCache;
    }

    private <Q, R> R write0(Q request, HavenDynamoDbSession session, boolean failover, BiFunction<DynamoDbClient, Q, R> call) {
        retryBudget.onRequest();
        int attempts = 0;
        while (true) {
            String region = writeRegion(failover);
            try {
                R r = calls.attempt(region, request, call, null);
                if (session != null) {
                    session.recordWrite(settings.ticker().nanoTime());
                }
                return r;
            } catch (RuntimeException e) {
                ErrorKind k = ErrorKind.of(e);
                attempts++;
                if (!k.retryableWrite() || attempts >= settings.retryMaxAttempts() || !retryBudget.tryAcquire()) {
                    RuntimeException surfaced = havenWriteFailure(request, region, e);
                    throw surfaced != null ? surfaced : e;
                }
                Duration backoff = calls.backoff(attempts - 1);
                if (events.hasListeners()) {
                    events.publish(new HavenEvent.RetryAttempted(settings.clusterName(), settings.clock().instant(),
                            regions.state(region).endpoint(), attempts, backoff, k + ": " + RegionCalls.describe(e)));
                }
                RegionCalls.sleep(backoff);
            }
        }
    }

    /** Where a write goes now, or a {@link HavenRegionUnavailableException} at once. */
    String writeRegion(boolean failover) {
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
            List<Endpoint> order = router.forRead(v.candidates(), Consistency.EVENTUAL, Long.MIN_VALUE, false,
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
    public Throwable writeFailure(Object request, String region, Throwable failure) {
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

    // ------------------------------------------------------------------------------------------------ for the async client

    /** A routed read: the request to send (ConsistentRead added where needed) and the regions, best first. */
    public record ReadPlan<Q>(Q request, List<String> regions, boolean hedgeable) {
    }

    /**
     * Routes a read like {@link #read} does (same consistency rules, same budgets), without sending it.
     *
     * @throws HavenRegionUnavailableException when no region qualifies
     */
    public <Q> ReadPlan<Q> planRead(Q request, ReadShape<Q> shape, Consistency consistency, HavenDynamoDbSession session) {
        requireOpen();
        ReadPlanner.Route<Q> route = planner.plan(request, shape, consistency, session);
        List<String> regions = new ArrayList<>(route.order().size());
        for (Endpoint e : route.order()) {
            regions.add(e.id());
        }
        return new ReadPlan<>(route.request(), regions, route.hedgeable());
    }

    /** Where a write (or, {@code failover == false}, any other operation) goes now; counts it for the retry budget. */
    public String planWrite(boolean failover) {
        requireOpen();
        retryBudget.onRequest();
        return writeRegion(failover);
    }

    /** Marks the start of a call in {@code region}; returns the start time to give {@link #callEnded}. */
    public long callStarted(String region) {
        return calls.started(region);
    }

    /** The end of a call started with {@link #callStarted}: latency, breaker and, on a region fault, a probe. */
    public void callEnded(String region, long startNanos, Throwable failure) {
        calls.ended(region, startNanos, failure);
    }

    /** The hedge delay for a read whose first region is {@code region} (fixed or adaptive, as for sync reads). */
    public long hedgeDelayNanos(String region) {
        return HedgePolicy.delayNanos(hedgeFixedNanos, regions.state(region).latencyNanos(),
                settings.hedgeLatencyMultiplier(), hedgeFloorNanos, hedgeCapNanos);
    }

    /** Takes one hedge from the hedge budget; on success publishes {@code HedgeSent} for {@code region}. */
    public boolean tryHedge(String region, long delayNanos) {
        if (!hedgeBudget.tryAcquire()) {
            return false;
        }
        hedgeSent(region, delayNanos);
        return true;
    }

    private void hedgeSent(String region, long delayNanos) {
        if (events.hasListeners()) {
            events.publish(new HavenEvent.HedgeSent(settings.clusterName(), settings.clock().instant(),
                    regions.state(region).endpoint(), Duration.ofNanos(delayNanos)));
        }
    }

    /** Whether a failed read (attempt number {@code attempts}, 1-based) may be retried; takes from the budget. */
    public boolean mayRetryRead(Throwable failure, int attempts) {
        return ErrorKind.of(failure).retryableRead() && attempts < settings.retryMaxAttempts() && retryBudget.tryAcquire();
    }

    /** Whether a failed write may be retried (throttling only: it was not executed); takes from the budget. */
    public boolean mayRetryWrite(Throwable failure, int attempts) {
        return ErrorKind.of(failure).retryableWrite() && attempts < settings.retryMaxAttempts() && retryBudget.tryAcquire();
    }

    /** The full-jitter backoff before retry number {@code retry} (0-based). */
    public Duration retryBackoff(int retry) {
        return calls.backoff(retry);
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("This HavenDynamoDbClient is closed");
        }
    }

    public boolean isClosed() {
        return closed;
    }

    /**
     * Closes the lease on the monitor (the monitor stops, and its heartbeat item goes, with the last client of the
     * cluster), the read pool, and the clients Haven built (user clients only when told to).
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        lease.close();
        timer.shutdownNow();
        pool.shutdownNow();
        try {
            pool.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        clients.close();
        log.info("Haven {} closed", settings.clusterName());
    }

    /** The hedge timer, shared with the async client (stopped by {@link #close()}). */
    public ScheduledThreadPoolExecutor timer() {
        return timer;
    }
}
