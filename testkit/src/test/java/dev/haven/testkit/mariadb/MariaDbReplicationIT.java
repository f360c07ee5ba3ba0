package dev.haven.testkit.mariadb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Replication, lag and proxy faults on one shared cluster (primary + 2 GTID replicas), injected by the extension.
 * No test here changes the primary. Bounds are generous: the machine is a busy 2-core VM.
 */
@HavenMariaDb(replicas = 2, perClass = true)
class MariaDbReplicationIT {

    @BeforeAll
    static void schema(MariaDbCluster cluster) throws SQLException {
        System.out.printf("[MariaDbReplicationIT] startup %d ms, %s%n", cluster.startupTime().toMillis(), cluster.binarySource());
        try (Connection c = open(cluster.primary().jdbcUrl(), cluster, 5000); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE items (id INT PRIMARY KEY, v VARCHAR(100))");
            s.execute("CREATE TABLE bulk (id INT PRIMARY KEY)");
        }
        cluster.awaitReplicated(Duration.ofSeconds(30));
    }

    @Test
    void aRowWrittenOnThePrimaryAppearsOnEveryReplicaThroughItsProxyWithinTenSeconds(MariaDbCluster cluster) throws Exception {
        assertThat(cluster.primary().role()).isEqualTo(MariaDbNode.Role.PRIMARY);
        assertThat(cluster.replicas()).hasSize(2).allSatisfy(r -> assertThat(r.role()).isEqualTo(MariaDbNode.Role.REPLICA));
        long t0;
        try (Connection c = open(cluster.primary().jdbcUrl(), cluster, 5000); Statement s = c.createStatement()) {
            assertThat(s.executeUpdate("INSERT INTO items VALUES (1, 'written on primary')")).isEqualTo(1);
            t0 = System.nanoTime();
        }
        for (MariaDbNode replica : cluster.replicas()) {
            try (Connection c = open(replica.jdbcUrl(), cluster, 5000)) {
                String v = null;
                while (v == null && System.nanoTime() - t0 < Duration.ofSeconds(10).toNanos()) {
                    v = queryString(c, "SELECT v FROM items WHERE id = 1");
                    if (v == null) {
                        Thread.sleep(5);
                    }
                }
                long ms = (System.nanoTime() - t0) / 1_000_000;
                System.out.printf("[MariaDbReplicationIT] row visible on %s after %d ms%n", replica.name(), ms);
                assertThat(v).as("row on %s after %d ms", replica.name(), ms).isEqualTo("written on primary");
                assertThat(queryString(c, "SELECT @@read_only")).isEqualTo("1");
                assertThat(queryString(c, "SELECT @@gtid_strict_mode")).isEqualTo("1");
            }
        }
    }

    @Test
    void aReplicaRefusesTheApplicationsWritesWith1290(MariaDbCluster cluster) throws SQLException {
        MariaDbNode replica = cluster.replicas().get(1);
        try (Connection c = open(replica.jdbcUrl(), cluster, 5000); Statement s = c.createStatement()) {
            assertThatThrownBy(() -> s.executeUpdate("INSERT INTO items VALUES (99, 'on a replica')"))
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getErrorCode()).isEqualTo(1290));
        }
    }

    @Test
    void aPausedSqlThreadLeavesTheReplicaMeasurablyBehindUntilResumed(MariaDbCluster cluster) throws Exception {
        cluster.awaitReplicated(Duration.ofSeconds(30));
        MariaDbNode lagging = cluster.replicas().get(0);
        int writes = 200;
        cluster.pauseReplay(lagging);
        try {
            try (Connection c = open(cluster.primary().jdbcUrl(), cluster, 5000); Statement s = c.createStatement()) {
                for (int i = 0; i < writes; i++) {
                    s.executeUpdate("INSERT INTO bulk VALUES (" + i + ")"); // autocommit: one GTID each
                }
            }
            long lag = cluster.lagTransactions(lagging);
            String primaryPos = cluster.gtidBinlogPos(cluster.primary());
            String replicaPos = cluster.gtidSlavePos(lagging);
            System.out.printf("[MariaDbReplicationIT] paused %s: %d transactions behind (primary %s, replica %s)%n",
                    lagging.name(), lag, primaryPos, replicaPos);
            assertThat(lag).isGreaterThanOrEqualTo(writes);
            assertThat(sequence(primaryPos) - sequence(replicaPos)).isGreaterThanOrEqualTo(writes);
            try (Connection c = cluster.connect(lagging)) {
                assertThat(queryString(c, "SELECT count(*) FROM bulk")).isEqualTo("0");
            }
            assertThatThrownBy(() -> cluster.awaitReplicated(Duration.ofMillis(500)))
                    .isInstanceOf(MariaDbClusterException.class)
                    .hasMessageContaining(lagging.name())
                    .hasMessageContaining("transactions behind");
        } finally {
            cluster.resumeReplay(lagging);
        }
        long t0 = System.nanoTime();
        long lag;
        while ((lag = cluster.lagTransactions(lagging)) > 0 && System.nanoTime() - t0 < Duration.ofSeconds(30).toNanos()) {
            Thread.sleep(20);
        }
        System.out.printf("[MariaDbReplicationIT] %s caught up in %d ms after resume%n", lagging.name(),
                (System.nanoTime() - t0) / 1_000_000);
        assertThat(lag).isZero();
        try (Connection c = cluster.connect(lagging)) {
            assertThat(queryString(c, "SELECT count(*) FROM bulk")).isEqualTo(Integer.toString(writes));
        }
    }

    @Test
    void aFrozenProxyMakesConnectionAttemptsTimeOutAndServesAgainAfterUnfreeze(MariaDbCluster cluster) throws SQLException {
        MariaDbNode node = cluster.replicas().get(1);
        cluster.freeze(node);
        long t0 = System.nanoTime();
        try {
            assertThatThrownBy(() -> open(node.jdbcUrl(), cluster, 1000).close()).isInstanceOf(SQLException.class);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf("[MariaDbReplicationIT] connection attempt to frozen %s failed after %d ms%n", node.name(), ms);
            assertThat(ms).as("fails by the client's 1 s timeout, not at once and not never").isBetween(900L, 20_000L);
            try (Connection direct = cluster.connect(node)) { // the direct port is not frozen
                assertThat(queryString(direct, "SELECT 1")).isEqualTo("1");
            }
        } finally {
            cluster.unfreeze(node);
        }
        try (Connection c = open(node.jdbcUrl(), cluster, 5000)) {
            assertThat(queryString(c, "SELECT 1")).isEqualTo("1");
        }
    }

    @Test
    void aSuspendedServerHangsConnectionsAndCatchesUpAfterResume(MariaDbCluster cluster) throws Exception {
        MariaDbNode replica = cluster.replicas().get(1);
        cluster.awaitReplicated(Duration.ofSeconds(30));
        cluster.suspend(replica); // SIGSTOP
        try {
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> open(replica.jdbcUrl(), cluster, 1000).close()).isInstanceOf(SQLException.class);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf("[MariaDbReplicationIT] connection attempt to suspended %s failed after %d ms%n", replica.name(), ms);
            assertThat(ms).as("fails by the client's 1 s timeout").isBetween(900L, 20_000L);
            try (Connection c = open(cluster.primary().jdbcUrl(), cluster, 5000); Statement s = c.createStatement()) {
                for (int i = 1; i <= 10; i++) {
                    s.executeUpdate("INSERT INTO items VALUES (" + (2000 + i) + ", 'while suspended')");
                }
            }
            assertThat(cluster.lagTransactions(cluster.replicas().get(0))).isLessThan(10L); // only the suspended one stalls
        } finally {
            cluster.resume(replica); // SIGCONT
        }
        cluster.awaitReplicated(Duration.ofSeconds(30));
        try (Connection c = open(replica.jdbcUrl(), cluster, 5000)) {
            assertThat(queryString(c, "SELECT count(*) FROM items WHERE id > 2000 AND id <= 2010")).isEqualTo("10");
        }
    }

    @Test
    void latencyAtTheProxySlowsEveryRoundTrip(MariaDbCluster cluster) throws SQLException {
        MariaDbNode node = cluster.replicas().get(1);
        try (Connection c = open(node.jdbcUrl(), cluster, 5000)) {
            cluster.latency(node, Duration.ofMillis(300));
            try {
                long t0 = System.nanoTime();
                assertThat(queryString(c, "SELECT 1")).isEqualTo("1");
                long ms = (System.nanoTime() - t0) / 1_000_000;
                System.out.printf("[MariaDbReplicationIT] round trip with 300 ms latency: %d ms%n", ms);
                assertThat(ms).isGreaterThanOrEqualTo(280L);
            } finally {
                cluster.latency(node, Duration.ZERO);
            }
        }
    }

    @Test
    void aStoppedReplicaCatchesUpAfterRestart(MariaDbCluster cluster) throws Exception {
        MariaDbNode replica = cluster.replicas().get(1);
        cluster.stop(replica); // SIGTERM: clean shutdown
        assertThat(replica.isRunning()).isFalse();
        try (Connection c = open(cluster.primary().jdbcUrl(), cluster, 5000); Statement s = c.createStatement()) {
            for (int i = 1; i <= 20; i++) {
                s.executeUpdate("INSERT INTO items VALUES (" + (1000 + i) + ", 'while " + replica.name() + " was down')");
            }
        }
        long t0 = System.nanoTime();
        cluster.restart(replica);
        cluster.awaitReplicated(Duration.ofSeconds(30));
        System.out.printf("[MariaDbReplicationIT] %s restarted and caught up in %d ms%n", replica.name(),
                (System.nanoTime() - t0) / 1_000_000);
        try (Connection c = open(replica.jdbcUrl(), cluster, 5000)) {
            assertThat(queryString(c, "SELECT count(*) FROM items WHERE id BETWEEN 1001 AND 1020")).isEqualTo("20");
            assertThat(queryString(c, "SELECT @@read_only")).isEqualTo("1");
        }
        assertThat(cluster.lagTransactions(replica)).isZero();
    }

    @Test
    void resetClosesProxiedConnectionsAndNewOnesWork(MariaDbCluster cluster) throws Exception {
        MariaDbNode node = cluster.replicas().get(1);
        try (Connection c = open(node.jdbcUrl(), cluster, 5000)) {
            assertThat(queryString(c, "SELECT 1")).isEqualTo("1");
            cluster.reset(node);
            assertThatThrownBy(() -> queryString(c, "SELECT 1")).isInstanceOf(SQLException.class);
        }
        try (Connection c = open(node.jdbcUrl(), cluster, 5000)) {
            assertThat(queryString(c, "SELECT 1")).isEqualTo("1");
        }
    }

    private static long sequence(String gtidPos) {
        String last = gtidPos.substring(gtidPos.lastIndexOf('-') + 1);
        return Long.parseLong(last);
    }

    static Connection open(String url, MariaDbCluster cluster, int timeoutMillis) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", cluster.user());
        p.setProperty("password", cluster.password());
        p.setProperty("connectTimeout", Integer.toString(timeoutMillis));
        p.setProperty("socketTimeout", Integer.toString(Math.max(timeoutMillis, 30_000)));
        return DriverManager.getConnection(url, p);
    }

    static String queryString(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }
}
