package dev.haven.jdbc.internal;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import com.zaxxer.hikari.util.DriverDataSource;
import dev.haven.Consistency;
import dev.haven.Endpoint;
import dev.haven.HavenSession;
import dev.haven.Position;
import dev.haven.Role;
import dev.haven.Topology;
import dev.haven.engine.Attempts;
import dev.haven.engine.Durations;
import dev.haven.engine.EndpointState;
import dev.haven.engine.EventBus;
import dev.haven.engine.Fault;
import dev.haven.engine.MonitorRegistry;
import dev.haven.engine.MonitorSettings;
import dev.haven.engine.RetryBudget;
import dev.haven.engine.RouteCandidate;
import dev.haven.engine.Router;
import dev.haven.engine.TopologyMonitor;
import dev.haven.event.HavenEvent;
import dev.haven.jdbc.HavenTransactionRolledBackException;
import dev.haven.jdbc.HavenUnavailableException;
import dev.haven.jdbc.HavenWriteOutcomeUnknownException;
import dev.haven.jdbc.JdbcKeys;
import dev.haven.jdbc.JdbcProvider;
import dev.haven.jdbc.SqlWork;
import dev.haven.spi.TopologyProvider;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine behind {@code HavenDataSource}: holds a lease on the cluster's topology monitor (shared with the other
 * data sources on the cluster in this JVM, {@link MonitorRegistry}), owns one HikariCP pool per server, the router and
 * the retry budget, and reacts to topology changes (new pools for new servers; pools of a demoted or dead server
 * evicted and its in-flight connections aborted, so no thread stays blocked on a server that is gone).
 *
 * <p>The endpoint states (health, latency, breaker) are the shared monitor's; saturation is not, because each data
 * source has its own pools: the router reads this data source's {@link PoolCandidate}s, which add its own pool's
 * saturation to the shared state.
 */
public final class RoutingDataSource implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RoutingDataSource.class);

    private final JdbcSettings settings;
    private final EventBus events;
    private final MonitorRegistry.Lease lease;
    private final TopologyMonitor monitor;
    private final Router router;
    private final long sessionWaitNanos;
    private final RetryBudget budget;
    private final ExecutorService aborter;
    private static final int ABORT_THREADS = 8;
    private final Map<String, HikariDataSource> pools = new ConcurrentHashMap<>();
    private final BoundConnections bound = new BoundConnections();
    private final int maxPoolSize;
    /** The pools' {@code minimumIdle} while their server is up (HikariCP's validated value), -1 before the first pool. */
    private volatile int poolMinimumIdle = -1;
    private final Consistency defaultReadConsistency;
    private final Map<String, LongAdder> poolInFlight = new ConcurrentHashMap<>();
    private volatile Candidates candidates;
    private volatile boolean closed;
    private final ConnectionCredentials credentials; // of this data source's pools

    public RoutingDataSource(JdbcSettings settings) {
        this.settings = settings;
        this.credentials = ConnectionCredentials.of(settings);
        this.events = new EventBus(settings.listeners());
        this.router = new Router(settings.region(), settings.zone());
        this.sessionWaitNanos = settings.keys().get(JdbcKeys.SESSION_WAIT).toNanos();
        this.budget = settings.newRetryBudget();
        // Several aborts at once (MariaDB Connector/J's may each wait for a KILL connection to a frozen server); threads
        // only while there is work.
        ThreadPoolExecutor abortPool = new ThreadPoolExecutor(ABORT_THREADS, ABORT_THREADS, 5, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(10_000), r -> {
                    Thread t = new Thread(r, "haven-abort-" + settings.clusterName());
                    t.setDaemon(true);
                    return t;
                });
        abortPool.allowCoreThreadTimeOut(true);
        this.aborter = abortPool;
        this.maxPoolSize = Integer.parseInt(settings.pool().getProperty("maximumPoolSize", "10"));
        this.defaultReadConsistency = settings.defaultConsistency();
        CircuitBreakerConfig breaker = dev.haven.config.CommonKeys.breakerConfig(settings.keys());
        Map<String, String[]> locations = settings.endpointLocations();
        MonitorSettings ms = new MonitorSettings(settings.clusterName(), settings.url().hosts(), e -> locate(locations, e),
                settings.probeInterval(), settings.fastProbeInterval(), lagInterval(settings), Duration.ofSeconds(5),
                settings.probeTimeout(),
                lagHistory(settings), breaker, settings.ticker(), settings.clock());
        MonitorRegistry.Lease l = null;
        try {
            l = MonitorRegistry.jvm().acquire(monitorKey(settings), ms, Map.of("endpoint.*", describe(locations)), events,
                    bus -> startMonitor(settings, ms, bus));
            this.lease = l;
            this.monitor = l.monitor();
            if (monitor.provider() instanceof ProviderSelection p && p.mismatch() != null) {
                throw new IllegalArgumentException(p.mismatch()); // the first probe round ran: fail at build
            }
            l.addObserver(this::onTopology);
            for (EndpointState s : monitor.snapshot().states()) {
                if (s.role() != Role.UNKNOWN) {
                    pool(s.endpoint());
                }
            }
        } catch (RuntimeException e) {
            if (l == null) {
                shutdownAborter();
            } else {
                closeWith(l);
            }
            throw e;
        }
        log.info("Haven {} started: {} ({})", settings.clusterName(), monitor.snapshot().topology(), settings);
    }

    private static Duration lagInterval(JdbcSettings s) {
        return MonitorSettings.lagIntervalFor(s.lagBound(), s.fastProbeInterval(), s.probeInterval());
    }

    private static int lagHistory(JdbcSettings s) {
        return MonitorSettings.lagHistoryFor(s.lagBound().multipliedBy(10), s.fastProbeInterval());
    }

    private static Endpoint locate(Map<String, String[]> locations, Endpoint e) {
        String[] loc = locations.get(e.id());
        return loc == null ? e : e.withLocation(loc[0], loc[1]);
    }

    /**
     * The cluster as far as its monitor goes: the same servers, database, connection parameters and credentials (the
     * probes log in), the same topology provider if one was given, the same {@code provider} setting and Aurora host
     * pattern (a data source that names another kind gets its own monitor, and so its own check against the server),
     * the same clock. The password is compared, never
     * printed.
     */
    static MonitorRegistry.Key monitorKey(JdbcSettings s) {
        List<String> hosts = s.url().hosts().stream().map(Endpoint::id).sorted().toList();
        return new MonitorRegistry.Key("jdbc", s.clusterName(), String.join(",", hosts) + "/" + s.url().database(),
                java.util.Arrays.asList(hosts, s.url().scheme(), s.url().database(), s.url().params(), s.username(),
                        s.password(), s.topologyProvider(), s.keys().get(JdbcKeys.PROVIDER),
                        s.keys().get(JdbcKeys.AURORA_INSTANCE_HOST_PATTERN), s.keys().get(JdbcKeys.AURORA_GLOBAL_INSTANCE_HOST_PATTERNS),
                        s.region(), s.ticker(), s.clock(), s.keys().get(JdbcKeys.AUTH), s.keys().get(JdbcKeys.AUTH_REGION),
                        s.keys().get(JdbcKeys.AUTH_SECRET_ID), s.keys().get(JdbcKeys.AUTH_SECRETS_MANAGER_ENDPOINT),
                        s.awsCredentials()));
    }

    private static String describe(Map<String, String[]> locations) {
        Map<String, String> m = new java.util.TreeMap<>();
        locations.forEach((id, loc) -> m.put(id, loc[0] + "/" + loc[1]));
        return m.toString();
    }

    /**
     * Starts the cluster's monitor for the first data source on it; the monitor, not this data source, owns its
     * provider and the provider's executor, so that it outlives the data source that started it.
     */
    private static MonitorRegistry.Started startMonitor(JdbcSettings settings, MonitorSettings ms, EventBus bus) {
        ExecutorService probeAborter = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(10_000), r -> {
            Thread t = new Thread(r, "haven-probe-abort-" + settings.clusterName());
            t.setDaemon(true);
            return t;
        });
        // The probes' own credentials (a token or secret cache of their own): the monitor outlives the data source
        // that started it, so it must not share that data source's.
        ConnectionCredentials probeCredentials = settings.topologyProvider() != null ? null : ConnectionCredentials.of(settings);
        TopologyProvider provider = settings.topologyProvider() != null ? settings.topologyProvider()
                : new ProviderSelection(settings.clusterName(), settings.keys().get(JdbcKeys.PROVIDER), Map.of(
                        JdbcProvider.POSTGRES,
                        () -> new PostgresTopologyProvider(settings.url(), probeCredentials, probeAborter),
                        JdbcProvider.RDS_MULTI_AZ_POSTGRES,
                        () -> new PostgresTopologyProvider(settings.url(), probeCredentials, probeAborter,
                                true),
                        JdbcProvider.AURORA_POSTGRES,
                        () -> new AuroraPostgresTopologyProvider(settings.url(), probeCredentials,
                                probeAborter, AuroraPostgresTopologyProvider.hostPattern(
                                        settings.keys().get(JdbcKeys.AURORA_INSTANCE_HOST_PATTERN), settings.url().hosts())),
                        JdbcProvider.AURORA_GLOBAL_POSTGRES,
                        () -> new AuroraGlobalPostgresTopologyProvider(settings.url(), probeCredentials,
                                probeAborter, AuroraGlobalPostgresTopologyProvider.patterns(
                                        settings.keys().get(JdbcKeys.AURORA_GLOBAL_INSTANCE_HOST_PATTERNS),
                                        AuroraPostgresTopologyProvider.hostPatternIfKnown(
                                                settings.keys().get(JdbcKeys.AURORA_INSTANCE_HOST_PATTERN), settings.url().hosts()),
                                        settings.region()), settings.region()),
                        JdbcProvider.MYSQL,
                        () -> new MySqlTopologyProvider(settings.url(), probeCredentials, probeAborter,
                                false, settings.clusterName()),
                        JdbcProvider.MARIADB,
                        () -> new MySqlTopologyProvider(settings.url(), probeCredentials, probeAborter,
                                true, settings.clusterName()),
                        JdbcProvider.AURORA_MYSQL,
                        () -> new AuroraMySqlTopologyProvider(settings.url(), probeCredentials,
                                probeAborter, AuroraMySqlTopologyProvider.Source.AURORA, AuroraMySqlTopologyProvider.pattern(
                                        AuroraPostgresTopologyProvider.hostPattern(settings.keys().get(
                                                JdbcKeys.AURORA_INSTANCE_HOST_PATTERN), settings.url().hosts(), "aurora-mysql")))),
                        new PostgresTopologyProvider(settings.url(), probeCredentials, probeAborter));
        AutoCloseable resources = () -> {
            provider.close();
            if (probeCredentials != null) {
                probeCredentials.close();
            }
            probeAborter.shutdown();
            if (!probeAborter.awaitTermination(5, TimeUnit.SECONDS)) {
                probeAborter.shutdownNow();
            }
        };
        TopologyMonitor m = new TopologyMonitor(ms, provider, bus);
        try {
            m.start();
        } catch (RuntimeException e) {
            m.close();
            try {
                resources.close();
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        return new MonitorRegistry.Started(m, resources);
    }

    public JdbcSettings settings() {
        return settings;
    }

    public EventBus events() {
        return events;
    }

    public Topology topology() {
        return monitor.snapshot().topology();
    }

    TopologyMonitor monitor() {
        return monitor;
    }

    public boolean isClosed() {
        return closed;
    }

    /** Each server's circuit breaker state, by endpoint id, from the monitor's last snapshot (no I/O). */
    public Map<String, String> breakerStates() {
        return monitor.breakerStates();
    }

    /** Each replica that is up with a measured staleness, by endpoint id, from the monitor's last snapshot (no I/O). */
    public Map<String, Duration> replicaStaleness() {
        return monitor.replicaStaleness();
    }

    public Connection getConnection() throws SQLException {
        if (closed) {
            throw new SQLException("HavenDataSource " + settings.clusterName() + " is closed", "08003");
        }
        return new ConnectionHandler(this);
    }

    Consistency defaultReadConsistency() {
        return defaultReadConsistency;
    }

    // ---------------------------------------------------------------- binding

    /**
     * A physical connection for read work under {@code consistency} ({@code session}: for {@code SESSION}, may be
     * null), avoiding {@code exclude}; never null.
     */
    Bound acquireRead(Consistency consistency, HavenSession session, String exclude, long deadlineNanos) throws SQLException {
        if (!consistency.allowsReplica()) {
            return acquireWrite(exclude, deadlineNanos);
        }
        Position sessionPosition = null;
        boolean fallback = settings.readFallbackToWriter();
        if (consistency.level() == Consistency.Level.SESSION) {
            HavenSession.Mark mark = session == null ? null : session.mark(settings.clusterName()).orElse(null);
            if (session == null || !sessions()) {
                return acquireWrite(exclude, deadlineNanos); // no record of the caller's writes: the writer has them all
            }
            if (mark != null) {
                if (mark.epoch() != monitor.writerEpoch()) {
                    // A write of another lineage (before a failover, or one the monitor has not seen yet): positions of
                    // two timelines cannot be compared, and the write may be lost; the writer is the only safe place.
                    return acquireWrite(exclude, deadlineNanos);
                }
                sessionPosition = mark.position();
            }
            fallback = true; // the writer has every write of the session
            monitor.lagDemand(); // replica positions sampled finely while reads depend on them
        } else if (consistency.level() == Consistency.Level.BOUNDED_STALENESS) {
            monitor.lagDemand();
        }
        Candidates cands = candidates();
        long now = settings.ticker().nanoTime();
        double random = ThreadLocalRandom.current().nextDouble();
        if (sessionPosition != null && sessionWaitNanos > 0) {
            cands = awaitSessionReplica(cands, consistency, sessionPosition, now, random, deadlineNanos);
            now = settings.ticker().nanoTime();
        }
        TopologyMonitor.Snapshot snap = cands.snapshot;
        java.util.function.Consumer<Router.Skip> skips = events.hasListeners() ? this::skipped : null;
        SQLException last = null;
        // Fast path: the router's first choice, found without allocating; the ordered list only on failure.
        Endpoint first = router.firstForRead(cands.list, consistency, sessionPosition, fallback, now, random, skips);
        boolean triedFirst = false;
        if (first != null && !first.id().equals(exclude)) {
            EndpointState s = snap.state(first.id());
            triedFirst = true;
            if (s != null && s.available()) {
                try {
                    return open(s, deadlineNanos);
                } catch (SQLException ex) {
                    last = ex;
                    onFailure(s, ex);
                }
            }
        }
        List<Endpoint> order = first == null ? List.of() : router.forRead(cands.list, consistency, sessionPosition,
                fallback, now, random, null);
        for (Endpoint e : order) {
            if ((e.id().equals(exclude) && order.size() > 1) || (triedFirst && e.equals(first))) {
                continue;
            }
            EndpointState s = snap.state(e.id());
            if (s == null || !s.available()) {
                continue;
            }
            try {
                return open(s, deadlineNanos);
            } catch (SQLException ex) {
                last = ex;
                onFailure(s, ex);
            }
        }
        if (fallback) {
            // No replica qualifies, or every candidate left routing or failed while we tried (a connection failure
            // takes a server out at once): wait for the writer, like writes do, rather than fail a read that may go there.
            return acquireWrite(exclude, deadlineNanos);
        }
        requireMatchingProvider();
        throw new HavenUnavailableException("No server can serve a read with consistency " + consistency + " in cluster "
                + settings.clusterName() + " (" + snap.topology() + ", fallback to writer "
                + (settings.readFallbackToWriter() ? "on" : "off") + ")", settings.clusterName(), null, last);
    }

    /**
     * {@code session-wait}: while no replica is known to have replayed the session's mark (and one is up), waits for
     * probe rounds, which sample replica positions finely while SESSION reads are made, up to the wait; then the
     * candidates as they are (the writer serves the read if still none qualifies). Never past the statement's deadline.
     */
    private Candidates awaitSessionReplica(Candidates cands, Consistency consistency, Position sessionPosition, long now,
            double random, long deadlineNanos) {
        long until = Math.min(now + sessionWaitNanos, deadlineNanos);
        while (router.firstForRead(cands.list, consistency, sessionPosition, false, now, random, null) == null
                && now < until && anyReplicaUp(cands.snapshot)) {
            try {
                monitor.awaitRound(Duration.ofNanos(Math.min(until - now, settings.fastProbeInterval().toNanos())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break; // the writer serves it
            }
            cands = candidates();
            now = settings.ticker().nanoTime();
        }
        return cands;
    }

    private static boolean anyReplicaUp(TopologyMonitor.Snapshot snap) {
        for (EndpointState s : snap.states()) {
            if (s.role() == Role.READER && s.available()) {
                return true;
            }
        }
        return false;
    }

    private void skipped(Router.Skip skip) {
        events.staleReplicaSkipped(settings.clusterName(), skip, settings.clock().instant(), settings.ticker().nanoTime());
    }

    /**
     * Whether SESSION reads can be routed to replicas: PostgreSQL streaming replication and MySQL/MariaDB replication say
     * where a write landed in positions their replicas report (WAL LSNs, GTIDs); Aurora replicas replay no WAL or
     * GTIDs, and a custom provider's positions are its own.
     */
    private boolean sessions() {
        return monitor.provider() instanceof ProviderSelection p
                && (p.chosen() instanceof PostgresTopologyProvider || p.chosen() instanceof MySqlTopologyProvider);
    }

    /** The URL's driver dialect; PostgreSQL's for a scheme Haven has no provider for (with a custom topology provider). */
    SqlDialect dialect() {
        SqlDialect d = settings.url().dialect();
        return d == null ? SqlDialect.POSTGRESQL : d;
    }

    /** The provider in use ({@code AUTO} until the first server answered; {@code null} with a custom topology provider). */
    public JdbcProvider provider() {
        return monitor.provider() instanceof ProviderSelection p ? p.kind() : null;
    }

    /** The configured provider does not fit the server: fail at once, naming the property (nothing is routed). */
    private void requireMatchingProvider() throws HavenUnavailableException {
        if (monitor.provider() instanceof ProviderSelection p && p.mismatch() != null) {
            throw new HavenUnavailableException(p.mismatch(), settings.clusterName(), null, null);
        }
    }

    /**
     * A physical connection to the writer, waiting up to writer-wait for one during a failover. An
     * {@code exclude}d writer (it just failed us) is avoided until the monitor had time to confirm or
     * replace it: two fast probe rounds after a probe timeout.
     */
    Bound acquireWrite(String exclude, long deadlineNanos) throws SQLException {
        long now = settings.ticker().nanoTime();
        long waitUntil = now + settings.writerWait().toNanos();
        long confirmNanos = 2 * (settings.probeTimeout().toNanos() + settings.fastProbeInterval().toNanos());
        long excludeUntil = now + confirmNanos;
        SQLException last = null;
        Endpoint failedOn = null;
        while (true) {
            now = settings.ticker().nanoTime();
            if (exclude != null && now - excludeUntil >= 0) {
                exclude = null;
            }
            EndpointState w = monitor.snapshot().writer();
            if (w != null && w.available() && (exclude == null || !w.id().equals(exclude))) {
                try {
                    return open(w, deadlineNanos);
                } catch (SQLException ex) {
                    last = ex;
                    failedOn = w.endpoint();
                    onFailure(w, ex);
                    if (!(ex instanceof ServerLeftWhileWaiting)) { // that one is out of routing until a probe answers
                        exclude = w.id();
                        excludeUntil = settings.ticker().nanoTime() + confirmNanos;
                    }
                }
            }
            requireMatchingProvider();
            long left = waitUntil - settings.ticker().nanoTime();
            if (left <= 0 || closed) {
                EndpointState known = monitor.snapshot().writer();
                throw new HavenUnavailableException("No writer available in cluster " + settings.clusterName() + " after waiting "
                        + Durations.format(settings.writerWait()) + " (" + monitor.snapshot().topology()
                        + (known == null ? monitor.snapshot().probeFailures() : "; writer " + known)
                        + "); nothing was sent, the work can be repeated", settings.clusterName(), failedOn, last);
            }
            try {
                monitor.awaitRound(Duration.ofNanos(Math.min(left, 2 * settings.fastProbeInterval().toNanos())));
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new HavenUnavailableException("Interrupted while waiting for a writer", settings.clusterName(), null, ie);
            }
        }
    }

    private Bound open(EndpointState s, long deadlineNanos) throws SQLException {
        HikariDataSource pool = pool(s.endpoint());
        Connection c = borrow(s, pool, deadlineNanos);
        long left = deadlineNanos - settings.ticker().nanoTime();
        int timeout = (int) Math.max(1, Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(left)));
        try {
            c.setNetworkTimeout(aborter, timeout);
        } catch (SQLException e) {
            discard(s, c, e);
            throw e;
        }
        return new Bound(s, c, inFlight(s.id()));
    }

    /**
     * Gives a pooled connection back to its pool. A failure HikariCP meets while rolling it back or resetting it is
     * judged by HikariCP's own rule ({@link LostConnectionOverride#returning}): a connection found broken there is
     * evicted. Never throws: HikariCP 7 throws a {@code NullPointerException} from {@code close()} when the
     * connection's pool entry was closed meanwhile (an eviction or an abort on another thread nulls it), and that must
     * not replace the failure the application is told about (seen under load: a write failed with the NPE instead of
     * outcome-unknown).
     */
    static void release(Connection c) {
        boolean[] returning = LostConnectionOverride.returning();
        try {
            c.close();
        } catch (SQLException | RuntimeException e) {
            log.debug("closing a pooled connection failed (it is gone either way): {}", e.toString());
        } finally {
            LostConnectionOverride.returned(returning);
        }
    }

    /**
     * Gives back a connection of {@code s} that served its work: evicted if its physical connection is closed (the
     * driver closes it on an I/O failure, or it was aborted), which HikariCP would otherwise find, loudly, resetting
     * it, or if it is a connection that carried the isolation guard its pool no longer needs
     * ({@link ConnectFailureSignal#retiring}); back to the pool otherwise.
     */
    void giveBack(EndpointState s, Connection c) {
        if (spent(c)) {
            evict(s, c);
        } else {
            release(c);
        }
    }

    /** Lets go of a connection of {@code s} whose last call failed with {@code e}: evicted if the failure is a lost connection. */
    void discard(EndpointState s, Connection c, SQLException e) {
        if (SqlErrors.classify(e) == SqlErrors.Kind.CONNECTION) {
            evict(s, c);
        } else {
            release(c);
        }
    }

    private static boolean spent(Connection pooled) {
        try {
            if (pooled.isClosed()) {
                return false; // HikariCP closed its proxy (it evicted the connection itself): close() is a no-op
            }
            Connection physical = pooled.unwrap(Connection.class); // HikariCP's proxy hands out its delegate
            return physical != pooled && (ConnectFailureSignal.retiring(physical) || physical.isClosed());
        } catch (SQLException | RuntimeException e) {
            return false;
        }
    }

    /** How often a thread waiting for a pooled connection checks that its server is still worth waiting for. */
    static final long POOL_WAIT_SLICE_MS = 50;

    /**
     * A connection from {@code s}'s pool, waiting at most HikariCP's {@code connectionTimeout} (and the deadline) &mdash;
     * but never for a server that is down or suspect: the wait is cut into short slices, and a thread gives up with
     * {@link ServerLeftWhileWaiting} as soon as a connection failure (its own pool's, or any request's) or the monitor
     * takes the server out of routing, so that it is routed again (to the new writer, another replica) instead of
     * sitting out the pool's timeout on a dead server.
     */
    private Connection borrow(EndpointState s, HikariDataSource pool, long deadlineNanos) throws SQLException {
        if (!s.available()) {
            throw new ServerLeftWhileWaiting(s.id(), s.up() ? "suspect" : "down");
        }
        if (!(pool.getHikariPoolMXBean() instanceof HikariPool hikari)) {
            return pool.getConnection(); // closed (HikariCP says so) or not started
        }
        // HikariCP's connectionTimeout, as a plain getConnection() would wait: not cut by the statement deadline, which
        // a thread that waited out a failover for the new writer has mostly spent (1 ms waits then failed on a pool whose
        // connections were all busy for a moment, and a healthy new writer served no write for seconds).
        long budgetMs = pool.getConnectionTimeout();
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(budgetMs); // real time: HikariCP waits in it
        while (true) {
            long leftMs = TimeUnit.NANOSECONDS.toMillis(until - System.nanoTime());
            try {
                return hikari.getConnection(Math.max(1, Math.min(leftMs, POOL_WAIT_SLICE_MS)));
            } catch (SQLTransientConnectionException timedOut) {
                if (!s.available()) {
                    throw new ServerLeftWhileWaiting(s.id(), s.up() ? "suspect" : "down");
                }
                if (until - System.nanoTime() <= 0) {
                    throw new PoolTimedOut(timedOut);
                }
            }
        }
    }

    /**
     * The server a thread was about to wait for, or was waiting for, left routing (down or suspect): nothing was
     * sent; the caller routes again. Not a new failure of the server, so not reported to the monitor again.
     */
    static final class ServerLeftWhileWaiting extends SQLTransientConnectionException {
        private static final long serialVersionUID = 1L;

        ServerLeftWhileWaiting(String endpoint, String why) {
            super("Server " + endpoint + " is " + why + ": not waiting for a connection to it", "08001");
        }
    }

    /**
     * HikariCP's own timeout, marked as such: a pool that ran out of connections is not a new failure of its server
     * (HikariCP attaches its last failure to connect, however old; the fresh ones are reported as they happen).
     */
    static final class PoolTimedOut extends SQLTransientConnectionException {
        private static final long serialVersionUID = 1L;

        PoolTimedOut(SQLTransientConnectionException hikari) {
            super(hikari.getMessage(), hikari.getSQLState(), hikari.getErrorCode(), hikari.getCause());
            setNextException(hikari.getNextException());
        }
    }

    /**
     * A physical connection, the server it belongs to, and this data source's count of connections bound to that
     * server (looked up once at binding: the request path does no map lookups per statement). A {@code LongAdder}: every
     * statement counts up and down, and one shared counter was a cache line all threads wrote (a hot spot at 4 threads).
     */
    record Bound(EndpointState state, Connection connection, LongAdder inFlight) {
    }

    void register(ConnectionHandler h, Bound b) {
        bound.add(h);
        b.state().begin();
        b.inFlight().increment();
    }

    void unregister(ConnectionHandler h, Bound b) {
        if (bound.remove(h)) {
            b.state().end(-1);
            b.inFlight().decrement();
        }
    }

    private LongAdder inFlight(String endpointId) {
        LongAdder n = poolInFlight.get(endpointId);
        return n != null ? n : poolInFlight.computeIfAbsent(endpointId, k -> new LongAdder());
    }

    /** The monitor's snapshot with this data source's view of each endpoint, rebuilt when the snapshot changes. */
    private record Candidates(TopologyMonitor.Snapshot snapshot, List<PoolCandidate> list) {
    }

    private Candidates candidates() {
        TopologyMonitor.Snapshot snap = monitor.snapshot();
        Candidates c = candidates;
        if (c != null && c.snapshot == snap) {
            return c;
        }
        List<PoolCandidate> list = new java.util.ArrayList<>(snap.states().size());
        boolean homeOnly = !settings.keys().get(JdbcKeys.AURORA_CROSS_REGION_READS) && provider() == JdbcProvider.AURORA_GLOBAL_POSTGRES;
        for (EndpointState s : snap.states()) {
            if (homeOnly && s.role() != Role.WRITER && !s.endpoint().region().equals(settings.region())) {
                continue; // a replica of another region of a Global Database: reads stay home unless cross-region-reads
            }
            list.add(new PoolCandidate(s, inFlight(s.id()), maxPoolSize));
        }
        c = new Candidates(snap, List.copyOf(list));
        candidates = c;
        return c;
    }

    /** A shared endpoint state, saturated when this data source's pool to it is. */
    private record PoolCandidate(EndpointState state, LongAdder poolInFlight, int maxPoolSize)
            implements RouteCandidate.Decorator {
        @Override
        public boolean saturated() {
            return poolInFlight.sum() >= maxPoolSize;
        }
    }

    /**
     * Closes and removes one physical connection from its pool, quietly (HikariCP logs it at DEBUG): every connection
     * Haven finds broken ends here, never back in the pool ({@link LostConnectionOverride}). The pooled connection must
     * not be closed afterwards (HikariCP would try to remove its entry again, and log that at WARN); it is let go.
     */
    void evict(EndpointState s, Connection c) {
        HikariDataSource p = pools.get(s.id());
        if (p != null) {
            log.debug("Haven {}: evicting a connection to {}", settings.clusterName(), s.id());
            try {
                p.evictConnection(c);
            } catch (RuntimeException e) {
                log.debug("evicting a pooled connection failed (it is gone either way): {}", e.toString());
            }
        }
    }

    /**
     * A connection-class failure talking to {@code s}: take it out of routing until a probe answers, wake the
     * monitor, and count it against the breaker. A pool that only ran out of connections on a healthy server is
     * counted, not suspected.
     */
    void onFailure(EndpointState s, SQLException e) {
        if (e instanceof ServerLeftWhileWaiting) {
            return;
        }
        s.breakerError(0, e);
        if (!(e instanceof PoolTimedOut)) {
            s.suspect(settings.ticker().nanoTime());
        }
        monitor.signal(s.id(), e.getSQLState() + " " + e.getClass().getSimpleName());
    }

    private static boolean refused(Throwable e) {
        for (Throwable t = e; t != null && t != t.getCause(); t = t.getCause()) {
            if (t instanceof java.net.ConnectException) {
                return true;
            }
        }
        return false;
    }

    /**
     * A new physical connection to {@code endpointId} could not be made (HikariCP's own attempts, in the background):
     * the same passive signal as a failed request, so threads stop waiting for that pool before its timeout.
     */
    private void onConnectFailure(String endpointId, SQLException e) {
        if (ConnectionCredentials.loginRefused(e)) {
            credentials.refused(endpointId); // a rotated secret, an expired token: fetched anew for the next connection
        }
        if (closed || SqlErrors.classify(e) != SqlErrors.Kind.CONNECTION) {
            return; // e.g. authentication: the server is up
        }
        EndpointState s = monitor.snapshot().state(endpointId);
        if (s != null && s.available()) { // a server already known down or suspect needs no new signal
            if (refused(e)) {
                // Nothing listens there: the server process is gone. A timeout or a reset while connecting proves
                // less (a loaded server, a busy client); for those the monitor is asked to look, no more.
                s.suspect(settings.ticker().nanoTime());
            }
            monitor.signal(endpointId, "new connection failed: " + e.getSQLState() + " " + e.getClass().getSimpleName());
        }
    }

    void onReadOnlyViolation(EndpointState s) {
        monitor.signal(s.id(), "read-only violation on the writer");
    }

    /**
     * A session's commits through one connection, not yet turned into a mark: the session asks it when it needs the
     * mark ({@link HavenSession#recordPendingWrite}), so a commit costs no round trip, and a burst of commits, or commits
     * whose mark no read or token ever needs, cost none at all.
     */
    final class PendingMark implements java.util.function.Supplier<HavenSession.Mark> {
        private volatile long ackedNanos;

        /** A write of the session was acknowledged just now: registers this mark with {@code session}. */
        void committed(HavenSession session) {
            ackedNanos = settings.ticker().nanoTime(); // before registering: a resolution asked after covers this write
            session.recordPendingWrite(settings.clusterName(), this);
        }

        @Override
        public HavenSession.Mark get() {
            return markSince(ackedNanos);
        }
    }

    /** A writer position learnt by a query of ours, with the ticker time the query was sent. */
    private record AskedMark(long sentNanos, HavenSession.Mark mark) {
    }

    private final java.util.concurrent.atomic.AtomicReference<AskedMark> lastAsked = new java.util.concurrent.atomic.AtomicReference<>();
    private final java.util.concurrent.atomic.AtomicLong markQueries = new java.util.concurrent.atomic.AtomicLong();

    /** How many queries sessions' marks have cost so far (for tests and benchmarks: the rest came from probes). */
    public long markQueries() {
        return markQueries.get();
    }

    /**
     * Where writes acknowledged before {@code ackNanos} landed at the latest. Without a query when a probe of the writer
     * was sent since (its sampled position covers them) or a query of ours was; otherwise one query on a writer
     * connection. Never throws: a mark that could not be learnt is one no replica reaches on the current lineage (the
     * session's SESSION reads go to the writer until a failover), as the commits themselves succeeded.
     */
    HavenSession.Mark markSince(long ackNanos) {
        if (!sessions()) {
            return new HavenSession.Mark(monitor.writerEpoch(), Position.UNREACHABLE); // SESSION reads go to the writer anyway
        }
        HavenSession.Mark probed = monitor.writerMarkSince(ackNanos);
        if (probed != null) {
            return probed;
        }
        AskedMark asked = lastAsked.get();
        if (asked != null && asked.sentNanos() - ackNanos >= 0) {
            return asked.mark();
        }
        long sent = settings.ticker().nanoTime();
        markQueries.incrementAndGet();
        HavenSession.Mark mark = askWriteMark(sent + settings.statementDeadline().toNanos());
        if (mark.position() != Position.UNREACHABLE) {
            AskedMark now = new AskedMark(sent, mark);
            lastAsked.accumulateAndGet(now, (a, b) -> a == null || b.sentNanos() - a.sentNanos() > 0 ? b : a);
        }
        return mark;
    }

    /** The writer's position now, asked on one of its pooled connections. */
    private HavenSession.Mark askWriteMark(long deadlineNanos) {
        Bound b = null;
        try {
            b = acquireWrite(null, deadlineNanos);
            HavenSession.Mark m;
            if (monitor.provider() instanceof ProviderSelection p && p.chosen() instanceof MySqlTopologyProvider mysql) {
                m = new HavenSession.Mark(monitor.writerEpoch(), mysql.writePosition(b.connection()));
            } else {
                try (Statement st = b.connection().createStatement();
                        ResultSet rs = st.executeQuery(PostgresTopologyProvider.WRITE_MARK_SQL)) {
                    rs.next();
                    m = new HavenSession.Mark(rs.getLong(2), Position.offset(rs.getLong(1)));
                }
            }
            Bound done = b;
            b = null;
            giveBack(done.state(), done.connection());
            return m;
        } catch (SQLException | RuntimeException e) {
            if (b != null) {
                if (e instanceof SQLException se) {
                    discard(b.state(), b.connection(), se);
                } else {
                    release(b.connection());
                }
            }
            log.debug("Haven {}: the position of a committed write could not be read ({}); the session reads from the writer",
                    settings.clusterName(), e.toString());
            return new HavenSession.Mark(monitor.writerEpoch(), Position.UNREACHABLE);
        }
    }

    RetryBudget budget() {
        return budget;
    }

    void retried(EndpointState from, int attempt, Duration backoff, SQLException cause) {
        if (events.hasListeners()) {
            events.publish(new HavenEvent.RetryAttempted(settings.clusterName(), settings.clock().instant(), from.endpoint(),
                    attempt, backoff, cause.getSQLState() + " " + cause.getClass().getSimpleName()));
        }
    }

    // ---------------------------------------------------------------- pools and topology reactions

    private HikariDataSource pool(Endpoint e) {
        HikariDataSource p = pools.get(e.id());
        if (p != null) {
            return p;
        }
        synchronized (pools) {
            p = pools.get(e.id());
            if (p == null) {
                if (closed) {
                    throw new IllegalStateException("HavenDataSource " + settings.clusterName() + " is closed");
                }
                p = newPool(e);
                pools.put(e.id(), p);
            }
            return p;
        }
    }

    private HikariDataSource newPool(Endpoint e) {
        Properties props = new Properties();
        props.setProperty("minimumIdle", "2");
        props.setProperty("connectionTimeout", "2000");
        props.setProperty("validationTimeout", Long.toString(Math.max(250, settings.probeTimeout().toMillis())));
        props.setProperty("initializationFailTimeout", "-1");
        props.putAll(settings.pool());
        HikariConfig config;
        try {
            config = new HikariConfig(props);
        } catch (RuntimeException ex) {
            throw new IllegalArgumentException("haven.jdbc.pool.* contains a property HikariCP rejects: "
                    + ex.getMessage(), ex);
        }
        config.setPoolName("haven-" + settings.clusterName() + "-" + e.id());
        if (!credentials.fixed()) {
            config.setCredentialsProvider(credentials.forPool(e)); // asked for every new connection: rotation, token expiry
        }
        config.setExceptionOverride(LostConnectionOverride.INSTANCE);
        config.addDataSourceProperty("tcpKeepAlive", "true");
        config.addDataSourceProperty("connectTimeout", dialect().timeoutValue(settings.probeTimeout().multipliedBy(2)));
        if (dialect() == SqlDialect.MARIADB && !config.getDataSourceProperties().containsKey("socketFactory")) {
            // so that an abort closes the socket of a thread blocked on a frozen server at once (AbortableSockets)
            config.addDataSourceProperty("socketFactory", AbortableSockets.class.getName());
        }
        // What HikariCP builds from a jdbcUrl, wrapped so that its failures to connect reach the monitor at once.
        DataSource driver = new DriverDataSource(settings.url().forEndpoint(e), config.getDriverClassName(),
                config.getDataSourceProperties(), settings.username(), settings.password());
        ConnectFailureSignal signal = new ConnectFailureSignal(driver, config.getPoolName(), ex -> onConnectFailure(e.id(), ex));
        config.setDataSource(signal);
        config.setThreadFactory(signal);
        HikariDataSource pool = new HikariDataSource(config);
        poolMinimumIdle = pool.getMinimumIdle(); // as HikariCP validated it (it defaults to the maximum pool size)
        return pool;
    }

    /**
     * A pool keeps no idle connections to a server that is down, so that HikariCP does not try to connect to it in the
     * background (with a backoff of up to a few seconds, forever, and a WARN "Pool is empty, failed to create/setup
     * connection" per attempt once it has failed for a minute): the monitor's probes watch the server, no thread is
     * routed to it, and the pool fills again once it is up.
     */
    private void keepIdle(EndpointState s) {
        HikariDataSource p = pools.get(s.id());
        if (p == null || poolMinimumIdle < 0) {
            return;
        }
        com.zaxxer.hikari.HikariConfigMXBean config = p.getHikariConfigMXBean();
        int want = s.up() ? poolMinimumIdle : 0;
        if (config.getMinimumIdle() != want) {
            config.setMinimumIdle(want); // HikariCP's adder and housekeeper read it on each decision
        }
    }

    private void onTopology(TopologyMonitor.Snapshot previous, TopologyMonitor.Snapshot current) {
        for (EndpointState s : current.states()) {
            if (!closed && s.role() != Role.UNKNOWN) {
                pool(s.endpoint()); // not for a server that is down, nor for a way in (an Aurora cluster endpoint)
            }
            EndpointState before = previous.state(s.id());
            boolean lostWriter = before != null && before.role() == Role.WRITER && s.role() != Role.WRITER;
            boolean down = !s.up();
            if (lostWriter || down) {
                evict(s, lostWriter ? "no longer the writer" : "down");
            }
            keepIdle(s);
        }
        for (EndpointState s : previous.states()) {
            if (current.state(s.id()) == null) {
                HikariDataSource p = pools.remove(s.id());
                if (p != null) {
                    log.info("Haven {}: closing pool of removed endpoint {}", settings.clusterName(), s.id());
                    abortBound(s.id());
                    closePool(p);
                }
            }
        }
    }

    /**
     * Evicts idle connections of a server and aborts the ones in use, so that threads blocked on a
     * blackholed or demoted server fail now (and writes report an unknown outcome) instead of waiting
     * for the statement deadline. HikariCP alone does not evict on PostgreSQL 25006.
     */
    private void evict(EndpointState s, String why) {
        HikariDataSource p = pools.get(s.id());
        if (p != null && p.getHikariPoolMXBean() != null) {
            p.getHikariPoolMXBean().softEvictConnections();
        }
        int n = abortBound(s.id());
        if (n > 0) {
            log.warn("Haven {}: aborted {} connection(s) to {} ({})", settings.clusterName(), n, s.id(), why);
        }
    }

    private int abortBound(String endpointId) {
        return bound.forEach(h -> h.abortIfBoundTo(endpointId, aborter));
    }

    // ---------------------------------------------------------------- transaction helper

    /**
     * Runs {@code work} in one transaction, and again from the start on a fresh connection when it was rolled back
     * without committing: one operation of the engine ({@link Attempts}) whose tries are the runs (up to
     * {@code transaction.max-attempts}, each rerun after a {@code retry.*-backoff} and a retry-budget token).
     */
    public <T> T transaction(SqlWork<T> work) throws SQLException {
        Attempts runs = new Attempts(settings.transactionPolicy(), budget, settings.ticker());
        while (true) {
            SQLException rolledBack;
            try (Connection c = getConnection()) {
                c.setAutoCommit(false);
                T result;
                try {
                    result = work.run(c);
                } catch (SQLException | RuntimeException e) {
                    try {
                        c.rollback();
                    } catch (SQLException suppressed) {
                        e.addSuppressed(suppressed);
                    }
                    throw e;
                }
                c.commit();
                return result;
            } catch (HavenWriteOutcomeUnknownException e) {
                throw e;
            } catch (HavenTransactionRolledBackException | HavenUnavailableException e) {
                rolledBack = e;
            } catch (SQLException e) {
                SqlErrors.Kind k = SqlErrors.classify(e);
                if (k != SqlErrors.Kind.SERIALIZATION && k != SqlErrors.Kind.READ_ONLY) {
                    throw e;
                }
                rolledBack = e;
            }
            // Nothing of the run committed: the server refused it, whatever the cause.
            runs.failed(Fault.REFUSED, true);
            if (!runs.mayRetry()) {
                throw rolledBack;
            }
            log.debug("Haven {}: transaction run {} rolled back, running it again", settings.clusterName(),
                    runs.attempts() - 1);
            sleep(Duration.ofNanos(runs.backoffNanos(ThreadLocalRandom.current().nextDouble())));
        }
    }

    static void sleep(Duration d) throws SQLException {
        try {
            TimeUnit.NANOSECONDS.sleep(d.toNanos());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("Interrupted during retry backoff", "08000", e);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeWith(lease);
        log.info("Haven {} closed", settings.clusterName());
    }

    private void closeWith(MonitorRegistry.Lease l) {
        l.close(); // the monitor stops with the last data source on the cluster
        bound.forEach(h -> h.abortIfBoundTo(null, aborter));
        synchronized (pools) {
            for (HikariDataSource p : pools.values()) {
                closePool(p);
            }
            pools.clear();
        }
        credentials.close();
        shutdownAborter();
    }

    /** Closes a pool without waiting for its connection adder (see {@link ConnectFailureSignal#closing()}). */
    private static void closePool(HikariDataSource p) {
        if (p.getDataSource() instanceof ConnectFailureSignal signal) {
            signal.closing();
        }
        p.close();
    }

    private void shutdownAborter() {
        aborter.shutdown();
        try {
            if (!aborter.awaitTermination(5, TimeUnit.SECONDS)) {
                aborter.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            aborter.shutdownNow();
        }
    }
}
