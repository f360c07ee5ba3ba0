package dev.haven.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Replication, lag and proxy faults on one shared cluster (primary + 2 replicas), injected by the extension.
 * No test here changes the primary.
 */
@HavenPostgres(replicas = 2, perClass = true)
class ReplicationIT {

    @BeforeAll
    static void schema(PostgresCluster cluster) throws SQLException {
        System.out.printf("[ReplicationIT] startup %d ms, %s%n", cluster.startupTime().toMillis(), cluster.binarySource());
        try (Connection c = cluster.connect(cluster.primary()); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE items (id int PRIMARY KEY, v text)");
            s.execute("CREATE TABLE bulk (id int, payload text)");
        }
        cluster.awaitReplicated(Duration.ofSeconds(10));
    }

    @Test
    void writeOnPrimaryIsVisibleOnEveryReplicaThroughTheProxy(PostgresCluster cluster) throws SQLException {
        try (Connection c = open(cluster.primary().jdbcUrl(), cluster); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO items VALUES (1, 'written on primary')");
        }
        cluster.awaitReplicated(Duration.ofSeconds(10));

        assertThat(cluster.replicas()).hasSizeGreaterThanOrEqualTo(2);
        for (PgNode replica : cluster.replicas()) {
            try (Connection c = open(replica.jdbcUrl(), cluster)) {
                assertThat(queryString(c, "SELECT v FROM items WHERE id = 1")).isEqualTo("written on primary");
                assertThat(queryString(c, "SELECT pg_is_in_recovery()::text")).isEqualTo("true");
            }
        }
    }

    @Test
    void pausedReplayFallsBehindByMeasuredBytesAndCatchesUpAfterResume(PostgresCluster cluster) throws SQLException {
        cluster.awaitReplicated(Duration.ofSeconds(10));
        PgNode lagging = cluster.replicas().get(0);
        cluster.pauseReplay(lagging);
        try {
            try (Connection c = open(cluster.primary().jdbcUrl(), cluster); Statement s = c.createStatement()) {
                int rows = s.executeUpdate("INSERT INTO bulk SELECT g, repeat('x', 100) FROM generate_series(1, 5000) g");
                assertThat(rows).isEqualTo(5000); // the primary keeps accepting writes
            }
            long lag = cluster.lagBytes(lagging);
            System.out.printf("[ReplicationIT] lag of paused %s: %d bytes%n", lagging.name(), lag);
            assertThat(lag).isGreaterThan(300_000L);
            try (Connection c = cluster.connect(lagging)) {
                assertThat(queryString(c, "SELECT count(*) FROM bulk")).isEqualTo("0");
            }
            assertThatThrownBy(() -> cluster.awaitReplicated(Duration.ofMillis(500)))
                    .isInstanceOf(ClusterTimeoutException.class)
                    .hasMessageContaining(lagging.name())
                    .hasMessageContaining("bytes behind");
        } finally {
            cluster.resumeReplay(lagging);
        }
        long t0 = System.nanoTime();
        long lag;
        while ((lag = cluster.lagBytes(lagging)) > 0 && System.nanoTime() - t0 < Duration.ofSeconds(10).toNanos()) {
            pollPause();
        }
        long caughtUpMillis = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("[ReplicationIT] %s caught up in %d ms after resume%n", lagging.name(), caughtUpMillis);
        assertThat(lag).isZero();
        try (Connection c = cluster.connect(lagging)) {
            assertThat(queryString(c, "SELECT count(*) FROM bulk")).isEqualTo("5000");
        }
    }

    @Test
    void frozenProxyHangsQueriesUntilSocketTimeoutWhileDirectAddressAnswers(PostgresCluster cluster) throws SQLException {
        PgNode node = cluster.replicas().get(1);
        try (Connection viaProxy = open(node.jdbcUrl() + "?socketTimeout=1", cluster)) {
            assertThat(queryString(viaProxy, "SELECT 1")).isEqualTo("1");
            cluster.freeze(node);
            try {
                long t0 = System.nanoTime();
                assertThatThrownBy(() -> queryString(viaProxy, "SELECT 2")).isInstanceOf(SQLException.class);
                double elapsed = (System.nanoTime() - t0) / 1e9;
                System.out.printf("[ReplicationIT] frozen query failed after %.3f s%n", elapsed);
                assertThat(elapsed).isBetween(0.9, 3.0);

                long d0 = System.nanoTime();
                try (Connection direct = cluster.connect(node)) {
                    assertThat(queryString(direct, "SELECT 3")).isEqualTo("3");
                }
                assertThat((System.nanoTime() - d0) / 1e9).isLessThan(0.9);

                // New connections hang as well (accepted by the kernel, nothing forwarded).
                long n0 = System.nanoTime();
                assertThatThrownBy(() -> open(node.jdbcUrl() + "?connectTimeout=1&socketTimeout=1&loginTimeout=2", cluster).close())
                        .isInstanceOf(SQLException.class);
                double newConnElapsed = (System.nanoTime() - n0) / 1e9;
                System.out.printf("[ReplicationIT] new connection to frozen proxy failed after %.3f s%n", newConnElapsed);
                assertThat(newConnElapsed).isBetween(0.9, 4.0);
            } finally {
                cluster.unfreeze(node);
            }
        }
        try (Connection again = open(node.jdbcUrl() + "?socketTimeout=5", cluster)) {
            assertThat(queryString(again, "SELECT 4")).isEqualTo("4");
        }
    }

    @Test
    void latencyDelaysEveryRoundTripAndResetBreaksOpenConnections(PostgresCluster cluster) throws SQLException {
        PgNode node = cluster.primary();
        try (Connection c = open(node.jdbcUrl(), cluster)) {
            long baseline = medianRoundTripMillis(c);
            cluster.latency(node, Duration.ofMillis(200));
            long delayed;
            try {
                delayed = medianRoundTripMillis(c);
                List<Long> each = roundTripsMillis(c, 3);
                System.out.printf("[ReplicationIT] round trip %d ms without latency, %d ms with 200 ms (each %s)%n",
                        baseline, delayed, each);
                assertThat(each).allSatisfy(ms -> assertThat(ms).isBetween(200L, 1000L));
            } finally {
                cluster.latency(node, Duration.ZERO);
            }
            assertThat(baseline).isLessThan(100L);
            // data read after the change flows without delay
            queryString(c, "SELECT 1");
            assertThat(medianRoundTripMillis(c)).isLessThan(100L);
        }

        try (Connection victim = open(node.jdbcUrl(), cluster)) {
            assertThat(queryString(victim, "SELECT 1")).isEqualTo("1");
            cluster.reset(node);
            assertThatThrownBy(() -> queryString(victim, "SELECT 1"))
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).startsWith("08"));
        }
        try (Connection fresh = open(node.jdbcUrl(), cluster)) {
            assertThat(queryString(fresh, "SELECT 5")).isEqualTo("5");
        }
    }

    @Test
    void addedReplicaStreamsAndHasDataWrittenBeforeAndAfter(PostgresCluster cluster) throws SQLException {
        try (Connection c = open(cluster.primary().jdbcUrl(), cluster); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO items VALUES (100, 'before addReplica')");
        }
        int before = cluster.replicas().size();
        long t0 = System.nanoTime();
        PgNode added = cluster.addReplica();
        System.out.printf("[ReplicationIT] addReplica %s took %d ms%n", added.name(), (System.nanoTime() - t0) / 1_000_000);
        assertThat(cluster.replicas()).hasSize(before + 1).contains(added);
        try (Connection c = open(cluster.primary().jdbcUrl(), cluster); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO items VALUES (101, 'after addReplica')");
        }
        cluster.awaitReplicated(Duration.ofSeconds(10));
        try (Connection c = open(added.jdbcUrl(), cluster)) {
            assertThat(queryString(c, "SELECT string_agg(v, ',' ORDER BY id) FROM items WHERE id IN (100, 101)"))
                    .isEqualTo("before addReplica,after addReplica");
            assertThat(queryString(c, "SELECT pg_is_in_recovery()::text")).isEqualTo("true");
            assertThat(queryString(c, "SELECT status FROM pg_stat_wal_receiver")).isEqualTo("streaming");
        }
        try (Connection c = cluster.connect(cluster.primary())) {
            assertThat(queryString(c, "SELECT state FROM pg_stat_replication WHERE application_name = '" + added.host() + ":" + added.port() + "'"))
                    .isEqualTo("streaming");
        }
    }

    // ------------------------------------------------------------------------------------------------

    static Connection open(String url, PostgresCluster cluster) throws SQLException {
        return DriverManager.getConnection(url, cluster.user(), cluster.password());
    }

    static String queryString(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static List<Long> roundTripsMillis(Connection c, int n) throws SQLException {
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            queryString(c, "SELECT 1");
            out.add((System.nanoTime() - t0) / 1_000_000);
        }
        return out;
    }

    private static long medianRoundTripMillis(Connection c) throws SQLException {
        List<Long> rt = roundTripsMillis(c, 5);
        Collections.sort(rt);
        return rt.get(2);
    }

    static void pollPause() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
