package dev.haven.redis.internal;


import dev.haven.Consistency;
import dev.haven.Endpoint;
import dev.haven.Topology;
import dev.haven.engine.EndpointState;
import dev.haven.engine.EventBus;
import dev.haven.engine.MonitorRegistry;
import dev.haven.engine.MonitorSettings;
import dev.haven.engine.RetryBudget;
import dev.haven.engine.Router;
import dev.haven.engine.TopologyMonitor;
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
import io.netty.util.HashedWheelTimer;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine behind {@code HavenRedisClient}: one Lettuce {@link ClientResources} and {@link RedisClient}, one shared
 * connection per node ({@link NodeConnection}), a lease on the cluster's topology monitor (fed by
 * {@link RedisTopologyProvider}, shared with the other clients of the cluster in this JVM through
 * {@link MonitorRegistry}; the monitor owns its probe and Sentinel connections), the router, and the retry budget.
 *
 * <p>Every routed call's decisions (which node, retry or give up, wait for the monitor) live in {@link ReadAttempt} and
 * {@link WriteAttempt}, shared by two drivers: {@link #read}/{@link #write} here block the caller (sync view) and wait
 * for monitor rounds on its thread; {@link AsyncRouting} ({@link #async()}) sends the same attempts without blocking and
 * schedules its waits. Reads go to a node satisfying the call's consistency and move to another when one fails without
 * answering; writes go to the current primary, are re-sent only when they certainly did not run, and surface as
 * {@link HavenRedisWriteOutcomeUnknownException} when their outcome is unknown.
 */
public final class RedisRouting implements RouteContext, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RedisRouting.class);

    private final RedisSettings settings;
    private final EventBus events;
    private final ClientResources resources;
    private final RedisClient dataClient;
    private final MonitorRegistry.Lease lease;
    private final TopologyMonitor monitor;
    private final Router router;
    private final RetryBudget budget;
    private final Map<String, NodeConnection> nodes = new ConcurrentHashMap<>();
    private final Consistency defaultConsistency;
    private final NearCache nearCache;
    private final AsyncRouting async;
    private final HashedWheelTimer timer;
    /** {@code auth=iam}: the tokens of the data and near-cache connections (the monitor has its own); else null. */
    private final ElastiCacheIamTokens tokens;
    private final Runnable refusalHook; // auth=iam: a login the monitor saw refused makes a new token; else null
    private volatile boolean closed;

    public RedisRouting(RedisSettings settings) {
        this.settings = settings;
        this.events = new EventBus(settings.listeners());
        this.router = new Router(settings.region(), settings.zone());
        this.budget = settings.newRetryBudget();
        this.defaultConsistency = settings.defaultConsistency();
        this.resources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2).build();
        this.dataClient = RedisClient.create(resources);
        this.dataClient.setOptions(clientOptions(settings, false));
        MonitorRegistry.Lease l = null;
        NearCache nc = null;
        ElastiCacheIamTokens iam = null;
        try {
            if (settings.iam()) {
                iam = ElastiCacheIamTokens.of(settings);
                iam.start(resources.eventExecutorGroup());
            }
            this.tokens = iam;
            List<Endpoint> configured = settings.sentinelMode() ? settings.sentinels()
                    : settings.globalDatastoreMode() ? settings.globalDatastore().values().stream().flatMap(List::stream).toList()
                    : settings.elastiCacheMode() ? List.of(settings.primaryEndpoint()) : settings.nodes();
            l = MonitorRegistry.jvm().acquire(monitorKey(settings), monitorSettings(settings, configured),
                    Map.of("endpoint.*", describe(settings.endpointLocations())), events, bus -> startMonitor(settings, bus));
            this.lease = l;
            this.monitor = l.monitor();
            l.addObserver(this::onTopology);
            this.refusalHook = iam == null ? null : refusalHook(l.monitor(), iam);
            if (refusalHook != null) {
                monitor.addRoundHook(refusalHook);
            }
            if (settings.nearCache() != null) {
                nc = new NearCache(settings.nearCache(), l, resources, clientOptions(settings, false),
                        e -> uri(e, settings.commandTimeout()), settings.ticker());
            }
            this.nearCache = nc;
            // The async view: its continuations after waits and timeouts run on Lettuce's computation threads, never on
            // the monitor or timer thread; 10 ms ticks keep command timeouts close to the sync view's.
            this.timer = new HashedWheelTimer(r -> {
                Thread t = new Thread(r, "haven-timer-" + settings.clusterName());
                t.setDaemon(true);
                return t;
            }, 10, TimeUnit.MILLISECONDS);
            this.async = new AsyncRouting(this, resources.eventExecutorGroup(), timer);
        } catch (RuntimeException e) {
            if (l != null) {
                l.close();
            }
            if (nc != null) {
                nc.close();
            }
            shutdownClients();
            if (iam != null) {
                iam.close();
            }
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
        ClientOptions.Builder options = ClientOptions.builder()
                .autoReconnect(autoReconnect)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(s.requestQueueSize())
                .pingBeforeActivateConnection(true)
                .socketOptions(socket.build());
        if (s.iam() && !autoReconnect) {
            // each new IAM token is sent (AUTH) on the open data, near-cache and probe connections, so none reaches
            // ElastiCache's 12-hour limit for IAM connections (Sentinel connections: autoReconnect, no password)
            options.reauthenticateBehavior(ClientOptions.ReauthenticateBehavior.ON_NEW_CREDENTIALS);
        }
        io.lettuce.core.SslOptions ssl = TlsOptions.sslOptions(s);
        if (ssl != null) {
            options.sslOptions(ssl); // with every address TLS (TlsOptions.apply): data, probe and Sentinel connections
        }
        return options.build();
    }

    private static Duration lagInterval(RedisSettings s) {
        return MonitorSettings.lagIntervalFor(s.lagBound(), s.fastProbeInterval(), s.probeInterval());
    }

    private static int lagHistory(RedisSettings s) {
        return MonitorSettings.lagHistoryFor(s.lagBound().multipliedBy(10), s.fastProbeInterval());
    }

    private static Endpoint locate(Map<String, String[]> locations, Endpoint e) {
        String[] loc = locations.get(e.id());
        return loc == null ? e : e.withLocation(loc[0], loc[1]);
    }

    private static MonitorSettings monitorSettings(RedisSettings settings, List<Endpoint> seeds) {
        CircuitBreakerConfig breaker = dev.haven.config.CommonKeys.breakerConfig(settings.keys());
        Map<String, String[]> locations = settings.endpointLocations();
        return new MonitorSettings(settings.clusterName(), seeds, e -> locate(locations, e), settings.probeInterval(),
                settings.fastProbeInterval(), lagInterval(settings), Duration.ofSeconds(5), settings.probeTimeout(),
                lagHistory(settings), breaker, settings.ticker(), settings.clock());
    }

    /**
     * The cluster as far as its monitor goes: its topology source (Sentinels and master name, nodes, ElastiCache
     * endpoints, Global Datastore regions), the credentials and TLS settings the probes use (the password as a digest)
     * and the clock.
     */
    static MonitorRegistry.Key monitorKey(RedisSettings s) {
        String source = s.sentinelMode() ? "sentinel " + s.masterName() + "@" + ids(s.sentinels())
                : s.elastiCacheMode() ? "elasticache " + s.primaryEndpoint().id() + (s.readerEndpoint() == null ? "" : "," + s.readerEndpoint().id())
                : s.globalDatastoreMode() ? "global-datastore " + new java.util.TreeMap<>(s.globalDatastore().entrySet().stream()
                        .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> ids(e.getValue()))))
                : "nodes " + ids(s.nodes());
        return new MonitorRegistry.Key("redis", s.clusterName(), source,
                java.util.Arrays.asList(source, s.username(), digest(s.password()), s.tls(), s.tlsCaCertificate(),
                        s.tls() ? s.tlsVerify() : null, s.ticker(), s.clock(), s.iam(),
                        s.iam() ? s.keys().get(dev.haven.redis.RedisKeys.AUTH_REGION) : null,
                        s.iam() ? s.keys().get(dev.haven.redis.RedisKeys.AUTH_CACHE_NAME) : null,
                        s.iam() ? s.keys().get(dev.haven.redis.RedisKeys.AUTH_SERVERLESS) : null,
                        s.iam() ? s.keys().get(dev.haven.redis.RedisKeys.AUTH_REFRESH) : null,
                        s.iam() ? s.awsCredentials() : null, s.iam() ? s.authClock() : null));
    }

    private static List<String> ids(List<Endpoint> endpoints) {
        return endpoints.stream().map(Endpoint::id).sorted().toList();
    }

    private static String digest(char[] password) {
        if (password == null) {
            return null;
        }
        try {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            byte[] bytes = new String(password).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            return java.util.HexFormat.of().formatHex(md.digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String describe(Map<String, String[]> locations) {
        Map<String, String> m = new java.util.TreeMap<>();
        locations.forEach((id, loc) -> m.put(id, loc[0] + "/" + loc[1]));
        return m.toString();
    }

    /**
     * Starts the cluster's monitor for the first client on it. The monitor owns its Lettuce resources (one I/O and one
     * computation thread), its probe connections and its Sentinel connections, so that it outlives the client that
     * started it; they are closed with the monitor, when the last client of the cluster closes.
     */
    private static MonitorRegistry.Started startMonitor(RedisSettings settings, EventBus bus) {
        ClientResources res = DefaultClientResources.builder().ioThreadPoolSize(1).computationThreadPoolSize(1).build();
        RedisClient probeClient = RedisClient.create(res);
        probeClient.setOptions(clientOptions(settings, false));
        RedisClient sentinelClient = RedisClient.create(res);
        sentinelClient.setOptions(clientOptions(settings, true)); // pub/sub to Sentinels re-subscribes by itself
        SentinelView sv = null;
        RedisTopologyProvider p = null;
        TopologyMonitor m = null;
        ElastiCacheIamTokens iam = null;
        try {
            if (settings.iam()) {
                iam = ElastiCacheIamTokens.of(settings); // the probes' own: the monitor outlives the client that started it
                iam.start(res.eventExecutorGroup());
            }
            ElastiCacheIamTokens probeTokens = iam;
            List<Endpoint> seeds;
            if (settings.sentinelMode()) {
                List<RedisURI> uris = settings.sentinels().stream().map(e -> TlsOptions.apply(RedisURI.builder().withHost(e.host())
                        .withPort(e.port()).withTimeout(settings.probeTimeout()), settings).build()).toList();
                sv = new SentinelView(sentinelClient, uris, settings.masterName(), settings.probeTimeout(),
                        settings.fastProbeInterval().dividedBy(2));
                SentinelView.Master master;
                try {
                    master = sv.master(settings.ticker().nanoTime());
                } catch (Exception e) {
                    throw new HavenRedisUnavailableException("haven.redis.sentinels: no Sentinel of " + settings.sentinels().stream()
                            .map(Endpoint::id).toList() + " answered SENTINEL MASTER " + settings.masterName() + ": "
                            + TlsOptions.describeConnectFailure(e, settings.tls()),
                            settings.clusterName(), null, e);
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
            p = new RedisTopologyProvider(probeClient, e -> probeUri(settings, probeTokens, e), sv,
                    settings.elastiCacheMode() ? settings.primaryEndpoint().id() : null,
                    settings.globalDatastoreMode() ? new ReplicationChain(settings.globalDatastore()) : null, settings.ticker());
            m = new TopologyMonitor(monitorSettings(settings, seeds), p, bus);
            if (iam != null) {
                m.addRoundHook(refusalHook(m, iam));
            }
            m.start();
            if (sv != null) {
                TopologyMonitor mon = m;
                sv.subscribe(() -> mon.signal("sentinel", "+switch-master"));
            }
        } catch (RuntimeException e) {
            if (m != null) {
                m.close();
            }
            closeMonitorResources(sv, p, probeClient, sentinelClient, res, iam);
            throw e;
        }
        SentinelView view = sv;
        RedisTopologyProvider provider = p;
        ElastiCacheIamTokens probeTokens = iam;
        return new MonitorRegistry.Started(m, () -> closeMonitorResources(view, provider, probeClient, sentinelClient, res,
                probeTokens));
    }

    /** After each probe round: a login refused on some node makes {@code tokens} sign anew (rate-limited there). */
    private static Runnable refusalHook(TopologyMonitor m, ElastiCacheIamTokens tokens) {
        return () -> {
            if (RedisErrors.anyLoginRefused(m.snapshot().states())) {
                tokens.refused();
            }
        };
    }

    private static void closeMonitorResources(SentinelView sv, RedisTopologyProvider p, RedisClient probeClient,
            RedisClient sentinelClient, ClientResources res, ElastiCacheIamTokens tokens) {
        if (tokens != null) {
            tokens.close();
        }
        if (sv != null) {
            sv.close();
        }
        if (p != null) {
            p.close();
        }
        for (RedisClient c : List.of(probeClient, sentinelClient)) {
            try {
                c.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            } catch (RuntimeException e) {
                log.debug("monitor client shutdown", e);
            }
        }
        res.shutdown(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }

    private RedisURI uri(Endpoint e, Duration timeout) {
        return uri(settings, tokens, e, timeout);
    }

    /** A probe connection's address, named {@code haven-probe} so that operators see it in {@code CLIENT LIST}. */
    private static RedisURI probeUri(RedisSettings settings, ElastiCacheIamTokens tokens, Endpoint e) {
        RedisURI u = uri(settings, tokens, e, settings.probeTimeout());
        u.setClientName("haven-probe");
        return u;
    }

    /** A data node's address with its login: the IAM tokens' provider ({@code auth=iam}), else user and password. */
    private static RedisURI uri(RedisSettings settings, io.lettuce.core.RedisCredentialsProvider tokens, Endpoint e,
            Duration timeout) {
        RedisURI.Builder b = TlsOptions.apply(RedisURI.builder().withHost(e.host()).withPort(e.port()).withTimeout(timeout), settings);
        if (tokens != null) {
            b.withAuthentication(tokens);
        } else if (settings.password() != null) {
            if (settings.username() != null) {
                b.withAuthentication(settings.username(), settings.password());
            } else {
                b.withPassword(settings.password());
            }
        }
        return b.build();
    }

    @Override
    public RedisSettings settings() {
        return settings;
    }

    @Override
    public EventBus events() {
        return events;
    }

    public Topology topology() {
        return monitor.snapshot().topology();
    }

    public Consistency defaultConsistency() {
        return defaultConsistency;
    }

    @Override
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

    @Override
    public TopologyMonitor monitor() {
        return monitor;
    }

    @Override
    public Router router() {
        return router;
    }

    @Override
    public RetryBudget budget() {
        return budget;
    }

    /** The non-blocking driver of routed calls (async view). */
    public AsyncRouting async() {
        return async;
    }

    @Override
    public NodeConnection link(Endpoint e) {
        NodeConnection n = nodes.get(e.id());
        if (n != null) {
            return n;
        }
        Duration connectWait = settings.connectTimeout().plus(settings.commandTimeout()).plusSeconds(1);
        return nodes.computeIfAbsent(e.id(), id -> new NodeConnection(e, dataClient, uri(e, settings.commandTimeout()), connectWait, settings.ticker()));
    }

    private void onTopology(TopologyMonitor.Snapshot previous, TopologyMonitor.Snapshot current) {
        // A node the monitor declares down (its probe failed or timed out) releases the commands waiting on it now:
        // reads move to another node and writes report an unknown outcome, instead of each waiting out its own
        // attempt-timeout. This is what lets the attempt timeout be long enough never to fire on a healthy but busy
        // server while a hung node still costs a caller about one probe round.
        for (EndpointState s : current.states()) {
            if (!s.up()) {
                NodeConnection n = nodes.get(s.id());
                if (n != null && n.drop("declared down by the topology monitor")) {
                    log.warn("Haven {}: dropped the connection to {} (declared down): its commands in flight fail now",
                            settings.clusterName(), s.id());
                }
            }
        }
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
        ReadAttempt attempt = new ReadAttempt(this, consistency,
                consistency.level() == Consistency.Level.SESSION ? session.readPosition(this::offsetAfter) : Long.MIN_VALUE);
        while (true) {
            EndpointState state = attempt.next();
            if (state == null) {
                awaitRound(attempt.deadline());
                continue;
            }
            NodeConnection node = link(state.endpoint());
            StatefulRedisConnection<String, String> c = null;
            long t0 = attempt.begin(state);
            try {
                c = node.get();
                Object result = invoke(c.sync(), method, args);
                attempt.succeeded(state, t0, node, c);
                return result;
            } catch (RuntimeException e) {
                if (!attempt.failed(state, e, node, c, t0)) {
                    throw e;
                }
            }
        }
    }

    /**
     * The read-your-writes state of a new connection: its own writes, and with {@code haven} non-null also the writes
     * of that session (other connections, earlier requests), recorded there under this client's cluster name.
     */
    public Session newSession(dev.haven.HavenSession haven) {
        return haven == null ? new Session() : new Session(haven, settings.clusterName(), this::offsetAfter, monitor::writerEpoch);
    }

    /** {@code master_repl_offset} asked on the connection that carried a session's writes (so it covers them). */
    private long offsetAfter(StatefulRedisConnection<String, String> via) {
        if (via == null || !via.isOpen()) {
            return Long.MAX_VALUE;
        }
        try {
            return writerOffset(via.sync().info("replication"));
        } catch (RuntimeException e) {
            return Long.MAX_VALUE;
        }
    }

    static long writerOffset(String info) {
        ReplicationInfo r = ReplicationInfo.parse(info);
        return r.role() == dev.haven.Role.WRITER && r.offset() != Long.MIN_VALUE ? r.offset() : Long.MAX_VALUE;
    }

    // ------------------------------------------------------------------------------------------------ writes

    /** Runs a write on the current primary; re-sent only when it certainly did not run. */
    public Object write(Session session, Method method, Object[] args) {
        requireOpen();
        WriteAttempt attempt = new WriteAttempt(this, session, method.getName());
        while (true) {
            EndpointState w = attempt.next();
            if (w == null) {
                awaitRound(attempt.deadline());
                continue;
            }
            NodeConnection node = link(w.endpoint());
            StatefulRedisConnection<String, String> c = null;
            long t0 = attempt.begin(w);
            try {
                c = node.get();
                Object result = invoke(c.sync(), method, args);
                attempt.succeeded(w, t0, node, c);
                return result;
            } catch (RuntimeException e) {
                RuntimeException surfaced = attempt.failed(w, node, c, e, t0);
                if (surfaced != null) {
                    throw surfaced;
                }
            }
        }
    }

    /**
     * {@code WAIT replicas timeout} on the connection that carried the session's last write: returns how many replicas
     * acknowledged every write sent on it so far.
     */
    public long awaitReplicas(Session session, int replicas, Duration timeout) {
        requireOpen();
        try {
            return async.awaitReplicas(session, replicas, timeout)
                    .get(timeout.toNanos() + settings.commandTimeout().toNanos() + TimeUnit.SECONDS.toNanos(1), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw AsyncRouting.unwrap(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HavenRedisWriteOutcomeUnknownException("Interrupted in WAIT", settings.clusterName(), null, e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new HavenRedisWriteOutcomeUnknownException("WAIT " + replicas + " got no answer in time: whether the last "
                    + "write reached the replicas is unknown", settings.clusterName(), null, e);
        }
    }

    private void awaitRound(long deadline) {
        long left = deadline - settings.ticker().nanoTime();
        try {
            monitor.awaitRound(Duration.ofNanos(Math.max(1, Math.min(left, 2 * settings.fastProbeInterval().toNanos()))));
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new HavenRedisUnavailableException("Interrupted while waiting for the topology", settings.clusterName(), null, ie);
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
        resources.shutdown(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (refusalHook != null) {
            monitor.removeRoundHook(refusalHook);
        }
        lease.close(); // the monitor stops with the last client of the cluster
        timer.stop(); // armed timeouts are dropped: closing the connections below completes what they guarded
        if (nearCache != null) {
            nearCache.close();
        }
        List<java.util.concurrent.CompletableFuture<Void>> closing = new java.util.ArrayList<>();
        for (NodeConnection n : nodes.values()) {
            closing.add(n.closeAsync());
        }
        nodes.clear();
        NodeConnection.awaitClosed(closing, Duration.ofSeconds(2)); // closed before the client shuts down: closed once
        if (tokens != null) {
            tokens.close();
        }
        shutdownClients();
    }
}
