package dev.haven.redis.internal;

import dev.haven.internal.Durations;

import dev.haven.Consistency;
import dev.haven.Endpoint;
import dev.haven.Topology;
import dev.haven.event.HavenEvent;
import dev.haven.internal.EndpointState;
import dev.haven.internal.EventBus;
import dev.haven.internal.MonitorSettings;
import dev.haven.internal.RetryBudget;
import dev.haven.internal.Router;
import dev.haven.internal.TopologyMonitor;
import dev.haven.redis.HavenRedisUnavailableException;
import dev.haven.redis.HavenRedisWriteOutcomeUnknownException;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.EpollProvider;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine behind {@code HavenRedisClient}: one Lettuce {@link ClientResources} and {@link RedisClient}, one shared
 * connection per node ({@link NodeConnection}), the core topology monitor fed by {@link RedisTopologyProvider}, the
 * router, and the retry budget.
 *
 * <p>Reads: candidates from the {@link Router} under the call's consistency; a failure that left the data untouched
 * (connection, timeout, {@code LOADING}/{@code MASTERDOWN}) moves the read to the next candidate, bounded by
 * {@code retry.max-attempts}, the retry budget and {@code writer-wait}. When no node qualifies (e.g. bounded reads while
 * the primary is gone and replica staleness can no longer be measured) the read waits for the monitor like a write.
 *
 * <p>Writes: the current primary only. A write that certainly did not run (never sent, {@code READONLY},
 * {@code LOADING}) waits for a primary (at most {@code writer-wait}) and is sent again; one whose outcome is unknown is
 * never re-sent and surfaces as {@link HavenRedisWriteOutcomeUnknownException}.
 */
public final class RedisRouting implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RedisRouting.class);

    private final RedisSettings settings;
    private final EventBus events;
    private final ClientResources resources;
    private final RedisClient dataClient;
    private final RedisClient controlClient;
    private final SentinelView sentinel;
    private final RedisTopologyProvider provider;
    private final TopologyMonitor monitor;
    private final Router router;
    private final RetryBudget budget;
    private final Map<String, NodeConnection> nodes = new ConcurrentHashMap<>();
    private final Consistency defaultConsistency;
    private final NearCache nearCache;
    private volatile boolean closed;

    public RedisRouting(RedisSettings settings) {
        this.settings = settings;
        this.events = new EventBus(settings.listeners());
        this.router = new Router(settings.region(), settings.zone());
        this.budget = new RetryBudget(settings.retryBudgetRatio(), settings.retryBudgetReservePerSecond(), settings.ticker());
        this.defaultConsistency = Consistency.boundedStaleness(settings.lagBound());
        this.resources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2).build();
        this.dataClient = RedisClient.create(resources);
        this.dataClient.setOptions(clientOptions(settings, false));
        this.controlClient = RedisClient.create(resources);
        this.controlClient.setOptions(clientOptions(settings, true)); // pub/sub to Sentinels re-subscribes by itself
        SentinelView sv = null;
        TopologyMonitor m = null;
        RedisTopologyProvider p = null;
        NearCache nc = null;
        try {
            List<Endpoint> seeds;
            if (settings.sentinelMode()) {
                List<RedisURI> uris = settings.sentinels().stream().map(e -> RedisURI.builder().withHost(e.host()).withPort(e.port())
                        .withTimeout(settings.probeTimeout()).build()).toList();
                sv = new SentinelView(controlClient, uris, settings.masterName(), settings.probeTimeout(),
                        settings.fastProbeInterval().dividedBy(2));
                SentinelView.Master master;
                try {
                    master = sv.master(settings.ticker().nanoTime());
                } catch (Exception e) {
                    throw new HavenRedisUnavailableException("haven.redis.sentinels: no Sentinel of " + settings.sentinels().stream()
                            .map(Endpoint::id).toList() + " answered SENTINEL MASTER " + settings.masterName() + ": " + e, e);
                }
                seeds = new ArrayList<>();
                seeds.add(Endpoint.of(master.host(), master.port()));
                seeds.addAll(master.replicas().stream().map(r -> Endpoint.of(r.host(), r.port())).toList());
            } else if (settings.globalDatastoreMode()) {
                seeds = settings.globalDatastore().values().stream().flatMap(List::stream).toList();
            } else if (settings.elastiCacheMode()) {
                seeds = new ArrayList<>();
                seeds.add(settings.primaryEndpoint());
                if (settings.readerEndpoint() != null) {
                    seeds.add(settings.readerEndpoint());
                }
            } else {
                seeds = settings.nodes();
            }
            this.sentinel = sv;
            p = new RedisTopologyProvider(dataClient, e -> uri(e, settings.probeTimeout()), sv,
                    settings.elastiCacheMode() ? settings.primaryEndpoint().id() : null,
                    settings.globalDatastoreMode() ? new ReplicationChain(settings.globalDatastore()) : null, settings.ticker());
            this.provider = p;
            CircuitBreakerConfig breaker = CircuitBreakerConfig.custom()
                    .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                    .slidingWindowSize(20).minimumNumberOfCalls(10).failureRateThreshold(50)
                    .waitDurationInOpenState(Duration.ofSeconds(5)).build();
            MonitorSettings ms = new MonitorSettings(settings.clusterName(), seeds, this::locate, settings.probeInterval(),
                    settings.fastProbeInterval(), lagInterval(settings), Duration.ofSeconds(5), settings.probeTimeout(),
                    lagHistory(settings), breaker, settings.ticker(), settings.clock());
            m = new TopologyMonitor(ms, p, events);
            this.monitor = m;
            m.addObserver(this::onTopology);
            if (settings.nearCache() != null) {
                nc = new NearCache(settings.nearCache(), m, resources, clientOptions(settings, false),
                        e -> uri(e, settings.commandTimeout()), settings.ticker());
            }
            this.nearCache = nc;
            m.start();
            if (sv != null) {
                TopologyMonitor mon = m;
                sv.subscribe(() -> mon.signal("sentinel", "+switch-master"));
            }
        } catch (RuntimeException e) {
            if (m != null) {
                m.close();
            }
            if (nc != null) {
                nc.close();
            }
            if (p != null) {
                p.close();
            }
            if (sv != null) {
                sv.close();
            }
            shutdownClients();
            throw e;
        }
        log.info("Haven {} started: {} ({})", settings.clusterName(), monitor.snapshot().topology(), settings);
    }

    static ClientOptions clientOptions(RedisSettings s, boolean autoReconnect) {
        SocketOptions.Builder socket = SocketOptions.builder()
                .connectTimeout(s.connectTimeout())
                .keepAlive(SocketOptions.KeepAliveOptions.builder().enable().idle(s.keepAliveIdle())
                        .interval(Duration.ofSeconds(1)).count(3).build());
        if (EpollProvider.isAvailable()) {
            // Detects a peer that stopped acknowledging data we sent (half-open link) without waiting for keepalive.
            socket.tcpUserTimeout(SocketOptions.TcpUserTimeoutOptions.builder().enable()
                    .tcpUserTimeout(s.keepAliveIdle().plusSeconds(3)).build());
        }
        return ClientOptions.builder()
                .autoReconnect(autoReconnect)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(s.requestQueueSize())
                .pingBeforeActivateConnection(true)
                .socketOptions(socket.build())
                .build();
    }

    private static Duration lagInterval(RedisSettings s) {
        return MonitorSettings.lagIntervalFor(s.lagBound(), s.fastProbeInterval(), s.probeInterval());
    }

    private static int lagHistory(RedisSettings s) {
        return MonitorSettings.lagHistoryFor(s.lagBound().multipliedBy(10), s.fastProbeInterval());
    }

    private Endpoint locate(Endpoint e) {
        String[] loc = settings.endpointLocations().get(e.id());
        return loc == null ? e : e.withLocation(loc[0], loc[1]);
    }

    private RedisURI uri(Endpoint e, Duration timeout) {
        RedisURI.Builder b = RedisURI.builder().withHost(e.host()).withPort(e.port()).withTimeout(timeout);
        if (settings.password() != null) {
            if (settings.username() != null) {
                b.withAuthentication(settings.username(), settings.password());
            } else {
                b.withPassword(settings.password());
            }
        }
        return b.build();
    }

    public RedisSettings settings() {
        return settings;
    }

    public EventBus events() {
        return events;
    }

    public Topology topology() {
        return monitor.snapshot().topology();
    }

    public Consistency defaultConsistency() {
        return defaultConsistency;
    }

    public boolean isClosed() {
        return closed;
    }

    /** The near cache, or null when it is off. */
    public NearCache nearCache() {
        return nearCache;
    }

    public java.util.Optional<dev.haven.redis.NearCacheStats> nearCacheStats() {
        return nearCache == null ? java.util.Optional.empty() : java.util.Optional.of(nearCache.stats());
    }

    TopologyMonitor monitor() {
        return monitor;
    }

    private NodeConnection node(Endpoint e) {
        NodeConnection n = nodes.get(e.id());
        if (n != null) {
            return n;
        }
        return nodes.computeIfAbsent(e.id(), id -> new NodeConnection(e, dataClient, uri(e, settings.commandTimeout())));
    }

    private void onTopology(TopologyMonitor.Snapshot previous, TopologyMonitor.Snapshot current) {
        for (EndpointState s : previous.states()) {
            if (current.state(s.id()) == null) {
                NodeConnection n = nodes.remove(s.id());
                if (n != null) {
                    n.close();
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ reads

    /** Runs a read command under {@code consistency}, moving it to another node when one fails without answering. */
    public Object read(Consistency consistency, Session session, Method method, Object[] args) {
        requireOpen();
        budget.onRequest();
        long deadline = settings.ticker().nanoTime() + settings.writerWait().toNanos();
        if (consistency.level() == Consistency.Level.BOUNDED_STALENESS || consistency.level() == Consistency.Level.SESSION) {
            monitor.lagDemand(); // sample replica offsets finely while reads depend on them
        }
        boolean isSession = consistency.level() == Consistency.Level.SESSION;
        // SESSION reads may always fall back to the primary: it has every write of the session.
        boolean fallback = settings.readFallbackToWriter() || isSession;
        long sessionPosition = isSession ? session.position(this::offsetAfter) : Long.MIN_VALUE;
        java.util.function.Consumer<Router.Skip> skips = events.hasListeners() ? this::skipped : null;
        // Nodes that failed this read, with the monitor round count at the failure: a node is avoided until a
        // probe round that started after its failure has completed (two completions), so a dead primary is not
        // retried on the stale verdict of a round that was already under way.
        Map<String, Long> failedOn = null;
        RuntimeException last = null;
        int attempts = 0;
        while (true) {
            TopologyMonitor.Snapshot snap = monitor.snapshot();
            long now = settings.ticker().nanoTime();
            double random = ThreadLocalRandom.current().nextDouble();
            Endpoint target;
            if (failedOn == null) {
                target = router.firstForRead(snap.states(), consistency, sessionPosition, fallback, now, random, skips);
            } else {
                target = null;
                long rounds = monitor.roundsCompleted();
                for (Endpoint e : router.forRead(snap.states(), consistency, sessionPosition, fallback, now, random, null)) {
                    Long failedAt = failedOn.get(e.id());
                    if (failedAt == null || rounds >= failedAt + 2) {
                        target = e;
                        break;
                    }
                }
            }
            EndpointState state = target == null ? null : snap.state(target.id());
            if (state == null) {
                if (now - deadline >= 0 || closed) {
                    throw new HavenRedisUnavailableException("No node of " + settings.clusterName() + " can serve a read with consistency "
                            + consistency + " (" + snap.topology() + ", waited " + Durations.format(settings.writerWait()) + ")", last);
                }
                awaitRound(deadline);
                continue;
            }
            if (attempts > 0 || failedOn != null) {
                if (attempts >= settings.retryMaxAttempts() || !budget.tryAcquire()) {
                    throw last;
                }
                if (events.hasListeners()) {
                    events.publish(new HavenEvent.RetryAttempted(settings.clusterName(), settings.clock().instant(), target, attempts,
                            Duration.ZERO, last.getClass().getSimpleName() + ": " + last.getMessage()));
                }
            }
            NodeConnection node = node(target);
            long t0 = settings.ticker().nanoTime();
            state.begin();
            try {
                Object result = invoke(node.get().sync(), method, args);
                long took = settings.ticker().nanoTime() - t0;
                state.end(took);
                state.breaker().onSuccess(took, TimeUnit.NANOSECONDS);
                return result;
            } catch (RuntimeException e) {
                state.end(-1);
                RedisErrors.Kind kind = RedisErrors.classify(e);
                if (kind == RedisErrors.Kind.APPLICATION || kind == RedisErrors.Kind.INTERRUPTED) {
                    throw e;
                }
                onNodeFailure(state, e, kind);
                last = e;
                if (kind != RedisErrors.Kind.NOT_SENT) {
                    attempts++; // a node that could not even be reached costs budget, not one of the attempts
                }
                if (failedOn == null) {
                    failedOn = new HashMap<>();
                }
                failedOn.put(target.id(), monitor.roundsCompleted());
            }
        }
    }

    /** {@code master_repl_offset} asked on the connection that carried a session's writes (so it covers them). */
    private long offsetAfter(StatefulRedisConnection<String, String> via) {
        if (via == null || !via.isOpen()) {
            return Long.MAX_VALUE;
        }
        try {
            ReplicationInfo info = ReplicationInfo.parse(via.sync().info("replication"));
            return info.role() == dev.haven.Role.WRITER && info.offset() != Long.MIN_VALUE ? info.offset() : Long.MAX_VALUE;
        } catch (RuntimeException e) {
            return Long.MAX_VALUE;
        }
    }

    private void skipped(Router.Skip skip) {
        events.publish(new HavenEvent.StaleReplicaSkipped(settings.clusterName(), settings.clock().instant(), skip.endpoint(),
                Duration.ofNanos(skip.stalenessNanos()), Duration.ofNanos(skip.boundNanos())));
    }

    // ------------------------------------------------------------------------------------------------ writes

    /** Runs a write on the current primary; re-sent only when it certainly did not run. */
    public Object write(Session session, Method method, Object[] args) {
        requireOpen();
        long now = settings.ticker().nanoTime();
        long deadline = now + settings.writerWait().toNanos();
        long confirmNanos = 2 * (settings.probeTimeout().toNanos() + settings.fastProbeInterval().toNanos());
        // A primary that just refused or failed us is avoided until the monitor has re-probed it: two completed rounds
        // (the first may have started before the failure), or the confirmation time, whichever comes first.
        String exclude = null;
        long excludeUntil = 0;
        long excludeUntilRound = 0;
        RuntimeException last = null;
        while (true) {
            now = settings.ticker().nanoTime();
            if (exclude != null && (now - excludeUntil >= 0 || monitor.roundsCompleted() >= excludeUntilRound)) {
                exclude = null;
            }
            EndpointState w = monitor.snapshot().writer();
            if (w != null && w.available() && !w.id().equals(exclude)) {
                NodeConnection node = node(w.endpoint());
                StatefulRedisConnection<String, String> c = null;
                long t0 = settings.ticker().nanoTime();
                w.begin();
                try {
                    c = node.get();
                    Object result = invoke(c.sync(), method, args);
                    long took = settings.ticker().nanoTime() - t0;
                    w.end(took);
                    w.breaker().onSuccess(took, TimeUnit.NANOSECONDS);
                    session.onWrite(c);
                    return result;
                } catch (RuntimeException e) {
                    w.end(-1);
                    RedisErrors.Kind kind = RedisErrors.classify(e);
                    switch (kind) {
                        case APPLICATION -> {
                            if (c != null) {
                                session.onWrite(c); // e.g. a script that failed half-way may have written
                            }
                            throw e;
                        }
                        case INTERRUPTED -> throw e;
                        case OUTCOME_UNKNOWN -> {
                            onNodeFailure(w, e, kind);
                            throw new HavenRedisWriteOutcomeUnknownException("Write " + method.getName() + " sent to primary "
                                    + w.id() + " of " + settings.clusterName() + " got no answer (" + e.getMessage()
                                    + "); it may or may not have been applied and was not re-sent", w.endpoint(), e);
                        }
                        default -> {
                            // NOT_SENT, READ_ONLY, UNAVAILABLE: it did not run. Wait until the monitor confirms a primary.
                            onNodeFailure(w, e, kind);
                            if (kind == RedisErrors.Kind.READ_ONLY && c != null && settings.elastiCacheMode()) {
                                // an endpoint whose name moved: the next connect resolves it again. Only there: closing
                                // a shared connection turns other threads' in-flight writes into unknown outcomes.
                                node.reset(c);
                            }
                            last = e;
                            exclude = w.id();
                            excludeUntil = settings.ticker().nanoTime() + confirmNanos;
                            excludeUntilRound = monitor.roundsCompleted() + 2;
                        }
                    }
                }
            }
            if (settings.ticker().nanoTime() - deadline >= 0 || closed) {
                throw new HavenRedisUnavailableException("No primary available in " + settings.clusterName() + " after waiting "
                        + Durations.format(settings.writerWait()) + " (" + monitor.snapshot().topology()
                        + "); the write was not applied and can be repeated", last);
            }
            awaitRound(deadline);
        }
    }

    /**
     * {@code WAIT replicas timeout} on the connection that carried the session's last write: returns how many replicas
     * acknowledged every write sent on it so far.
     */
    public long awaitReplicas(Session session, int replicas, Duration timeout) {
        requireOpen();
        StatefulRedisConnection<String, String> c = session.lastWriteConnection();
        if (c == null) {
            throw new IllegalStateException("awaitReplicas: this connection made no write yet");
        }
        if (!c.isOpen()) {
            throw new HavenRedisWriteOutcomeUnknownException("The connection that carried the last write is gone: "
                    + "whether the write reached " + replicas + " replica(s) is unknown", null, null);
        }
        try {
            return c.async().waitForReplication(replicas, timeout.toMillis())
                    .get(timeout.toNanos() + settings.commandTimeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HavenRedisWriteOutcomeUnknownException("Interrupted in WAIT", null, e);
        } catch (Exception e) {
            Throwable cause = e instanceof java.util.concurrent.ExecutionException ? e.getCause() : e;
            throw new HavenRedisWriteOutcomeUnknownException("WAIT " + replicas + " failed (" + cause
                    + "): whether the last write reached the replicas is unknown", null, cause);
        }
    }

    private void onNodeFailure(EndpointState s, RuntimeException e, RedisErrors.Kind kind) {
        s.breaker().onError(0, TimeUnit.NANOSECONDS, e);
        if (RedisErrors.signalsNode(kind)) {
            monitor.signal(s.id(), kind + " " + e.getClass().getSimpleName());
        }
    }

    private void awaitRound(long deadline) {
        long left = deadline - settings.ticker().nanoTime();
        try {
            monitor.awaitRound(Duration.ofNanos(Math.max(1, Math.min(left, 2 * settings.fastProbeInterval().toNanos()))));
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new HavenRedisUnavailableException("Interrupted while waiting for the topology", ie);
        }
    }

    private static Object invoke(RedisCommands<String, String> target, Method method, Object[] args) {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            Throwable t = e.getCause();
            if (t instanceof RuntimeException re) {
                throw re;
            }
            if (t instanceof Error err) {
                throw err;
            }
            throw new RedisException(t);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new RedisException("HavenRedisClient " + settings.clusterName() + " is closed");
        }
    }

    private void shutdownClients() {
        try {
            dataClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        } catch (RuntimeException e) {
            log.debug("data client shutdown", e);
        }
        try {
            controlClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        } catch (RuntimeException e) {
            log.debug("control client shutdown", e);
        }
        resources.shutdown(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        monitor.close();
        if (nearCache != null) {
            nearCache.close();
        }
        if (sentinel != null) {
            sentinel.close();
        }
        provider.close();
        for (NodeConnection n : nodes.values()) {
            n.close();
        }
        nodes.clear();
        shutdownClients();
    }
}
