package dev.haven.engine;

import dev.haven.Endpoint;
import dev.haven.Role;
import dev.haven.Topology;
import dev.haven.event.HavenEvent;
import dev.haven.spi.Probe;
import dev.haven.spi.TopologyProvider;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the topology of one cluster current: probes every endpoint at an interval, faster while a
 * failover is under way, and at once when the request path reports a passive signal (connection
 * refused or reset, a read-only error from the writer, a timeout).
 *
 * <p>Design: one monitor thread owns all decisions; probes run on a small pool so that one blackholed
 * endpoint cannot delay the others, and an endpoint whose previous probe is still blocked is not probed
 * again (it stays down) &mdash; so the pool never grows past the number of endpoints. The result of a
 * round is published as an immutable {@link Snapshot} through one volatile write; the request path only
 * reads it.
 *
 * <p>Split brain: of several endpoints claiming to be writer only the highest epoch (PostgreSQL
 * timeline) is trusted; on a tie the current writer keeps the role, and a tie among strangers yields no
 * writer at all: writes wait rather than risk going to the wrong server.
 */
public final class TopologyMonitor implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TopologyMonitor.class);
    private static final int ROUNDS_BEFORE_REMOVAL = 3;

    /** What the request path reads: the topology and the live state of each of its endpoints. */
    public record Snapshot(Topology topology, List<EndpointState> states) {
        public EndpointState writer() {
            for (EndpointState s : states) {
                if (s.role() == Role.WRITER) {
                    return s;
                }
            }
            return null;
        }

        public EndpointState state(String id) {
            for (EndpointState s : states) {
                if (s.id().equals(id)) {
                    return s;
                }
            }
            return null;
        }

        /**
         * Why the endpoints' latest probes failed, for a message when no writer is known ({@code "; last probe failures:
         * id: why; ..."}, or empty): a refused login or a certificate the client does not trust shows here, where the
         * topology alone only says UNKNOWN.
         */
        public String probeFailures() {
            StringBuilder sb = new StringBuilder();
            for (EndpointState s : states) {
                String why = s.lastProbeFailure();
                if (why != null) {
                    sb.append(sb.length() == 0 ? "; last probe failures: " : "; ").append(s.id()).append(": ").append(why);
                }
            }
            return sb.toString();
        }
    }

    private final MonitorSettings settings;
    private final TopologyProvider provider;
    private final EventBus events;
    private final LagTracker lag;
    private final ExecutorService probes;
    /** The highest epoch a writer has claimed (monitor thread; meaningful for providers with monotonic epochs). */
    private volatile long highestWriterEpoch = Long.MIN_VALUE;
    private volatile long trustedWriterEpoch = Long.MIN_VALUE;
    private final Thread thread;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private final Condition changed = lock.newCondition();
    private final List<BiConsumer<Snapshot, Snapshot>> observers = new CopyOnWriteArrayList<>();
    private final Map<String, EndpointState> states = new LinkedHashMap<>(); // monitor thread (and start)
    private final List<Runnable> roundHooks = new java.util.concurrent.CopyOnWriteArrayList<>();

    private volatile Snapshot snapshot;
    private volatile boolean closed;
    private volatile long fastUntilNanos;
    private volatile long lagDemandUntilNanos = Long.MIN_VALUE / 2;
    private volatile long lagIntervalNanos; // settings.lagInterval() unless the users of a shared monitor ask otherwise
    private static final long LAG_DEMAND_NANOS = 10_000_000_000L;
    private boolean wakeRequested; // guarded by lock
    private long failoverStartedNanos = -1;
    private Endpoint lostWriter;
    private final AtomicInteger rounds = new AtomicInteger();
    // Completed (and replaced) when a round completes or the monitor closes: lets a caller that must not block wait
    // for the next round. Completed on the monitor thread, so dependents must only hand work to an executor.
    private volatile CompletableFuture<Void> nextRound = new CompletableFuture<>();

    private static final String TIMED_OUT_PREFIX = "probe timed out after ";

    public TopologyMonitor(MonitorSettings settings, TopologyProvider provider, EventBus events) {
        this(settings, provider, events, probeExecutor(settings.cluster()));
    }

    /** With the executor the probes run on: the simulator runs them on the caller's thread, on virtual time. */
    TopologyMonitor(MonitorSettings settings, TopologyProvider provider, EventBus events, ExecutorService probes) {
        this.settings = settings;
        this.provider = provider;
        this.events = events;
        this.lag = new LagTracker(settings.lagHistory());
        this.lagIntervalNanos = settings.lagInterval().toNanos();
        this.probes = probes;
        for (Endpoint seed : settings.seeds()) {
            Endpoint e = settings.locate().apply(seed);
            states.put(e.id(), newState(e, true));
        }
        this.snapshot = new Snapshot(Topology.empty(), List.copyOf(states.values()));
        this.thread = new Thread(this::run, "haven-monitor-" + settings.cluster());
        this.thread.setDaemon(true);
    }

    private static ExecutorService probeExecutor(String cluster) {
        AtomicInteger n = new AtomicInteger();
        return new ThreadPoolExecutor(0, 256, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "haven-probe-" + cluster + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Runs the first probe round on the caller's thread, so the topology is known on return, then starts polling. */
    public void start() {
        round();
        thread.start();
    }

    /** The provider this monitor probes with. */
    public TopologyProvider provider() {
        return provider;
    }

    /**
     * The epoch of the writer this monitor last trusted ({@code Long.MIN_VALUE} before the first): for a store to tell
     * whether a position recorded in a session belongs to the current writer lineage.
     */
    public long writerEpoch() {
        return trustedWriterEpoch;
    }

    /**
     * Where a write acknowledged before {@code ackNanos} (ticker time) landed at the latest, from the writer's probed
     * positions: the oldest writer sample whose probe was sent at or after it, or {@code null} when no probe of the
     * current writer has been sent since (ask the writer then). Lets a store learn a session write's mark without a
     * query of its own once a probe round has passed.
     */
    public dev.haven.HavenSession.Mark writerMarkSince(long ackNanos) {
        return lag.writerMarkSince(ackNanos);
    }

    public Snapshot snapshot() {
        return snapshot;
    }

    /**
     * Each endpoint's circuit breaker state ({@code closed}, {@code open}, {@code half-open}, ...), by endpoint id, from
     * the last snapshot (no I/O): what every store's client shows as {@code breakerStates()}.
     */
    public Map<String, String> breakerStates() {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (EndpointState s : snapshot.states()) {
            out.put(s.id(), s.breaker().getState().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
        }
        return out;
    }

    /**
     * Each replica (Redis: replica node; DynamoDB: region) that is up with a measured staleness, by endpoint id, from the
     * last snapshot (no I/O): how far its data is behind the writer, as the router judges bounded-staleness reads.
     */
    public Map<String, Duration> replicaStaleness() {
        long now = settings.ticker().nanoTime();
        Map<String, Duration> out = new java.util.LinkedHashMap<>();
        for (EndpointState s : snapshot.states()) {
            if (s.role() == Role.READER && s.up()) {
                long n = LagTracker.stalenessNanos(s.freshAsOfNanos(), now);
                if (n != Long.MAX_VALUE) {
                    out.put(s.id(), Duration.ofNanos(n));
                }
            }
        }
        return out;
    }

    public long roundsCompleted() {
        return rounds.get();
    }

    /** Called after each published change with (previous, current), on the monitor thread. */
    public void addObserver(BiConsumer<Snapshot, Snapshot> observer) {
        observers.add(observer);
    }

    /** Stops calling {@code observer} (a user of a shared monitor leaving). */
    public void removeObserver(BiConsumer<Snapshot, Snapshot> observer) {
        observers.remove(observer);
    }

    /**
     * How finely lag is sampled while reads with a staleness bound run, and how many writer samples are kept: a shared
     * monitor serves the finest interval and the longest history any of its users asks for ({@link MonitorRegistry}).
     * The history only grows.
     */
    public void lagSampling(Duration interval, int history) {
        lagIntervalNanos = interval.toNanos();
        lag.ensureCapacity(history);
    }

    public boolean isClosed() {
        return closed;
    }

    /**
     * A passive signal from the request path: something went wrong talking to {@code endpointId}.
     * Probes at once and keeps the fast interval for a while; cheap and safe to call from any thread.
     */
    public void signal(String endpointId, String reason) {
        if (closed) {
            return;
        }
        log.debug("Haven {}: passive signal from {}: {}", settings.cluster(), endpointId, reason);
        fastUntilNanos = settings.ticker().nanoTime() + settings.fastWindow().toNanos();
        lock.lock();
        try {
            wakeRequested = true;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until an available writer is known, at most {@code timeout}.
     *
     * @return the writer's state, or {@code null} on timeout or close
     */
    public EndpointState awaitWriter(Duration timeout) throws InterruptedException {
        long deadline = settings.ticker().nanoTime() + timeout.toNanos();
        while (true) {
            EndpointState w = snapshot.writer();
            if (w != null && w.available()) {
                return w;
            }
            long left = deadline - settings.ticker().nanoTime();
            if (left <= 0 || closed) {
                return null;
            }
            lock.lock();
            try {
                changed.awaitNanos(Math.min(left, settings.fastInterval().toNanos()));
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * Completes when the next probe round completes or the monitor closes. It is completed on the monitor thread:
     * a dependent must only hand its work to an executor, never run it there (it would delay the next round).
     */
    public CompletableFuture<Void> nextRound() {
        return closed ? CompletableFuture.completedFuture(null) : nextRound;
    }

    private void completeRound() {
        CompletableFuture<Void> done = nextRound;
        nextRound = new CompletableFuture<>();
        done.complete(null);
    }

    /** Waits until the next probe round completes, at most {@code timeout}. */
    public void awaitRound(Duration timeout) throws InterruptedException {
        int r0 = rounds.get();
        long left = timeout.toNanos();
        lock.lock();
        try {
            while (rounds.get() == r0 && left > 0 && !closed) {
                left = changed.awaitNanos(left);
            }
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        while (!closed) {
            long pause = nextPauseNanos();
            lock.lock();
            try {
                long left = pause;
                while (!wakeRequested && !closed && left > 0) {
                    left = wake.awaitNanos(left);
                }
                wakeRequested = false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                lock.unlock();
            }
            if (closed) {
                return;
            }
            try {
                round();
            } catch (RuntimeException e) {
                log.error("Haven {}: topology probe round failed", settings.cluster(), e);
            }
        }
    }

    /**
     * The request path made a read with a staleness bound: keep sampling lag at the lag interval for a
     * while. Idle clients fall back to the normal interval, which keeps probe load low at fleet scale.
     */
    public void lagDemand() {
        long now = settings.ticker().nanoTime();
        long until = lagDemandUntilNanos;
        // Written at most every ~second per client to keep the cache line quiet on the hot path.
        if (until - now < LAG_DEMAND_NANOS - 1_000_000_000L) {
            lagDemandUntilNanos = now + LAG_DEMAND_NANOS;
            if (until - now <= 0 && !closed) {
                // Demand just started: sample now instead of after the rest of a normal interval.
                lock.lock();
                try {
                    wakeRequested = true;
                    wake.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    private long nextPauseNanos() {
        long now = settings.ticker().nanoTime();
        boolean fast = failoverStartedNanos >= 0 || snapshot.writer() == null || now - fastUntilNanos < 0;
        long base = (fast ? settings.fastInterval() : settings.interval()).toNanos();
        if (!fast && now - lagDemandUntilNanos < 0) {
            base = Math.min(base, lagIntervalNanos);
        }
        // ±10 % jitter so that a fleet of clients does not probe in lockstep.
        return (long) (base * (0.9 + 0.2 * ThreadLocalRandom.current().nextDouble()));
    }

    /**
     * One probe round: probe everyone, decide roles, publish. Monitor thread (or start()).
     *
     * <p>The writer known so far is probed first and the replicas only after its answer: replica
     * positions read after the writer sample that they are compared with let a caught-up replica match
     * the newest sample, so its measured staleness is at most one interval instead of two.
     */
    void round() {
        Duration timeout = settings.probeTimeout();
        Map<String, Probe> ok = new HashMap<>();
        Map<String, String> failed = new HashMap<>();
        Map<String, Long> sentAt = new HashMap<>();
        EndpointState knownWriter = snapshot.writer();
        List<EndpointState> first = new ArrayList<>(1);
        List<EndpointState> rest = new ArrayList<>(states.size());
        for (EndpointState s : states.values()) {
            (s == knownWriter ? first : rest).add(s);
        }
        long firstDeadline = System.nanoTime() + timeout.toNanos() + TimeUnit.MILLISECONDS.toNanos(50);
        Map<String, CompletableFuture<Probe>> writerProbe = launch(first, timeout, sentAt);
        // The replicas are probed once the writer answered, so that their positions are compared with a writer sample
        // taken before them; but a hung writer does not hold them back longer than the fast interval: replicas whose
        // freshness is known without the writer (a lag the store reports) stay fresh while the writer times out.
        for (CompletableFuture<Probe> f : writerProbe.values()) {
            try {
                f.get(Math.min(timeout.toNanos(), settings.fastInterval().toNanos()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException | ExecutionException notYet) {
                // collected below
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        long restDeadline = System.nanoTime() + timeout.toNanos() + TimeUnit.MILLISECONDS.toNanos(50);
        Map<String, CompletableFuture<Probe>> replicaProbes = launch(rest, timeout, sentAt);
        if (!collect(first, writerProbe, firstDeadline, timeout, ok, failed)
                || !collect(rest, replicaProbes, restDeadline, timeout, ok, failed)) {
            return;
        }
        apply(ok, failed, sentAt);
    }

    /** Sends the probes of {@code group} in parallel; an endpoint whose previous probe is still blocked gets none. */
    private Map<String, CompletableFuture<Probe>> launch(List<EndpointState> group, Duration timeout, Map<String, Long> sentAt) {
        Map<String, CompletableFuture<Probe>> futures = new HashMap<>();
        for (EndpointState s : group) {
            if (s.probeInFlight) {
                continue; // still blocked from an earlier round: it stays down until that probe returns
            }
            s.probeInFlight = true;
            Endpoint e = s.endpoint();
            CompletableFuture<Probe> f = new CompletableFuture<>();
            long sent = settings.ticker().nanoTime();
            sentAt.put(s.id(), sent);
            try {
                probes.execute(() -> {
                    Probe p = null;
                    Throwable failure = null;
                    try {
                        p = provider.probe(e, timeout);
                        s.recordLatency(p.roundTripNanos() >= 0 ? p.roundTripNanos() : settings.ticker().nanoTime() - sent);
                    } catch (Throwable t) {
                        failure = t;
                    }
                    // Cleared before completing, so that the next round never sees a finished probe as blocked.
                    s.probeInFlight = false;
                    if (failure == null) {
                        f.complete(p);
                    } else {
                        f.completeExceptionally(failure);
                    }
                });
            } catch (RuntimeException rejected) {
                s.probeInFlight = false;
                f.completeExceptionally(rejected);
            }
            futures.put(s.id(), f);
        }
        return futures;
    }

    /** Waits for the probes of {@code group} until {@code deadline} (System.nanoTime); false if interrupted. */
    private boolean collect(List<EndpointState> group, Map<String, CompletableFuture<Probe>> futures, long deadline,
            Duration timeout, Map<String, Probe> ok, Map<String, String> failed) {
        for (EndpointState s : group) {
            CompletableFuture<Probe> f = futures.get(s.id());
            if (f == null) {
                failed.put(s.id(), "previous probe still blocked");
                continue;
            }
            try {
                long left = Math.max(0, deadline - System.nanoTime());
                ok.put(s.id(), f.get(left, TimeUnit.NANOSECONDS));
            } catch (TimeoutException te) {
                failed.put(s.id(), TIMED_OUT_PREFIX + timeout.toMillis() + " ms");
                provider.discard(s.endpoint());
            } catch (ExecutionException ee) {
                Throwable cause = ee.getCause();
                // A probe that timed out in the driver (pgjdbc's network timeout: "An I/O error occurred while sending
                // to the backend", caused by a SocketTimeoutException) is a timeout like ours: a loaded server that
                // answers requests keeps its verdict. Read as a plain failure, it declared a healthy, CPU-starved
                // writer down and aborted a write in flight (JDBC BusyMachineIT, one write of 22,476).
                failed.put(s.id(), timedOut(cause) ? TIMED_OUT_PREFIX + timeout.toMillis() + " ms (" + describe(cause) + ")"
                        : describe(cause));
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    private void apply(Map<String, Probe> ok, Map<String, String> failed, Map<String, Long> sentAt) {
        Snapshot previous = snapshot;
        EndpointState previousWriter = previous.writer();
        String previousWriterId = previousWriter == null ? null : previousWriter.id();

        Set<String> slow = slowButAnswering(failed, sentAt);
        if (!slow.isEmpty()) {
            fastUntilNanos = settings.ticker().nanoTime() + settings.fastWindow().toNanos();
        }
        String writerId = resolveWriter(trustable(ok), previousWriterId);
        if (writerId == null && previousWriterId != null && slow.contains(previousWriterId)) {
            writerId = previousWriterId; // no other writer claims it, and it still answers requests
        }
        // Lag history belongs to one writer lineage.
        if (writerId != null && !writerId.equals(previousWriterId)) {
            lag.reset();
        }
        Probe wp = writerId == null ? null : ok.get(writerId);
        if (wp != null) {
            trustedWriterEpoch = wp.epoch();
            if (wp.position() != null) {
                lag.record(sentAt.get(writerId), wp.epoch(), wp.position());
            }
            discover(writerId, wp.discovered());
        } else if (writerId == null) {
            // No writer answered: endpoints that know the topology (an Aurora instance, a cluster endpoint) still say
            // where to look, so that a cluster reached through an alias finds its instances.
            List<Endpoint> known = new ArrayList<>();
            ok.values().forEach(p -> known.addAll(p.discovered()));
            if (!known.isEmpty()) {
                discover(null, known);
            }
        }

        List<Endpoint> endpoints = new ArrayList<>(states.size());
        List<HavenEvent> pending = new ArrayList<>();
        var now = settings.clock().instant();
        for (var it = states.values().iterator(); it.hasNext(); ) {
            EndpointState s = it.next();
            Probe p = ok.get(s.id());
            if (p == null && !failed.containsKey(s.id())) {
                // Discovered during this round: probed from the next one (at once), no verdict yet.
                endpoints.add(s.endpoint());
                continue;
            }
            boolean wasUp = s.up();
            Role role;
            if (p == null && slow.contains(s.id())) {
                // The probe was slow, but the server answered requests while it waited: loaded, not dead. Keep the
                // last verdict; the next (fast) round asks again. A hung server answers nothing and is declared down.
                log.debug("Haven {}: probe of {} timed out but requests were answered meanwhile; still up",
                        settings.cluster(), s.id());
                Role kept = s.id().equals(writerId) ? Role.WRITER : s.role() == Role.WRITER ? Role.UNKNOWN : s.role();
                Endpoint e = s.endpoint().withRole(kept);
                s.endpoint(e);
                endpoints.add(e);
                continue;
            }
            if (p == null) {
                role = Role.UNKNOWN;
                s.up(false);
                s.lastProbeFailure(failed.get(s.id()));
                if (wasUp || rounds.get() == 0) {
                    pending.add(new HavenEvent.EndpointDown(settings.cluster(), now, s.endpoint(), failed.get(s.id())));
                    log.warn("Haven {}: endpoint {} down: {}", settings.cluster(), s.id(), failed.get(s.id()));
                }
            } else {
                role = s.id().equals(writerId) ? Role.WRITER : (p.role() == Role.WRITER ? Role.UNKNOWN : p.role());
                boolean fenced = p.role() == Role.WRITER && role != Role.WRITER;
                if (fenced && !s.fenced) {
                    if (p.epoch() < highestWriterEpoch) {
                        log.error("Haven {}: endpoint {} claims to be writer with epoch {}, older than epoch {} seen before "
                                + "(an old primary back on its old timeline); no traffic goes to it", settings.cluster(), s.id(),
                                p.epoch(), highestWriterEpoch);
                    } else {
                        log.error("Haven {}: endpoint {} claims to be writer (epoch {}) but {} is trusted; no traffic goes to it",
                                settings.cluster(), s.id(), p.epoch(), writerId);
                    }
                }
                s.fenced = fenced;
                s.up(true);
                s.lastProbeFailure(null);
                s.probeAnswered(sentAt.get(s.id()));
                s.position(p.position());
                if (role == Role.READER) {
                    s.freshAsOf(freshAsOf(p, sentAt.get(s.id())));
                }
                CircuitBreaker.State bs = s.breaker().getState();
                if (bs == CircuitBreaker.State.OPEN || bs == CircuitBreaker.State.HALF_OPEN) {
                    s.breaker().transitionToClosedState(); // a successful probe proves it answers again
                }
                if (!wasUp && rounds.get() > 0) {
                    pending.add(new HavenEvent.EndpointUp(settings.cluster(), now, s.endpoint()));
                    log.info("Haven {}: endpoint {} up as {}", settings.cluster(), s.id(), role);
                }
            }
            // Forget discovered endpoints that left the cluster.
            if (!s.seed() && p == null && s.roundsUnreported >= ROUNDS_BEFORE_REMOVAL) {
                it.remove();
                continue;
            }
            Endpoint e = s.endpoint().withRole(role);
            s.endpoint(e);
            endpoints.add(e);
        }

        Topology topology = previous.topology().next(endpoints);
        Endpoint newWriter = writerId == null ? null : topology.endpoint(writerId).orElse(null);
        trackFailover(previousWriter == null ? null : previousWriter.endpoint(), newWriter, pending, now);

        if (topology != previous.topology() || states.size() != previous.states().size()) {
            Snapshot next = new Snapshot(topology, List.copyOf(states.values()));
            snapshot = next;
            if (topology != previous.topology()) {
                pending.add(0, new HavenEvent.TopologyChanged(settings.cluster(), now, previous.topology(), topology));
                log.info("Haven {}: {}", settings.cluster(), topology);
            }
            for (var o : observers) {
                try {
                    o.accept(previous, next);
                } catch (RuntimeException ex) {
                    log.error("Haven {}: topology observer failed", settings.cluster(), ex);
                }
            }
        }
        rounds.incrementAndGet();
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        completeRound();
        for (HavenEvent ev : pending) {
            events.publish(ev);
        }
        events.flushSkips(settings.cluster(), now, settings.ticker().nanoTime());
        for (Runnable hook : roundHooks) {
            try {
                hook.run();
            } catch (RuntimeException ex) {
                log.error("Haven {}: round hook failed", settings.cluster(), ex);
            }
        }
    }

    /** Runs {@code hook} on the monitor thread after every probe round (it must be quick and must not block). */
    public void addRoundHook(Runnable hook) {
        roundHooks.add(hook);
    }

    public void removeRoundHook(Runnable hook) {
        roundHooks.remove(hook);
    }

    private void trackFailover(Endpoint oldWriter, Endpoint newWriter, List<HavenEvent> pending, java.time.Instant now) {
        long t = settings.ticker().nanoTime();
        boolean lost = oldWriter != null && (newWriter == null || !newWriter.id().equals(oldWriter.id()));
        if (lost && failoverStartedNanos < 0) {
            failoverStartedNanos = t;
            lostWriter = oldWriter;
            pending.add(new HavenEvent.FailoverStarted(settings.cluster(), now, oldWriter,
                    newWriter == null ? "writer unavailable" : "writer changed"));
            log.warn("Haven {}: failover started, writer {} lost", settings.cluster(), oldWriter.id());
        }
        if (newWriter != null && failoverStartedNanos >= 0) {
            Duration took = Duration.ofNanos(t - failoverStartedNanos);
            pending.add(new HavenEvent.FailoverCompleted(settings.cluster(), now, lostWriter, newWriter, took));
            log.warn("Haven {}: failover completed, writer is {} after {} ms", settings.cluster(), newWriter.id(),
                    took.toMillis());
            failoverStartedNanos = -1;
            lostWriter = null;
        }
    }

    /**
     * The writer time up to which a reader is known to hold every write: from its replayed position and the writer's
     * position history when it has a position, else from the lag the store reports (taken at the probe's send time,
     * the safe side), else unknown.
     */
    private long freshAsOf(Probe p, Long sentAtNanos) {
        if (p.position() != null) {
            return lag.freshAsOf(p.position());
        }
        if (p.reportedLagNanos() >= 0 && sentAtNanos != null) {
            return sentAtNanos - p.reportedLagNanos();
        }
        return LagTracker.UNKNOWN;
    }

    /**
     * Endpoints the writer reports (its replicas) join; discovered ones it stops reporting are forgotten once they
     * also stop answering. The writer itself never counts as unreported: it does not list itself, and a discovered
     * replica that was promoted must survive a failed probe (when the seeds are gone, nothing else would find it).
     */
    private void discover(String writerId, List<Endpoint> discovered) {
        Map<String, Endpoint> reported = new HashMap<>();
        for (Endpoint d : discovered) {
            reported.put(d.id(), d);
        }
        for (EndpointState s : states.values()) {
            if (s.id().equals(writerId)) {
                s.roundsUnreported = 0;
            } else if (!s.seed()) {
                s.roundsUnreported = reported.containsKey(s.id()) ? 0 : s.roundsUnreported + 1;
            }
        }
        for (Endpoint d : reported.values()) {
            if (!states.containsKey(d.id())) {
                Endpoint e = settings.locate().apply(d.withRole(Role.UNKNOWN));
                states.put(e.id(), newState(e, false));
                log.info("Haven {}: discovered endpoint {}", settings.cluster(), e.id());
                lock.lock();
                try {
                    wakeRequested = true; // probe the newcomer now rather than an interval later
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    /**
     * Endpoints up so far whose probe timed out in this round although they answered requests in the second half of
     * the probe's time: evidence of life outweighs one slow probe (a CPU-saturated server or client), so they keep
     * their verdict for another round instead of being declared down. A hung server answers nothing and gets no such
     * benefit; one that hung early in the probe's time neither (answers from before the hang do not count: counting
     * every answer since the probe was sent gave a server frozen mid-probe a second round, 2.3 s to detection).
     */
    private Set<String> slowButAnswering(Map<String, String> failed, Map<String, Long> sentAt) {
        Set<String> slow = null;
        long half = settings.probeTimeout().toNanos() / 2;
        for (var f : failed.entrySet()) {
            EndpointState s = states.get(f.getKey());
            Long sent = sentAt.get(f.getKey());
            if (s != null && sent != null && s.up() && f.getValue().startsWith(TIMED_OUT_PREFIX)
                    && s.answeredSince(sent + half)) {
                if (slow == null) {
                    slow = new HashSet<>();
                }
                slow.add(f.getKey());
            }
        }
        return slow == null ? Set.of() : slow;
    }

    /**
     * The probes whose writer claims may be trusted. With a provider whose epochs only grow
     * ({@link TopologyProvider#monotonicEpochs()}, PostgreSQL timelines) a writer claim older than the highest epoch
     * this monitor has ever seen is never trusted, also when no newer writer answers now: an old primary that comes back
     * on its old timeline after the new one died would otherwise take writes that diverge from the promoted lineage
     * (found by {@code EngineSimulationTest}: writer killed, replica promoted twice, both new writers dead, the old
     * primary restarted: writes went to it).
     */
    private Map<String, Probe> trustable(Map<String, Probe> ok) {
        if (!provider.monotonicEpochs()) {
            return ok;
        }
        long highest = highestWriterEpoch;
        for (Probe p : ok.values()) {
            if (p.role() == Role.WRITER && p.epoch() > highest) {
                highest = p.epoch();
            }
        }
        highestWriterEpoch = highest;
        Map<String, Probe> out = null;
        for (var e : ok.entrySet()) {
            if (e.getValue().role() == Role.WRITER && e.getValue().epoch() < highest) {
                if (out == null) {
                    out = new HashMap<>(ok);
                }
                out.remove(e.getKey());
            }
        }
        return out == null ? ok : out;
    }

    /**
     * The endpoint to trust as writer: the highest epoch among those claiming the role; on a tie the
     * current writer, else nobody.
     */
    static String resolveWriter(Map<String, Probe> ok, String currentWriterId) {
        long best = Long.MIN_VALUE;
        List<String> top = new ArrayList<>(2);
        for (var entry : ok.entrySet()) {
            Probe p = entry.getValue();
            if (p.role() != Role.WRITER) {
                continue;
            }
            if (p.epoch() > best) {
                best = p.epoch();
                top.clear();
                top.add(entry.getKey());
            } else if (p.epoch() == best) {
                top.add(entry.getKey());
            }
        }
        if (top.size() == 1) {
            return top.get(0);
        }
        if (top.contains(currentWriterId)) {
            return currentWriterId;
        }
        if (!top.isEmpty()) {
            log.error("Haven: endpoints {} all claim to be writer with epoch {}; writes are refused until one steps down",
                    top, best);
        }
        return null;
    }

    private EndpointState newState(Endpoint e, boolean seed) {
        CircuitBreaker breaker = CircuitBreaker.of(settings.cluster() + ":" + e.id(), settings.breakerConfig());
        return new EndpointState(e, breaker, seed);
    }

    /**
     * Whether {@code t} or a cause of it is a timeout: a socket read, a {@code TimeoutException}, or a client's own
     * timeout exception (Lettuce's {@code RedisCommandTimeoutException}, the SDK's {@code ApiCallAttemptTimeoutException}:
     * core knows no store, so by name).
     */
    static boolean timedOut(Throwable t) {
        for (int depth = 0; t != null && depth < 16; depth++, t = t.getCause()) {
            if (t instanceof java.net.SocketTimeoutException || t instanceof java.util.concurrent.TimeoutException
                    || t instanceof java.sql.SQLTimeoutException || t.getClass().getSimpleName().contains("TimeoutException")) {
                return true;
            }
        }
        return false;
    }

    /**
     * The failure's type and message, and its root cause's when that says more: a client's "Unable to connect" often
     * carries the reason (a refused login, {@code WRONGPASS}, a certificate) only in a cause.
     */
    private static String describe(Throwable t) {
        String m = t.getMessage();
        String out = t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
        Throwable root = t;
        for (int i = 0; i < 10 && root.getCause() != null && root.getCause() != root; i++) {
            root = root.getCause();
        }
        String rm = root.getMessage();
        if (root != t && rm != null && (m == null || !m.contains(rm))) {
            out += " (cause: " + root.getClass().getSimpleName() + ": " + rm + ")";
        }
        return out;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        lock.lock();
        try {
            wake.signalAll();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        completeRound();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        probes.shutdownNow();
        try {
            probes.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
