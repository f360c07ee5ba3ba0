package dev.haven.dynamodb.internal;

import dev.haven.Consistency;
import dev.haven.Endpoint;
import dev.haven.HavenSession;
import dev.haven.Topology;
import dev.haven.dynamodb.HavenDynamoDbWriteOutcomeUnknownException;
import dev.haven.dynamodb.HavenRegionUnavailableException;
import dev.haven.engine.Attempts;
import dev.haven.engine.EventBus;
import dev.haven.engine.Fault;
import dev.haven.engine.HedgePolicy;
import dev.haven.engine.MonitorRegistry;
import dev.haven.engine.RetryBudget;
import dev.haven.engine.Router;
import dev.haven.engine.TopologyMonitor;
import dev.haven.event.HavenEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
 *
 * <p>This class coordinates; the parts live in package-private collaborators: {@link RegionClients} (the per-region
 * SDK clients), {@link HeartbeatMonitor} (the cluster's monitor and its heartbeat table check), {@link RegionView}
 * (the cached snapshot), {@link ReadPlanner} (where a read goes, for the sync and the async client alike),
 * {@link RegionCalls} (one call in a region, and backoff), {@link Hedging} (the two hedged read modes) and
 * {@link WritePath} (writes, write failover and what a failed write surfaces as).
 */
public final class RegionExecutor implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RegionExecutor.class);

    private final DynamoDbSettings settings;
    private final RegionClients clients;
    private final EventBus events;
    private final RetryBudget retryBudget;
    private final MonitorRegistry.Lease lease;
    private final TopologyMonitor monitor;
    private final ItemCache itemCache;
    private final RegionCalls calls;
    private final ReadPlanner planner;
    private final Hedging hedging;
    private final WritePath writes;
    private volatile boolean closed;

    public RegionExecutor(DynamoDbSettings settings) {
        this.settings = settings;
        this.events = new EventBus(settings.listeners());
        Router router = new Router(settings.localRegion(), "");
        this.retryBudget = settings.newRetryBudget();
        HedgePolicy hedges = HedgePolicy.of(settings.keys(), settings.apiCallAttemptTimeout(), settings.ticker());
        this.itemCache = settings.itemCacheMaxAge() == null ? null
                : new ItemCache(settings.itemCacheMaximumSize(), settings.itemCacheMaxAge(), settings.ticker());
        this.clients = RegionClients.open(settings, settings.closeUserClients()); // closes what it built if one fails
        MonitorRegistry.Lease l = null;
        try {
            l = HeartbeatMonitor.acquire(settings, events);
            this.lease = l;
            this.monitor = l.monitor();
            RegionView regions = new RegionView(monitor, settings.homeRegion());
            this.calls = new RegionCalls(settings, regions, monitor, clients);
            this.planner = new ReadPlanner(settings, events, router, monitor, regions, hedges);
            this.hedging = new Hedging(settings, events, hedges, retryBudget, clients, calls, regions);
            this.writes = new WritePath(settings, events, router, retryBudget, regions, calls, itemCache);
        } catch (RuntimeException | Error e) {
            if (l != null) {
                l.close();
            }
            clients.close();
            throw e;
        }
        log.info("Haven {} started: {} ({})", settings.clusterName(), monitor.snapshot().topology(), settings);
    }

    // ------------------------------------------------------------------------------------------------ state

    public Topology topology() {
        return monitor.snapshot().topology();
    }

    public java.util.Map<String, java.time.Duration> replicaStaleness() {
        return monitor.replicaStaleness();
    }

    public java.util.Map<String, String> breakerStates() {
        return monitor.breakerStates();
    }

    public EventBus events() {
        return events;
    }

    /** The session mark of a write acknowledged now (see {@code ReadPlanner.writeMark}). */
    public HavenSession.Mark writeMark() {
        return ReadPlanner.writeMark(settings);
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

    public <Q, R> R read(Q request, ReadShape<Q> shape, Consistency consistency, HavenSession session,
            BiFunction<DynamoDbClient, Q, R> call) {
        requireOpen();
        ReadPlanner.Route<Q> route = planner.plan(request, shape, consistency, session);
        Q req = route.request();
        List<Endpoint> order = route.order();
        Attempts attempts = startAttempts();
        int idx = 0;
        boolean hedge = route.hedgeable();
        boolean[] hedgeSent = new boolean[1];
        while (true) {
            try {
                if (hedge) {
                    hedge = false;
                    return hedging.hedged(order.get(0).id(), order.get(1).id(), req, call, hedgeSent);
                }
                return calls.attempt(order.get(idx).id(), req, call, null);
            } catch (RuntimeException e) {
                Fault fault = DynamoDbErrors.classify(e);
                if (!attempts.failed(fault, false) || !attempts.mayRetry()) {
                    throw e;
                }
                int next = idx + 1 < order.size() ? idx + 1 : idx;
                if (hedgeSent[0] && attempts.retries() == 1 && order.size() > 2 && next == 1) {
                    next = 2; // regions 0 and 1 both failed as a hedged pair
                }
                Duration backoff = backsOff(fault, idx, next) ? RegionCalls.backoff(attempts) : Duration.ZERO;
                String to = order.get(next).id();
                if (events.hasListeners()) {
                    events.publish(new HavenEvent.RetryAttempted(settings.clusterName(), settings.clock().instant(),
                            order.get(next), attempts.retries(), backoff, fault + " in " + order.get(idx).id() + ": "
                                    + RegionCalls.describe(e)));
                }
                log.debug("Haven {}: read failed in {} ({}), retrying in {}", settings.clusterName(), order.get(idx).id(), fault, to);
                RegionCalls.sleep(backoff);
                idx = next;
            }
        }
    }

    /** A retry in another region goes at once; one in the same region, or after throttling, backs off first. */
    static boolean backsOff(Fault fault, int from, int to) {
        return fault == Fault.THROTTLED || from == to;
    }

    // ------------------------------------------------------------------------------------------------ writes

    /**
     * A write (or any other non-read operation) in the home region; with {@code failover} and write failover
     * enabled, in the nearest healthy region once the monitor has declared the home region down.
     */
    public <Q, R> R write(Q request, HavenSession session, boolean failover, BiFunction<DynamoDbClient, Q, R> call) {
        requireOpen();
        return writes.write(request, session, failover, call);
    }

    /**
     * The item cache if {@code request} must invalidate it (item writes, which are the operations that may fail
     * over, and {@code DeleteTable}), else {@code null}.
     */
    public ItemCache itemCacheFor(Object request, boolean failover) {
        return writes.itemCacheFor(request, failover);
    }

    /** The item cache, or {@code null}. */
    public ItemCache itemCache() {
        return itemCache;
    }

    /**
     * What the caller of a write gets when Haven gives up on it after {@code failure} in {@code region}: in the core
     * failure model, a write that may have been applied surfaces as {@link HavenDynamoDbWriteOutcomeUnknownException}
     * and one that was certainly not sent as {@link HavenRegionUnavailableException} (see {@link WriteOutcome});
     * anything else as it is.
     */
    public Throwable writeFailure(Object request, String region, Throwable failure) {
        return writes.writeFailure(request, region, failure);
    }

    // ------------------------------------------------------------------------------------------------ for the async client

    /**
     * A routed read: the request to send (ConsistentRead added where needed), the regions, best first, and its retry
     * state (one driver at a time: the hedged pair's callbacks hand over, never run it together).
     */
    public record ReadPlan<Q>(Q request, List<String> regions, boolean hedgeable, Attempts attempts) {
    }

    /**
     * Routes a read like {@link #read} does (same consistency rules, same budgets), without sending it.
     *
     * @throws HavenRegionUnavailableException when no region qualifies
     */
    public <Q> ReadPlan<Q> planRead(Q request, ReadShape<Q> shape, Consistency consistency, HavenSession session) {
        requireOpen();
        ReadPlanner.Route<Q> route = planner.plan(request, shape, consistency, session);
        List<String> regions = new ArrayList<>(route.order().size());
        for (Endpoint e : route.order()) {
            regions.add(e.id());
        }
        return new ReadPlan<>(route.request(), regions, route.hedgeable(), startAttempts());
    }

    /**
     * Where a write (or, {@code failover == false}, any other operation) goes now, its try number
     * {@code attempts.retries() + 1}, after {@code last} failed (null for the first).
     */
    public String planWrite(boolean failover, Attempts attempts, Throwable last) {
        requireOpen();
        try {
            return writes.plan(failover);
        } catch (HavenRegionUnavailableException e) {
            throw writes.afterRetries(e, attempts, last);
        }
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
        return hedging.delayNanos(region);
    }

    /**
     * Whether a read still waiting for {@code first} may be hedged to {@code second} now: when the hedge budget gives a
     * hedge, or {@code first} is demoted ({@code second} not) and the retry budget gives the retry the hedge replaces
     * (the one the first call's timeout would bring); on success publishes {@code HedgeSent} for {@code second}.
     */
    public boolean tryHedge(String first, String second, long delayNanos) {
        return hedging.tryHedge(first, second, delayNanos);
    }

    /** How long a read whose hedge was refused waits before asking {@link #tryHedge} again. */
    public static long hedgeRecheckNanos(long delayNanos) {
        return Hedging.recheckNanos(delayNanos);
    }

    /**
     * A hedgeable read's call in {@code region} has waited since {@code sinceNanos} (ticker time) for (another) hedge
     * delay without an answer. A region that answers nothing while several reads outwait their hedge delay is demoted
     * in read routing and probed at once ({@code EndpointState.outpaced}).
     *
     * @param reportedEpoch what this method returned for the read's last wait that counted, or -1
     * @return what to pass as {@code reportedEpoch} next time: a read reports until a wait counts, and again only once
     *         a lifted demotion left the region routable while the read still waits
     */
    public long hedgeDelayPassed(String region, long sinceNanos, long reportedEpoch) {
        if (!calls.mayReport(region, reportedEpoch)) {
            return reportedEpoch;
        }
        return Math.max(reportedEpoch, calls.outpaced(region, sinceNanos));
    }

    /** Ticker time, as {@link #hedgeDelayPassed} takes it. */
    public long nanoTime() {
        return settings.ticker().nanoTime();
    }

    /** The retry state of one operation, started now (counts it for the retry budget). */
    public Attempts startAttempts() {
        return new Attempts(settings.retryPolicy(), retryBudget, settings.ticker());
    }

    /** Whether an operation whose try failed with {@code failure} may be tried again (see {@link #retryAfter}). */
    public static boolean mayRetry(Attempts attempts, Throwable failure, boolean write) {
        return attempts.failed(DynamoDbErrors.classify(failure), write) && attempts.mayRetry();
    }

    /**
     * Whether an operation whose try (in region index {@code from}) failed with {@code failure} may be tried again
     * ({@link Attempts#failed}, {@link Attempts#mayRetry()}, taking from the budget when it may), and after how long:
     * -1 for no retry, else the backoff in nanos before retrying in region index {@code to} (zero when a read moves on
     * to another region). The failure is classified once.
     */
    public static long retryAfter(Attempts attempts, Throwable failure, boolean write, int from, int to) {
        Fault fault = DynamoDbErrors.classify(failure);
        if (!attempts.failed(fault, write) || !attempts.mayRetry()) {
            return -1;
        }
        return backsOff(fault, from, to) ? RegionCalls.backoff(attempts).toNanos() : 0;
    }

    // ------------------------------------------------------------------------------------------------ lifecycle

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
        hedging.close();
        clients.close();
        log.info("Haven {} closed", settings.clusterName());
    }

    /** The hedge timer, shared with the async client (stopped by {@link #close()}). */
    public ScheduledThreadPoolExecutor timer() {
        return hedging.timer();
    }
}
