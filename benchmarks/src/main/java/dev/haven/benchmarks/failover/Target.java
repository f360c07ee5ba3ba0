package dev.haven.benchmarks.failover;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.haven.Consistency;
import dev.haven.jdbc.HavenDataSource;
import dev.haven.testkit.PostgresCluster;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * One system under test: how the workload writes and reads through it. Both are given the same per-operation bound
 * ({@link #OPERATION_BOUND}) and the same connection-acquisition timeout, so what differs is routing and failure
 * handling, not timeouts.
 */
interface Target extends AutoCloseable {

    /** No statement waits longer for its server: Haven's deadline, pgjdbc's socketTimeout. */
    Duration OPERATION_BOUND = Duration.ofSeconds(5);

    /** HikariCP's connectionTimeout for both (Haven's per-server pools default to it). */
    long CONNECTION_TIMEOUT_MS = 2000;

    String INSERT = "INSERT INTO events (writer, seq) VALUES (?, ?)";
    String SELECT = "SELECT coalesce(max(seq), 0) FROM events WHERE writer = ?";

    String name();

    /** A one-line description of the configuration, for the report. */
    String config();

    void write(int writer, long seq) throws SQLException;

    /** The highest sequence number of {@code writer} the read saw. */
    long read(int writer) throws SQLException;

    @Override
    void close();

    static Target of(String system, PostgresCluster cluster, Duration stalenessBound) {
        return switch (system) {
            case "haven" -> new Haven(cluster, stalenessBound);
            case "peer" -> new Peer(cluster);
            default -> throw new IllegalArgumentException("system: haven or peer: was '" + system + "'");
        };
    }

    private static void insert(Connection c, int writer, long seq) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT)) {
            ps.setInt(1, writer);
            ps.setLong(2, seq);
            ps.executeUpdate();
        }
    }

    private static long select(Connection c, int writer) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SELECT)) {
            ps.setInt(1, writer);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /**
     * {@link HavenDataSource} over the cluster's multi-host URL; reads are read-only connections, bounded staleness.
     * For a diagnosis only, {@code -Dfailover.haven.eventual=true} makes them {@link Consistency#EVENTUAL} (any
     * replica, however stale); the committed figures never use it.
     */
    final class Haven implements Target {
        private static final boolean EVENTUAL = Boolean.getBoolean("failover.haven.eventual");
        private final HavenDataSource ds;
        private final Duration bound;

        Haven(PostgresCluster cluster, Duration bound) {
            this.bound = bound;
            this.ds = HavenDataSource.builder().url(cluster.jdbcUrl()).username(cluster.user()).password(cluster.password())
                    .clusterName("failover-harness").deadline(OPERATION_BOUND)
                    .defaultConsistency(EVENTUAL ? Consistency.EVENTUAL : Consistency.boundedStaleness(bound))
                    .poolProperty("connectionTimeout", Long.toString(CONNECTION_TIMEOUT_MS)).build();
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
                while (ds.topology().writer().isEmpty() || ds.topology().readers().size() < cluster.replicas().size()) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("Haven did not see the writer and " + cluster.replicas().size()
                                + " replicas within 15 s: " + ds.topology());
                    }
                    TimeUnit.MILLISECONDS.sleep(20);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                ds.close();
                throw new IllegalStateException("interrupted", e);
            } catch (RuntimeException e) {
                ds.close();
                throw e;
            }
        }

        @Override
        public String name() {
            return "haven";
        }

        @Override
        public String config() {
            return "HavenDataSource over the multi-host URL, deadline " + OPERATION_BOUND.toSeconds()
                    + " s, defaultConsistency " + (EVENTUAL ? "EVENTUAL (diagnostic run)" : "boundedStaleness(" + bound.toMillis() + " ms)")
                    + ", pool connectionTimeout "
                    + CONNECTION_TIMEOUT_MS + " ms, everything else default (writer-wait 5 s, probe-interval 1 s)";
        }

        @Override
        public void write(int writer, long seq) throws SQLException {
            try (Connection c = ds.getConnection()) {
                insert(c, writer, seq);
            }
        }

        @Override
        public long read(int writer) throws SQLException {
            try (Connection c = ds.getConnection()) {
                c.setReadOnly(true);
                return select(c, writer);
            }
        }

        @Override
        public void close() {
            ds.close();
        }
    }

    /**
     * What users pick without Haven: two HikariCP pools over pgjdbc multi-host URLs, {@code targetServerType=primary}
     * for writes and {@code targetServerType=preferSecondary&loadBalanceHosts=true} for reads.
     */
    final class Peer implements Target {
        /**
         * For a diagnosis only: HikariCP properties given as {@code -Dfailover.peer.hikari.<property>=<value>} (e.g.
         * {@code validationTimeout}) apply to both pools; the committed figures never use them.
         */
        static final java.util.Properties OVERRIDES = overrides();

        static final String PARAMS = "socketTimeout=" + OPERATION_BOUND.toSeconds() + "&connectTimeout="
                + TimeUnit.MILLISECONDS.toSeconds(CONNECTION_TIMEOUT_MS);
        private final HikariDataSource writes;
        private final HikariDataSource reads;

        Peer(PostgresCluster cluster) {
            String hosts = "jdbc:postgresql://" + cluster.nodes().stream().map(n -> n.host() + ":" + n.port())
                    .collect(Collectors.joining(",")) + "/" + cluster.database();
            writes = pool("peer-writes", hosts + "?targetServerType=primary&" + PARAMS, cluster);
            try {
                reads = pool("peer-reads", hosts + "?targetServerType=preferSecondary&loadBalanceHosts=true&" + PARAMS, cluster);
            } catch (RuntimeException e) {
                writes.close();
                throw e;
            }
        }

        private static HikariDataSource pool(String name, String url, PostgresCluster cluster) {
            HikariConfig c = new HikariConfig(OVERRIDES);
            c.setPoolName(name);
            c.setJdbcUrl(url);
            c.setUsername(cluster.user());
            c.setPassword(cluster.password());
            c.setConnectionTimeout(CONNECTION_TIMEOUT_MS);
            if (!OVERRIDES.containsKey("maximumPoolSize")) {
                c.setMaximumPoolSize(10);
            }
            return new HikariDataSource(c); // fails fast if the pool cannot open its first connection
        }

        private static java.util.Properties overrides() {
            java.util.Properties p = new java.util.Properties();
            String prefix = "failover.peer.hikari.";
            System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith(prefix))
                    .forEach(k -> p.setProperty(k.substring(prefix.length()), System.getProperty(k)));
            return p;
        }

        @Override
        public String name() {
            return "peer";
        }

        @Override
        public String config() {
            return "HikariCP (maximumPoolSize 10, connectionTimeout " + CONNECTION_TIMEOUT_MS
                    + " ms) + pgjdbc multi-host URLs: writes targetServerType=primary, reads "
                    + "targetServerType=preferSecondary&loadBalanceHosts=true; both " + PARAMS
                    + " (pgjdbc defaults otherwise: hostRecheckSeconds 10)"
                    + (OVERRIDES.isEmpty() ? "" : "; diagnostic HikariCP overrides " + OVERRIDES);
        }

        @Override
        public void write(int writer, long seq) throws SQLException {
            try (Connection c = writes.getConnection()) {
                insert(c, writer, seq);
            }
        }

        @Override
        public long read(int writer) throws SQLException {
            try (Connection c = reads.getConnection()) {
                return select(c, writer);
            }
        }

        @Override
        public void close() {
            try {
                reads.close();
            } finally {
                writes.close();
            }
        }
    }
}
