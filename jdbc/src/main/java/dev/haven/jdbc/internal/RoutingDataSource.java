package dev.haven.jdbc.internal;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.haven.Consistency;
import dev.haven.Endpoint;
import dev.haven.Role;
import dev.haven.Topology;
import dev.haven.engine.Backoff;
import dev.haven.engine.Durations;
import dev.haven.engine.EndpointState;
import dev.haven.engine.EventBus;
import dev.haven.engine.MonitorSettings;
import dev.haven.engine.RetryBudget;
import dev.haven.engine.Router;
import dev.haven.engine.TopologyMonitor;
import dev.haven.event.HavenEvent;
import dev.haven.jdbc.HavenTransactionRolledBackException;
import dev.haven.jdbc.HavenUnavailableException;
import dev.haven.jdbc.HavenWriteOutcomeUnknownException;
import dev.haven.jdbc.SqlWork;
import dev.haven.spi.TopologyProvider;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.sql.Connection;
import java.sql.SQLException;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine behind {@code HavenDataSource}: owns the topology monitor, one HikariCP pool per server,
 * the router and the retry budget, and reacts to topology changes (new pools for new servers; pools of
 * a demoted or dead server evicted and its in-flight connections aborted, so no thread stays blocked on
 * a server that is gone).
 */
public final class RoutingDataSource implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RoutingDataSource.class);

    private final JdbcSettings settings;
    private final EventBus events;
    private final TopologyMonitor monitor;
    private final TopologyProvider provider;
    private final Router router;
    private final RetryBudget budget;
    private final ExecutorService aborter;
    private final Map<String, HikariDataSource> pools = new ConcurrentHashMap<>();
    private final BoundConnections bound = new BoundConnections();
    private final int maxPoolSize;
    private final Consistency defaultReadConsistency;
    private volatile boolean closed;

    public RoutingDataSource(JdbcSettings settings) {
        this.settings = settings;
        this.events = new EventBus(settings.listeners());
        this.router = new Router(settings.region(), settings.zone());
        this.budget = new RetryBudget(settings.retryBudgetRatio(), settings.retryBudgetReservePerSecond(), settings.ticker());
        this.aborter = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(10_000), r -> {
            Thread t = new Thread(r, "haven-abort-" + settings.clusterName());
            t.setDaemon(true);
            return t;
        });
        this.provider = settings.topologyProvider() != null ? settings.topologyProvider()
                : new PostgresTopologyProvider(settings.url(), settings.username(), settings.password(), aborter);
        this.maxPoolSize = Integer.parseInt(settings.pool().getProperty("maximumPoolSize", "10"));
        this.defaultReadConsistency = settings.defaultReadConsistency();
        CircuitBreakerConfig breaker = CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(20)
                .minimumNumberOfCalls(10)
                .failureRateThreshold(50)
                .waitDurationInOpenState(Duration.ofSeconds(5))
                .build();
        MonitorSettings ms = new MonitorSettings(settings.clusterName(), settings.url().hosts(), this::locate,
                settings.probeInterval(), settings.fastProbeInterval(), lagInterval(settings), Duration.ofSeconds(5),
                settings.probeTimeout(),
                lagHistory(settings), breaker, settings.ticker(), settings.clock());
        this.monitor = new TopologyMonitor(ms, provider, events);
        monitor.addObserver(this::onTopology);
        try {
            monitor.start();
            for (EndpointState s : monitor.snapshot().states()) {
                pool(s.endpoint());
            }
        } catch (RuntimeException e) {
            close();
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

    private Endpoint locate(Endpoint e) {
        String[] loc = settings.endpointLocations().get(e.id());
        return loc == null ? e : e.withLocation(loc[0], loc[1]);
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

    /** A physical connection for read work under {@code consistency}, avoiding {@code exclude}; never null. */
    Bound acquireRead(Consistency consistency, String exclude, long deadlineNanos) throws SQLException {
        if (!consistency.allowsReplica() || consistency.level() == Consistency.Level.SESSION) {
            // SESSION needs the commit position of the session's writes, which JDBC connections do not track
            // yet: the writer is the one place guaranteed to have them.
            return acquireWrite(exclude, deadlineNanos);
        }
        if (consistency.level() == Consistency.Level.BOUNDED_STALENESS) {
            monitor.lagDemand();
        }
        TopologyMonitor.Snapshot snap = monitor.snapshot();
        long now = settings.ticker().nanoTime();
        double random = ThreadLocalRandom.current().nextDouble();
        java.util.function.Consumer<Router.Skip> skips = events.hasListeners() ? this::skipped : null;
        SQLException last = null;
        // Fast path: the router's first choice, found without allocating; the ordered list only on failure.
        Endpoint first = router.firstForRead(snap.states(), consistency, Long.MIN_VALUE,
                settings.readFallbackToWriter(), now, random, skips);
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
        List<Endpoint> order = first == null ? List.of() : router.forRead(snap.states(), consistency, Long.MIN_VALUE,
                settings.readFallbackToWriter(), now, random, null);
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
        if (order.isEmpty() && settings.readFallbackToWriter()) {
            // No replica qualifies and the writer is not available right now: wait for one, like writes do.
            return acquireWrite(exclude, deadlineNanos);
        }
        throw new HavenUnavailableException("No server can serve a read with consistency " + consistency + " in cluster "
                + settings.clusterName() + " (" + snap.topology() + ", fallback to writer "
                + (settings.readFallbackToWriter() ? "on" : "off") + ")", last);
    }

    private void skipped(Router.Skip skip) {
        events.publish(new HavenEvent.StaleReplicaSkipped(settings.clusterName(), settings.clock().instant(),
                skip.endpoint(), nanos(skip.stalenessNanos()), nanos(skip.boundNanos())));
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
                    onFailure(w, ex);
                    exclude = w.id();
                    excludeUntil = settings.ticker().nanoTime() + confirmNanos;
                }
            }
            long left = waitUntil - settings.ticker().nanoTime();
            if (left <= 0 || closed) {
                throw new HavenUnavailableException("No writer available in cluster " + settings.clusterName() + " after waiting "
                        + Durations.format(settings.writerWait()) + " (" + monitor.snapshot().topology()
                        + "); nothing was sent, the work can be repeated", last);
            }
            try {
                monitor.awaitRound(Duration.ofNanos(Math.min(left, 2 * settings.fastProbeInterval().toNanos())));
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new HavenUnavailableException("Interrupted while waiting for a writer", ie);
            }
        }
    }

    private Bound open(EndpointState s, long deadlineNanos) throws SQLException {
        HikariDataSource pool = pool(s.endpoint());
        Connection c = pool.getConnection();
        long left = deadlineNanos - settings.ticker().nanoTime();
        int timeout = (int) Math.max(1, Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(left)));
        try {
            c.setNetworkTimeout(aborter, timeout);
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        return new Bound(s, c);
    }

    /** A physical connection and the server it belongs to. */
    record Bound(EndpointState state, Connection connection) {
    }

    void register(ConnectionHandler h, EndpointState s) {
        bound.add(h);
        s.begin();
        s.saturated(s.inFlight() >= maxPoolSize);
    }

    void unregister(ConnectionHandler h, EndpointState s) {
        if (bound.remove(h)) {
            s.end(-1);
            s.saturated(s.inFlight() >= maxPoolSize);
        }
    }

    /** Closes and removes one physical connection from its pool. */
    void evict(EndpointState s, Connection c) {
        HikariDataSource p = pools.get(s.id());
        if (p != null) {
            p.evictConnection(c);
        }
    }

    /** A connection-class failure talking to {@code s}: wake the monitor and count it against the breaker. */
    void onFailure(EndpointState s, SQLException e) {
        s.breaker().onError(0, TimeUnit.NANOSECONDS, e);
        monitor.signal(s.id(), e.getSQLState() + " " + e.getClass().getSimpleName());
    }

    void onReadOnlyViolation(EndpointState s) {
        monitor.signal(s.id(), "read-only violation on the writer");
    }

    RetryBudget budget() {
        return budget;
    }

    Duration retryBackoff(int attempt) {
        return Duration.ofNanos(Backoff.fullJitterNanos(attempt, settings.retryBaseBackoff().toNanos(),
                settings.retryMaxBackoff().toNanos(), ThreadLocalRandom.current().nextDouble()));
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
        config.setJdbcUrl(settings.url().forEndpoint(e));
        config.setUsername(settings.username());
        config.setPassword(settings.password());
        config.setPoolName("haven-" + settings.clusterName() + "-" + e.id());
        config.addDataSourceProperty("tcpKeepAlive", "true");
        config.addDataSourceProperty("connectTimeout",
                Long.toString(Math.max(1, (settings.probeTimeout().toMillis() * 2 + 999) / 1000)));
        return new HikariDataSource(config);
    }

    private void onTopology(TopologyMonitor.Snapshot previous, TopologyMonitor.Snapshot current) {
        for (EndpointState s : current.states()) {
            if (!closed) {
                pool(s.endpoint());
            }
            EndpointState before = previous.state(s.id());
            boolean lostWriter = before != null && before.role() == Role.WRITER && s.role() != Role.WRITER;
            boolean down = !s.up();
            if (lostWriter || down) {
                evict(s, lostWriter ? "no longer the writer" : "down");
            }
        }
        for (EndpointState s : previous.states()) {
            if (current.state(s.id()) == null) {
                HikariDataSource p = pools.remove(s.id());
                if (p != null) {
                    log.info("Haven {}: closing pool of removed endpoint {}", settings.clusterName(), s.id());
                    abortBound(s.id());
                    p.close();
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

    public <T> T transaction(SqlWork<T> work) throws SQLException {
        int attempts = settings.transactionMaxAttempts();
        SQLException last = null;
        for (int attempt = 0; attempt < attempts; attempt++) {
            if (attempt > 0) {
                Duration pause = retryBackoff(attempt - 1);
                sleep(pause);
            }
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
                last = e;
            } catch (SQLException e) {
                SqlErrors.Kind k = SqlErrors.classify(e);
                if (k != SqlErrors.Kind.SERIALIZATION && k != SqlErrors.Kind.READ_ONLY) {
                    throw e;
                }
                last = e;
            }
            log.debug("Haven {}: transaction attempt {} rolled back, running it again", settings.clusterName(), attempt + 1);
        }
        throw last;
    }

    static void sleep(Duration d) throws SQLException {
        try {
            TimeUnit.NANOSECONDS.sleep(d.toNanos());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("Interrupted during retry backoff", "08000", e);
        }
    }

    /** Staleness "unknown" (Long.MAX_VALUE nanoseconds) is shown as the largest duration. */
    private static final Duration UNKNOWN_STALENESS = Duration.ofSeconds(Long.MAX_VALUE / 1_000_000_000L);

    private static Duration nanos(long n) {
        return n == Long.MAX_VALUE ? UNKNOWN_STALENESS : Duration.ofNanos(n);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        monitor.close();
        provider.close();
        bound.forEach(h -> h.abortIfBoundTo(null, aborter));
        synchronized (pools) {
            for (HikariDataSource p : pools.values()) {
                p.close();
            }
            pools.clear();
        }
        aborter.shutdown();
        try {
            if (!aborter.awaitTermination(5, TimeUnit.SECONDS)) {
                aborter.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            aborter.shutdownNow();
        }
        log.info("Haven {} closed", settings.clusterName());
    }
}
