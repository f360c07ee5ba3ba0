package dev.haven.jdbc;

import dev.haven.Consistency;
import dev.haven.Endpoint;
import dev.haven.Ticker;
import dev.haven.Topology;
import dev.haven.engine.ConfigRules;
import dev.haven.engine.Durations;
import dev.haven.event.HavenEventListener;
import dev.haven.jdbc.internal.JdbcSettings;
import dev.haven.jdbc.internal.JdbcUrl;
import dev.haven.jdbc.internal.RoutingDataSource;
import dev.haven.spi.TopologyProvider;
import java.io.Closeable;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A {@link DataSource} over a replicated PostgreSQL cluster that sends writes to the current primary and
 * reads to the nearest replica within a lag bound, follows failovers within about a second, and
 * retries where that is safe. One HikariCP pool per server underneath; a drop-in wherever a
 * {@code DataSource} is expected (Spring, jOOQ, Hibernate).
 *
 * <p>Routing happens when a connection runs its first statement: connections marked
 * {@link Connection#setReadOnly(boolean) read-only} (what Spring's {@code @Transactional(readOnly = true)}
 * does) go to a replica that satisfies the connection's {@link Consistency} (by default
 * {@code boundedStaleness(lagBound)}), all others to the writer.
 *
 * <pre>{@code
 * try (HavenDataSource ds = HavenDataSource.builder()
 *         .url("jdbc:postgresql://db-1:5432,db-2:5432,db-3:5432/app")
 *         .username("app")
 *         .password(System.getenv("DB_PASSWORD"))
 *         .lagBound(Duration.ofSeconds(1))
 *         .build()) {
 *     try (Connection c = ds.getConnection()) {              // writer
 *         c.createStatement().executeUpdate("INSERT INTO t VALUES (1)");
 *     }
 *     try (Connection c = ds.getConnection()) {              // a replica at most 1 s behind
 *         c.setReadOnly(true);
 *         c.createStatement().executeQuery("SELECT count(*) FROM t");
 *     }
 *     int n = ds.transaction(c -> c.createStatement().executeUpdate("UPDATE t SET x = x + 1")); // re-run if rolled back by a failover
 * }
 * }</pre>
 *
 * <p>Errors: {@link HavenWriteOutcomeUnknownException} when a write's outcome is unknown,
 * {@link HavenTransactionRolledBackException} when a transaction was lost with its connection,
 * {@link HavenUnavailableException} when no server can take the request. All are {@link SQLException}s
 * with SQLState class 08.
 */
public final class HavenDataSource implements DataSource, Closeable {

    private final RoutingDataSource routing;

    private HavenDataSource(JdbcSettings settings) {
        this.routing = new RoutingDataSource(settings);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A connection that binds to the writer or a replica at its first statement. Waits up to
     * {@code haven.jdbc.writer-wait} for a writer during a failover.
     */
    @Override
    public Connection getConnection() throws SQLException {
        return routing.getConnection();
    }

    /** Not supported: pools are per credentials, given to the builder. */
    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException(
                "HavenDataSource uses the credentials given to its builder; getConnection(user, password) is not supported");
    }

    /**
     * Runs {@code work} in one transaction on the writer and commits it. If the transaction is rolled
     * back by a failover, a lost connection, a serialization failure or a deadlock, it is run again from
     * the start on a fresh connection, up to {@code haven.jdbc.transaction.max-attempts} times with
     * jittered backoff. A commit whose outcome is unknown is never repeated: it surfaces as
     * {@link HavenWriteOutcomeUnknownException}.
     *
     * @param work a unit of work that is safe to repeat from its start
     */
    public <T> T transaction(SqlWork<T> work) throws SQLException {
        return routing.transaction(work);
    }

    /** The current topology snapshot. */
    public Topology topology() {
        return routing.topology();
    }

    public void addListener(HavenEventListener listener) {
        routing.events().add(listener);
    }

    public void removeListener(HavenEventListener listener) {
        routing.events().remove(listener);
    }

    /**
     * Closes every pool and every thread this data source started, and releases the cluster's topology monitor (shared
     * with the other data sources on the cluster in this JVM; it stops with the last of them).
     */
    @Override
    public void close() {
        routing.close();
    }

    public boolean isClosed() {
        return routing.isClosed();
    }

    @Override
    public PrintWriter getLogWriter() {
        return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        // Haven logs through SLF4J.
    }

    @Override
    public void setLoginTimeout(int seconds) {
        // Acquisition is bounded by haven.jdbc.writer-wait and the pools' connectionTimeout.
    }

    @Override
    public int getLoginTimeout() {
        return (int) routing.settings().writerWait().toSeconds();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException("Haven logs through SLF4J");
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        throw new SQLException("HavenDataSource does not wrap " + iface.getName());
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }

    @Override
    public String toString() {
        return routing.settings().toString();
    }

    /**
     * Builds a {@link HavenDataSource}; every setting is validated by {@link #build()}, which fails with a
     * message naming the property, the rule and the value. Property names (for {@link #properties}) are
     * given on each method.
     */
    public static final class Builder {

        static final String P = "haven.jdbc.";
        private static final Set<String> KNOWN = new TreeSet<>(List.of(
                "url", "username", "password", "cluster-name", "lag-bound", "read-fallback", "region", "zone",
                "probe-interval", "fast-probe-interval", "probe-timeout", "statement-deadline", "writer-wait",
                "retry.max-attempts", "retry.base-backoff", "retry.max-backoff", "retry.budget-ratio",
                "retry.budget-reserve-per-second", "transaction.max-attempts"));
        private static final Set<String> POOL_FORBIDDEN = Set.of("jdbcurl", "username", "password",
                "datasourceclassname", "datasource", "poolname");

        private String url;
        private String username;
        private String password;
        private String clusterName = "haven";
        private Duration lagBound = Duration.ofSeconds(1);
        private String readFallback = "writer";
        private String region = "";
        private String zone = "";
        private final Map<String, String[]> locations = new LinkedHashMap<>();
        private Duration probeInterval = Duration.ofSeconds(1);
        private Duration fastProbeInterval = Duration.ofMillis(100);
        private Duration probeTimeout = Duration.ofMillis(500);
        private Duration statementDeadline = Duration.ofSeconds(30);
        private Duration writerWait = Duration.ofSeconds(5);
        private int retryMaxAttempts = 3;
        private Duration retryBaseBackoff = Duration.ofMillis(10);
        private Duration retryMaxBackoff = Duration.ofMillis(500);
        private double retryBudgetRatio = 0.1;
        private int retryBudgetReserve = 10;
        private int transactionMaxAttempts = 3;
        private final Properties pool = new Properties();
        private final List<HavenEventListener> listeners = new ArrayList<>();
        private TopologyProvider topologyProvider;
        private Ticker ticker = Ticker.system();
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /**
         * Reads {@code haven.jdbc.*} properties; {@code haven.jdbc.pool.<hikari-property>} go to every
         * per-server HikariCP pool and {@code haven.jdbc.endpoint.<host:port>.region|zone} label servers.
         * An unknown {@code haven.jdbc.*} key fails, so a typo never silently falls back to a default.
         */
        public Builder properties(Properties props) {
            for (String key : props.stringPropertyNames()) {
                if (!key.startsWith(P)) {
                    continue;
                }
                String name = key.substring(P.length());
                String value = props.getProperty(key);
                if (name.startsWith("pool.")) {
                    poolProperty(name.substring(5), value);
                } else if (name.startsWith("endpoint.")) {
                    String rest = name.substring("endpoint.".length());
                    int dot = rest.lastIndexOf('.');
                    String id = dot < 0 ? "" : rest.substring(0, dot);
                    String field = dot < 0 ? rest : rest.substring(dot + 1);
                    String[] loc = locations.computeIfAbsent(id, k -> new String[] {"", ""});
                    switch (field) {
                        case "region" -> loc[0] = value;
                        case "zone" -> loc[1] = value;
                        default -> throw new IllegalArgumentException(key + " is unknown: expected "
                                + P + "endpoint.<host:port>.region or .zone");
                    }
                } else {
                    set(name, value);
                }
            }
            return this;
        }

        private void set(String name, String v) {
            switch (name) {
                case "url" -> url(v);
                case "username" -> username(v);
                case "password" -> password(v);
                case "cluster-name" -> clusterName(v);
                case "lag-bound" -> lagBound(Durations.parse(P + name, v));
                case "read-fallback" -> readFallback = v.trim().toLowerCase(Locale.ROOT);
                case "region" -> region = v.trim();
                case "zone" -> zone = v.trim();
                case "probe-interval" -> probeInterval(Durations.parse(P + name, v));
                case "fast-probe-interval" -> fastProbeInterval(Durations.parse(P + name, v));
                case "probe-timeout" -> probeTimeout(Durations.parse(P + name, v));
                case "statement-deadline" -> statementDeadline(Durations.parse(P + name, v));
                case "writer-wait" -> writerWait(Durations.parse(P + name, v));
                case "retry.max-attempts" -> retryMaxAttempts = ConfigRules.parseInt(P + name, v);
                case "retry.base-backoff" -> retryBaseBackoff = Durations.parse(P + name, v);
                case "retry.max-backoff" -> retryMaxBackoff = Durations.parse(P + name, v);
                case "retry.budget-ratio" -> retryBudgetRatio = ConfigRules.parseDouble(P + name, v);
                case "retry.budget-reserve-per-second" -> retryBudgetReserve = ConfigRules.parseInt(P + name, v);
                case "transaction.max-attempts" -> transactionMaxAttempts = ConfigRules.parseInt(P + name, v);
                default -> throw new IllegalArgumentException(P + name + " is not a Haven JDBC setting: known are "
                        + KNOWN + ", pool.<hikari-property>, endpoint.<host:port>.region|zone");
            }
        }

        /** {@code haven.jdbc.url}: {@code jdbc:postgresql://host1:port1,host2:port2/db?params}, the seed servers. */
        public Builder url(String url) {
            this.url = url;
            return this;
        }

        /** {@code haven.jdbc.username}. */
        public Builder username(String username) {
            this.username = username;
            return this;
        }

        /** {@code haven.jdbc.password}: never logged, never in an exception message. */
        public Builder password(String password) {
            this.password = password;
            return this;
        }

        /** {@code haven.jdbc.cluster-name}: names events, metrics, pools and threads (default {@code haven}). */
        public Builder clusterName(String name) {
            this.clusterName = name;
            return this;
        }

        /** {@code haven.jdbc.lag-bound}: staleness allowed to read-only connections by default (default 1s). */
        public Builder lagBound(Duration bound) {
            this.lagBound = bound;
            return this;
        }

        /**
         * {@code haven.jdbc.read-fallback}: {@code true} ({@code writer}, default) sends reads to the writer
         * when no replica qualifies; {@code false} ({@code fail}) fails them with {@link HavenUnavailableException}.
         */
        public Builder readFallbackToWriter(boolean fallback) {
            this.readFallback = fallback ? "writer" : "fail";
            return this;
        }

        /** {@code haven.jdbc.region} / {@code haven.jdbc.zone}: where this application runs; reads stay in its zone when they can. */
        public Builder localZone(String region, String zone) {
            this.region = region == null ? "" : region;
            this.zone = zone == null ? "" : zone;
            return this;
        }

        /** {@code haven.jdbc.endpoint.<host:port>.region|zone}: labels a server. */
        public Builder endpointLocation(String hostPort, String region, String zone) {
            locations.put(hostPort, new String[] {region == null ? "" : region, zone == null ? "" : zone});
            return this;
        }

        /** {@code haven.jdbc.probe-interval}: topology probe interval when all is well (default 1s). */
        public Builder probeInterval(Duration d) {
            this.probeInterval = d;
            return this;
        }

        /** {@code haven.jdbc.fast-probe-interval}: probe interval during a failover or after an error (default 100ms). */
        public Builder fastProbeInterval(Duration d) {
            this.fastProbeInterval = d;
            return this;
        }

        /** {@code haven.jdbc.probe-timeout}: a server that does not answer a probe within this is down (default 500ms). */
        public Builder probeTimeout(Duration d) {
            this.probeTimeout = d;
            return this;
        }

        /**
         * {@code haven.jdbc.statement-deadline}: no statement blocks its thread longer than this, including
         * retries (default 30s). Enforced with the driver's network timeout, and earlier by aborting the
         * connections of a server the monitor declares down.
         */
        public Builder statementDeadline(Duration d) {
            this.statementDeadline = d;
            return this;
        }

        /** {@code haven.jdbc.writer-wait}: how long write work waits for a writer during a failover (default 5s). */
        public Builder writerWait(Duration d) {
            this.writerWait = d;
            return this;
        }

        /** {@code haven.jdbc.retry.*}: attempts of a read (first included), full-jitter backoff range. */
        public Builder retry(int maxAttempts, Duration baseBackoff, Duration maxBackoff) {
            this.retryMaxAttempts = maxAttempts;
            this.retryBaseBackoff = baseBackoff;
            this.retryMaxBackoff = maxBackoff;
            return this;
        }

        /** {@code haven.jdbc.retry.budget-ratio} / {@code budget-reserve-per-second}: retries allowed as a share of traffic. */
        public Builder retryBudget(double ratio, int reservePerSecond) {
            this.retryBudgetRatio = ratio;
            this.retryBudgetReserve = reservePerSecond;
            return this;
        }

        /** {@code haven.jdbc.transaction.max-attempts}: runs of {@link HavenDataSource#transaction} (default 3). */
        public Builder transactionMaxAttempts(int attempts) {
            this.transactionMaxAttempts = attempts;
            return this;
        }

        /** {@code haven.jdbc.pool.<name>}: a HikariCP property (e.g. {@code maximumPoolSize}) for every per-server pool. */
        public Builder poolProperty(String name, String value) {
            if (POOL_FORBIDDEN.contains(name.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException(P + "pool." + name
                        + " is set by Haven per server and cannot be given: use haven.jdbc.url/username/password/cluster-name");
            }
            pool.setProperty(name, value);
            return this;
        }

        public Builder listener(HavenEventListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * Replaces the built-in PostgreSQL streaming-replication discovery with another source of roles and
         * positions (Patroni's REST API, a service registry, a fixed layout for tests). Haven closes it.
         * The per-server pools still connect with {@code haven.jdbc.url}'s parameters; give
         * {@code haven.jdbc.pool.driverClassName} to use another driver per server (for example the AWS
         * Advanced JDBC Wrapper for IAM authentication).
         */
        public Builder topologyProvider(TopologyProvider provider) {
            this.topologyProvider = Objects.requireNonNull(provider, "provider");
            return this;
        }

        /** For tests: the monotonic time source. */
        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /** For tests: the wall clock of event timestamps. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Validates every setting, starts the topology monitor (its first probe round runs before this
         * returns, so routing works at once) or joins the one another data source on the same cluster runs in this
         * JVM, and one pool per server.
         *
         * @throws IllegalArgumentException naming the property, the rule and the value; also when the cluster is
         *         already monitored in this JVM with other {@code probe-interval}, {@code fast-probe-interval},
         *         {@code probe-timeout} or {@code endpoint.*} settings
         */
        public HavenDataSource build() {
            JdbcUrl parsed = JdbcUrl.parse(P + "url", url);
            ConfigRules.requireText(P + "cluster-name", clusterName, "[A-Za-z0-9._-]{1,64}");
            ConfigRules.positive(P + "lag-bound", lagBound);
            boolean fallback = switch (readFallback) {
                case "writer", "true" -> true;
                case "fail", "false" -> false;
                default -> throw new IllegalArgumentException(P + "read-fallback must be 'writer' or 'fail': was " + readFallback);
            };
            ConfigRules.positive(P + "probe-interval", probeInterval);
            ConfigRules.atLeast(P + "probe-interval", probeInterval, Duration.ofMillis(50));
            ConfigRules.positive(P + "fast-probe-interval", fastProbeInterval);
            ConfigRules.atLeast(P + "fast-probe-interval", fastProbeInterval, Duration.ofMillis(10));
            if (fastProbeInterval.compareTo(probeInterval) > 0) {
                throw new IllegalArgumentException(P + "fast-probe-interval must be <= " + P + "probe-interval ("
                        + Durations.format(probeInterval) + "): was " + Durations.format(fastProbeInterval));
            }
            ConfigRules.positive(P + "probe-timeout", probeTimeout);
            ConfigRules.atLeast(P + "probe-timeout", probeTimeout, Duration.ofMillis(50));
            ConfigRules.positive(P + "statement-deadline", statementDeadline);
            ConfigRules.atLeast(P + "statement-deadline", statementDeadline, Duration.ofMillis(100));
            if (statementDeadline.toMillis() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(P + "statement-deadline must be <= 24d: was " + statementDeadline);
            }
            if (writerWait.isNegative()) {
                throw new IllegalArgumentException(P + "writer-wait must be >= 0: was " + Durations.format(writerWait));
            }
            if (retryMaxAttempts < 1 || retryMaxAttempts > 10) {
                throw new IllegalArgumentException(P + "retry.max-attempts must be in 1..10: was " + retryMaxAttempts);
            }
            ConfigRules.positive(P + "retry.base-backoff", retryBaseBackoff);
            if (retryMaxBackoff.compareTo(retryBaseBackoff) < 0) {
                throw new IllegalArgumentException(P + "retry.max-backoff must be >= " + P + "retry.base-backoff ("
                        + Durations.format(retryBaseBackoff) + "): was " + Durations.format(retryMaxBackoff));
            }
            if (!(retryBudgetRatio >= 0 && retryBudgetRatio <= 1)) {
                throw new IllegalArgumentException(P + "retry.budget-ratio must be in [0, 1]: was " + retryBudgetRatio);
            }
            if (retryBudgetReserve < 0) {
                throw new IllegalArgumentException(P + "retry.budget-reserve-per-second must be >= 0: was " + retryBudgetReserve);
            }
            if (transactionMaxAttempts < 1 || transactionMaxAttempts > 20) {
                throw new IllegalArgumentException(P + "transaction.max-attempts must be in 1..20: was " + transactionMaxAttempts);
            }
            for (String id : locations.keySet()) {
                if (!id.matches("[^:\\s]+:\\d{1,5}")) {
                    throw new IllegalArgumentException(P + "endpoint.<host:port> must name a server as host:port: was '" + id + "'");
                }
            }
            try {
                new com.zaxxer.hikari.HikariConfig((Properties) pool.clone());
            } catch (RuntimeException ex) {
                throw new IllegalArgumentException("haven.jdbc.pool.* contains a property HikariCP rejects: "
                        + ex.getMessage(), ex);
            }
            JdbcSettings s = new JdbcSettings(clusterName, parsed, username, password, lagBound, fallback, region, zone,
                    Map.copyOf(locations), probeInterval, fastProbeInterval, probeTimeout, statementDeadline, writerWait,
                    retryMaxAttempts, retryBaseBackoff, retryMaxBackoff, retryBudgetRatio, retryBudgetReserve,
                    transactionMaxAttempts, (Properties) pool.clone(), List.copyOf(listeners), topologyProvider, ticker, clock);
            return new HavenDataSource(s);
        }

    }

    /** Endpoint lookup for tests and tools. */
    public List<Endpoint> endpoints() {
        return topology().endpoints();
    }
}
