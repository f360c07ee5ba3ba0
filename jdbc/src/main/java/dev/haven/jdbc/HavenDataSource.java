package dev.haven.jdbc;

import dev.haven.Consistency;
import dev.haven.Endpoint;
import dev.haven.Topology;
import dev.haven.event.HavenEventListener;
import dev.haven.jdbc.internal.AuroraGlobalPostgresTopologyProvider;
import dev.haven.jdbc.internal.AuroraPostgresTopologyProvider;
import dev.haven.jdbc.internal.JdbcSettings;
import dev.haven.jdbc.internal.JdbcUrl;
import dev.haven.jdbc.internal.RoutingDataSource;
import dev.haven.spi.TopologyProvider;
import java.io.Closeable;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A {@link DataSource} over a replicated PostgreSQL, MySQL or MariaDB cluster that sends writes to the current primary and
 * reads to the nearest replica within a lag bound, follows failovers within about a second, and
 * retries where that is safe. One HikariCP pool per server underneath; a drop-in wherever a
 * {@code DataSource} is expected (Spring, jOOQ, Hibernate).
 *
 * <p>Routing happens when a connection runs its first statement: connections marked
 * {@link Connection#setReadOnly(boolean) read-only} (what Spring's {@code @Transactional(readOnly = true)}
 * does) go to a replica that satisfies the connection's {@link Consistency} (by default
 * {@code haven.jdbc.default-consistency}, {@code boundedStaleness(1s)}), all others to the writer.
 *
 * <pre>{@code
 * try (HavenDataSource ds = HavenDataSource.builder()
 *         .url("jdbc:postgresql://db-1:5432,db-2:5432,db-3:5432/app")
 *         .username("app")
 *         .password(System.getenv("DB_PASSWORD"))
 *         .defaultConsistency(Consistency.boundedStaleness(Duration.ofSeconds(1)))
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
    private final java.util.function.BooleanSupplier readOnlyWhen;
    private final java.util.function.Consumer<? super HavenConnection> connectionInitializer;

    private HavenDataSource(JdbcSettings settings, java.util.function.BooleanSupplier readOnlyWhen,
            java.util.function.Consumer<? super HavenConnection> connectionInitializer) {
        this.routing = new RoutingDataSource(settings);
        this.readOnlyWhen = readOnlyWhen;
        this.connectionInitializer = connectionInitializer;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A connection that binds to the writer or a replica at its first statement. Waits up to
     * {@code haven.jdbc.writer-wait} for a writer during a failover. It starts read-only when the builder's
     * {@link Builder#readOnlyWhen readOnlyWhen} condition holds at this call, and has been handed to the builder's
     * {@link Builder#connectionInitializer connectionInitializer}.
     */
    @Override
    public Connection getConnection() throws SQLException {
        Connection c = routing.getConnection();
        if (readOnlyWhen != null && readOnlyWhen.getAsBoolean()) {
            c.setReadOnly(true); // nothing is bound yet: no I/O, the first statement routes as a read
        }
        if (connectionInitializer != null) {
            try {
                connectionInitializer.accept((HavenConnection) c);
            } catch (RuntimeException e) {
                c.close();
                throw e;
            }
        }
        return c;
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
     * jittered backoff ({@code retry.*-backoff}); every rerun takes a token from the retry budget like any retry, so
     * that a storm of failing transactions does not multiply the load. A commit whose outcome is unknown is never
     * repeated: it surfaces as
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

    /**
     * How far each replica's data is behind the writer, as last measured by the topology monitor (the figure bounded
     * staleness reads are judged on), by endpoint id ({@code host:port}); a replica that is down or not measured yet is
     * absent. Read from the monitor's snapshot: no I/O, never waits, for health checks and dashboards.
     */
    public Map<String, Duration> replicaStaleness() {
        return routing.replicaStaleness();
    }

    /**
     * Each server's circuit breaker, by endpoint id: {@code closed} (in routing), {@code open} (kept out of routing
     * until {@code breaker.wait-in-open} has passed), {@code half-open} (trial calls). Read from the monitor's snapshot:
     * no I/O, never waits, for health checks and dashboards.
     */
    public Map<String, String> breakerStates() {
        return routing.breakerStates();
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
     * The settings this data source was built with: every {@link JdbcKeys} value (given or default). Start another
     * data source from them with {@code HavenDataSource.builder().settings(ds.settings())}.
     */
    public dev.haven.config.Settings settings() {
        return routing.settings().keys();
    }

    /**
     * Builds a {@link HavenDataSource}. Each method sets one {@link JdbcKeys} key (named on the method) and checks
     * its rule at once; {@link #build()} checks the rules between keys. Every message names the property, the rule and
     * the value ({@code haven.jdbc.probe-timeout must be >= 50ms: was 10ms}).
     */
    public static final class Builder extends dev.haven.config.ReplicatedStoreBuilder<Builder>
            implements dev.haven.config.RetryBackoffBuilder<Builder> {

        private static final Set<String> POOL_FORBIDDEN = Set.of("jdbcurl", "username", "password",
                "datasourceclassname", "datasource", "poolname");

        private final Properties pool = new Properties();
        private TopologyProvider topologyProvider;
        private Object awsCredentials; // an AwsCredentialsProvider; Object so that no SDK class is needed without it
        private java.util.function.BooleanSupplier readOnlyWhen;
        private java.util.function.Consumer<? super HavenConnection> connectionInitializer;

        private Builder() {
            super(JdbcKeys.SPEC);
        }

        @Override
        protected void family(dev.haven.config.SettingsSpec.Family family, String rest, String value, String key) {
            if (family == JdbcKeys.POOL) {
                poolProperty(rest, value);
                return;
            }
            endpointLocationKey(rest, value, key);
        }

        /**
         * {@code haven.jdbc.url}: {@code jdbc:postgresql://host1:port1,host2:port2/db?params} (or {@code jdbc:mariadb://},
         * {@code jdbc:mysql://}, with MariaDB or MySQL Connector/J on the class path), the seed servers.
         */
        public Builder url(String url) {
            return set(JdbcKeys.URL, url);
        }

        /**
         * {@code haven.jdbc.provider}: the kind of database and deployment ({@link JdbcProvider}); {@code AUTO} (the
         * default) detects it at the first contact and logs what it chose.
         */
        public Builder provider(JdbcProvider provider) {
            return set(JdbcKeys.PROVIDER, Objects.requireNonNull(provider, "haven.jdbc.provider"));
        }

        /**
         * {@code haven.jdbc.aurora.instance-host-pattern}: an Aurora instance's host name with {@code ?} for its instance
         * identifier (the AWS JDBC wrapper's {@code clusterInstanceHostPattern}); derived from an RDS endpoint in the URL
         * when not given.
         */
        public Builder auroraInstanceHostPattern(String pattern) {
            return set(JdbcKeys.AURORA_INSTANCE_HOST_PATTERN, pattern);
        }

        /**
         * Adds to {@code haven.jdbc.aurora.global-instance-host-patterns}: the instance host pattern of one region of an
         * Aurora Global Database ({@code ?} for the instance identifier).
         */
        public Builder auroraRegionHostPattern(String region, String pattern) {
            String entry = Objects.requireNonNull(region, "region") + "=" + Objects.requireNonNull(pattern, "pattern");
            String before = keys().get(JdbcKeys.AURORA_GLOBAL_INSTANCE_HOST_PATTERNS);
            return set(JdbcKeys.AURORA_GLOBAL_INSTANCE_HOST_PATTERNS, before.isEmpty() ? entry : before + "," + entry);
        }

        /**
         * {@code haven.jdbc.aurora.cross-region-reads}: whether reads of an Aurora Global Database may go to replicas
         * outside the home region ({@code local-region}) when none there qualifies (default false).
         */
        public Builder auroraCrossRegionReads(boolean allowed) {
            return set(JdbcKeys.AURORA_CROSS_REGION_READS, allowed);
        }

        /**
         * {@code haven.jdbc.session-wait}: how long a {@code SESSION} read waits for a replica to replay the session's
         * last write before it goes to the writer (default 0: at once). A little (a fast probe interval or two) moves
         * reads that follow their write closely from the writer to replicas.
         */
        public Builder sessionWait(Duration wait) {
            return set(JdbcKeys.SESSION_WAIT, wait);
        }

        /**
         * {@code haven.jdbc.auth}: how new connections log in ({@link JdbcAuthentication}): the password, an RDS IAM
         * token per server, or a Secrets Manager secret fetched again when a login is refused.
         */
        public Builder auth(JdbcAuthentication auth) {
            return set(JdbcKeys.AUTH, Objects.requireNonNull(auth, "haven.jdbc.auth"));
        }

        /** {@code haven.jdbc.auth.region}: the AWS region for IAM tokens and the secret (default: from an RDS URL). */
        public Builder authRegion(String region) {
            return set(JdbcKeys.AUTH_REGION, region);
        }

        /** {@code haven.jdbc.auth.secret-id}: the Secrets Manager secret of {@code auth=secrets-manager}. */
        public Builder authSecretId(String secretId) {
            return set(JdbcKeys.AUTH_SECRET_ID, secretId);
        }

        /** {@code haven.jdbc.auth.secrets-manager-endpoint}: a Secrets Manager endpoint other than the region's. */
        public Builder authSecretsManagerEndpoint(String url) {
            return set(JdbcKeys.AUTH_SECRETS_MANAGER_ENDPOINT, url);
        }

        /** {@code haven.jdbc.auth.refresh}: IAM tokens made and the secret fetched anew after this (default 10m). */
        public Builder authRefresh(Duration refresh) {
            return set(JdbcKeys.AUTH_REFRESH, refresh);
        }

        /**
         * The AWS credentials that sign IAM tokens and read the secret, instead of the SDK's default chain
         * (environment, profile, container or instance role). The application keeps it and closes it.
         */
        public Builder awsCredentials(software.amazon.awssdk.auth.credentials.AwsCredentialsProvider credentials) {
            this.awsCredentials = Objects.requireNonNull(credentials, "credentials");
            return this;
        }

        /** {@code haven.jdbc.username}. */
        public Builder username(String username) {
            return set(JdbcKeys.USERNAME, username);
        }

        /** {@code haven.jdbc.password}: never logged, never in an exception message. */
        public Builder password(String password) {
            return set(JdbcKeys.PASSWORD, password);
        }

        /**
         * {@code haven.jdbc.deadline}: no statement blocks its thread longer than this, including retries (default 30s).
         * Enforced with the driver's network timeout, and earlier by aborting the connections of a server the monitor
         * declares down.
         */
        public Builder deadline(Duration d) {
            return set(JdbcKeys.DEADLINE, d);
        }

        /**
         * {@code haven.jdbc.deadline}.
         *
         * @deprecated use {@link #deadline(Duration)}, the name every store uses
         */
        @Deprecated
        public Builder statementDeadline(Duration d) {
            return deadline(d);
        }

        /** {@code haven.jdbc.transaction.max-attempts}: runs of {@link HavenDataSource#transaction} (default 3). */
        public Builder transactionMaxAttempts(int attempts) {
            return set(JdbcKeys.TRANSACTION_MAX_ATTEMPTS, attempts);
        }

        /** {@code haven.jdbc.pool.<name>}: a HikariCP property (e.g. {@code maximumPoolSize}) for every per-server pool. */
        public Builder poolProperty(String name, String value) {
            if (POOL_FORBIDDEN.contains(name.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException(JdbcKeys.SPEC.prefix() + "pool." + name
                        + " is set by Haven per server and cannot be given: use haven.jdbc.url/username/password/cluster-name");
            }
            pool.setProperty(name, value);
            return this;
        }

        /**
         * HikariCP's own meters for every per-server pool ({@code hikaricp.connections.*}, tagged
         * {@code pool=haven-<cluster>-<host:port>}): a Micrometer {@code MeterRegistry} or a Dropwizard
         * {@code MetricRegistry}, as {@code HikariConfig.setMetricRegistry} takes it. The Spring Boot starter sets the
         * context's registry.
         */
        public Builder poolMetricRegistry(Object registry) {
            pool.put("metricRegistry", Objects.requireNonNull(registry, "registry"));
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

        /**
         * Connections handed out while {@code condition} holds start read-only, as if {@code setReadOnly(true)} had been
         * called before their first statement (the application may still change it). For frameworks that know the
         * read-only intent of the work before the connection is asked for it, e.g. Spring's
         * {@code TransactionSynchronizationManager::isCurrentTransactionReadOnly}, so that a read-only transaction routes
         * to a replica even when the framework acquires the connection lazily and never calls {@code setReadOnly}.
         * Called once per {@link HavenDataSource#getConnection()}, on the caller's thread: it must be cheap.
         */
        public Builder readOnlyWhen(java.util.function.BooleanSupplier condition) {
            this.readOnlyWhen = Objects.requireNonNull(condition, "condition");
            return this;
        }

        /**
         * Every connection {@link HavenDataSource#getConnection()} hands out goes to {@code initializer} first, before
         * the caller's first statement (nothing is bound to a server yet, so {@link HavenConnection#consistency} and
         * {@link HavenConnection#session} may be set). For frameworks that carry a request's {@link dev.haven.HavenSession}
         * or consistency in a context of their own (the Spring Boot starter's {@code @HavenConsistency} and session
         * filter): called on the caller's thread, it must be cheap and run no statement. If it throws, the connection is
         * closed and the exception reaches the caller.
         *
         * <pre>{@code
         * HavenDataSource.builder().url(url)
         *         .connectionInitializer(c -> currentSession().ifPresent(c::session))
         *         .build();
         * }</pre>
         */
        public Builder connectionInitializer(java.util.function.Consumer<? super HavenConnection> initializer) {
            this.connectionInitializer = Objects.requireNonNull(initializer, "initializer");
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
            return new HavenDataSource(settings(), readOnlyWhen, connectionInitializer);
        }

        /** Validates the settings into the form the engine uses (no I/O); visible for tests. */
        JdbcSettings settings() {
            dev.haven.config.Settings values = checkedKeys();
            String p = JdbcKeys.SPEC.prefix();
            JdbcUrl parsed = topologyProvider == null ? JdbcUrl.parse(p + "url", values.get(JdbcKeys.URL))
                    : JdbcUrl.parseAny(p + "url", values.get(JdbcKeys.URL));
            JdbcProvider provider = values.get(JdbcKeys.PROVIDER);
            if (topologyProvider != null && provider != JdbcProvider.AUTO) {
                throw new IllegalArgumentException(p + "provider is ignored with a custom topologyProvider(...): was "
                        + JdbcKeys.PROVIDER.format(provider));
            }
            if (provider != JdbcProvider.AUTO && topologyProvider == null && mysqlProvider(provider) != parsed.dialect().mysqlFamily()) {
                throw new IllegalArgumentException(p + "provider=" + JdbcKeys.PROVIDER.format(provider) + " needs a "
                        + (mysqlProvider(provider) ? "jdbc:mariadb:// or jdbc:mysql://" : "jdbc:postgresql://") + " URL in " + p
                        + "url: was " + parsed.scheme() + "://");
            }
            if (topologyProvider == null) {
                try {
                    parsed.dialect().driver(parsed.forEndpoint(parsed.hosts().get(0)));
                } catch (SQLException e) {
                    throw new IllegalArgumentException(p + "url needs a JDBC driver: " + e.getMessage(), e);
                }
            }
            if (provider == JdbcProvider.AURORA_POSTGRES || provider == JdbcProvider.AURORA_MYSQL) {
                AuroraPostgresTopologyProvider.hostPattern(values.get(JdbcKeys.AURORA_INSTANCE_HOST_PATTERN), parsed.hosts(),
                        JdbcKeys.PROVIDER.format(provider));
            }
            if (values.get(JdbcKeys.LOCAL_REGION).isEmpty()) {
                // An RDS endpoint names its region: the application's home region unless told otherwise.
                String derived = AuroraGlobalPostgresTopologyProvider.regionOf(parsed.hosts());
                if (!derived.isEmpty()) {
                    values = values.toBuilder().set(JdbcKeys.LOCAL_REGION, derived).build();
                }
            }
            if (provider == JdbcProvider.AURORA_GLOBAL_POSTGRES) {
                if (values.get(JdbcKeys.LOCAL_REGION).isEmpty()) {
                    throw new IllegalArgumentException(p + "local-region is required with " + p + "provider=aurora-global-postgres "
                            + "when no URL host is an RDS endpoint naming the region: was not set");
                }
            }
            Map<String, String[]> locations = locations();
            for (String id : locations.keySet()) {
                if (!id.matches("[^:\\s]+:\\d{1,5}")) {
                    throw new IllegalArgumentException(p + "endpoint.<host:port> must name a server as host:port: was '" + id + "'");
                }
            }
            try {
                new com.zaxxer.hikari.HikariConfig((Properties) pool.clone());
            } catch (RuntimeException ex) {
                throw new IllegalArgumentException("haven.jdbc.pool.* contains a property HikariCP rejects: "
                        + ex.getMessage(), ex);
            }
            JdbcSettings checked = new JdbcSettings(values, parsed, Map.copyOf(locations), (Properties) pool.clone(),
                    listeners(), topologyProvider, ticker(), clock(), awsCredentials);
            dev.haven.jdbc.internal.ConnectionCredentials.check(checked);
            return checked;
        }
    }

    private static boolean mysqlProvider(JdbcProvider p) {
        return p == JdbcProvider.MYSQL || p == JdbcProvider.MARIADB || p == JdbcProvider.AURORA_MYSQL;
    }

    /**
     * The kind of database in use: the configured {@code haven.jdbc.provider}, or what {@code auto} detected at the
     * first contact ({@code AUTO} while no server has answered yet); {@code null} with a custom topology provider.
     */
    public JdbcProvider provider() {
        return routing.provider();
    }

    /** Endpoint lookup for tests and tools. */
    public List<Endpoint> endpoints() {
        return topology().endpoints();
    }
}
