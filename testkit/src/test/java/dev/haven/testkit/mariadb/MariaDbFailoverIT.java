package dev.haven.testkit.mariadb;

import static dev.haven.testkit.mariadb.MariaDbReplicationIT.open;
import static dev.haven.testkit.mariadb.MariaDbReplicationIT.queryString;
import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Writer loss and promotion on a fresh cluster per test (primary + 2 replicas). */
@HavenMariaDb(replicas = 2, semiSync = true)
class MariaDbFailoverIT {

    @Test
    void promotingTheMostAdvancedReplicaAfterAKillUnderLoadLosesNoAcknowledgedWriteWithSemiSync(MariaDbCluster cluster)
            throws Exception {
        assertThat(cluster.semiSync()).isTrue();
        MariaDbNode oldPrimary = cluster.primary();
        try (Connection c = open(oldPrimary.jdbcUrl(), cluster, 5000); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE acked (id INT PRIMARY KEY, writer INT)");
        }
        Set<Integer> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicInteger nextId = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        int writers = 4;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        List<Future<Integer>> failures = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int writer = w;
            failures.add(pool.submit(() -> {
                int errors = 0;
                try (Connection c = open(oldPrimary.jdbcUrl(), cluster, 5000); Statement s = c.createStatement()) {
                    while (!stop.get()) {
                        int id = nextId.incrementAndGet();
                        s.executeUpdate("INSERT INTO acked VALUES (" + id + ", " + writer + ")");
                        acknowledged.add(id); // executeUpdate returned: the commit was acknowledged
                    }
                } catch (SQLException e) {
                    errors++; // the writer was killed under this connection: its last write is outcome-unknown
                }
                return errors;
            }));
        }
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (acknowledged.size() < 300 && System.nanoTime() < until) {
            Thread.sleep(20);
        }
        assertThat(acknowledged.size()).as("acknowledged writes before the kill").isGreaterThanOrEqualTo(300);
        // semi-sync was really on: every commit so far waited for a replica's acknowledgement, none went asynchronous
        assertThat(status(oldPrimary, "RPL_SEMI_SYNC_MASTER_STATUS")).isEqualTo("ON");
        assertThat(status(oldPrimary, "RPL_SEMI_SYNC_MASTER_NO_TX")).isEqualTo("0");
        long semiSyncTx = Long.parseLong(status(oldPrimary, "RPL_SEMI_SYNC_MASTER_YES_TX"));
        assertThat(semiSyncTx).isGreaterThanOrEqualTo(300L);
        cluster.killWriter(); // while the four writers are mid-flight
        int errors = 0;
        for (Future<Integer> f : failures) {
            errors += f.get(60, TimeUnit.SECONDS);
        }
        stop.set(true);
        pool.shutdownNow();
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

        MariaDbNode candidate = cluster.mostAdvancedReplica();
        long t0 = System.nanoTime();
        MariaDbNode newPrimary = cluster.promote(candidate);
        long promoteMillis = (System.nanoTime() - t0) / 1_000_000;
        MariaDbNode other = cluster.replicas().stream().filter(n -> n != oldPrimary).findFirst().orElseThrow();

        Set<Integer> present = ids(newPrimary, cluster);
        Set<Integer> missing = new HashSet<>(acknowledged);
        missing.removeAll(present);
        System.out.printf("[MariaDbFailoverIT] %d writes acknowledged before the kill (%d writers cut off), %d on the new primary %s, "
                + "%d missing; promote incl. re-pointing %s: %d ms%n", acknowledged.size(), errors, present.size(),
                newPrimary.name(), missing.size(), other.name(), promoteMillis);
        assertThat(missing).as("acknowledged writes lost").isEmpty();
        assertThat(errors).as("every writer saw the kill").isEqualTo(writers);
        assertThat(newPrimary.role()).isEqualTo(MariaDbNode.Role.PRIMARY);
        assertThat(oldPrimary.role()).isEqualTo(MariaDbNode.Role.REPLICA);
        assertThat(promoteMillis).isLessThan(30_000L);

        // writes go to the new primary through its proxy, and the other replica follows it on GTID
        long tWrite = System.nanoTime();
        try (Connection c = open(newPrimary.jdbcUrl(), cluster, 5000); Statement s = c.createStatement()) {
            assertThat(queryString(c, "SELECT @@read_only")).isEqualTo("0");
            for (int i = 1; i <= 50; i++) {
                s.executeUpdate("INSERT INTO acked VALUES (" + (1_000_000 + i) + ", -1)");
            }
        }
        long writeMillis = (System.nanoTime() - tWrite) / 1_000_000;
        cluster.awaitReplicated(Duration.ofSeconds(30));
        String newPos = cluster.gtidBinlogPos(newPrimary);
        String otherPos = cluster.gtidSlavePos(other);
        System.out.printf("[MariaDbFailoverIT] 50 writes on %s in %d ms; %s at %s, %s at %s%n", newPrimary.name(), writeMillis,
                newPrimary.name(), newPos, other.name(), otherPos);
        assertThat(otherPos).isEqualTo(newPos).startsWith("0-" + newPrimary.serverId() + "-");
        assertThat(ids(other, cluster)).isEqualTo(ids(newPrimary, cluster)).hasSize(present.size() + 50);
        assertThat(cluster.lagTransactions(other)).isZero();
    }

    @Test
    void aFormerPrimaryRejoinsAfterRestartAndAnAddedReplicaGetsEveryRow(MariaDbCluster cluster) throws Exception {
        MariaDbNode oldPrimary = cluster.primary();
        try (Connection c = open(oldPrimary.jdbcUrl(), cluster, 5000); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t (id INT PRIMARY KEY)");
            for (int i = 1; i <= 100; i++) {
                s.executeUpdate("INSERT INTO t VALUES (" + i + ")");
            }
        }
        cluster.awaitReplicated(Duration.ofSeconds(30));
        cluster.killWriter();
        assertThat(oldPrimary.isRunning()).isFalse();
        MariaDbNode newPrimary = cluster.promote(cluster.mostAdvancedReplica());
        try (Connection c = open(newPrimary.jdbcUrl(), cluster, 5000); Statement s = c.createStatement()) {
            for (int i = 101; i <= 150; i++) {
                s.executeUpdate("INSERT INTO t VALUES (" + i + ")");
            }
        }
        long t0 = System.nanoTime();
        cluster.restart(oldPrimary);
        long restartMillis = (System.nanoTime() - t0) / 1_000_000;
        cluster.awaitReplicated(Duration.ofSeconds(30));
        try (Connection c = open(oldPrimary.jdbcUrl(), cluster, 5000)) {
            assertThat(queryString(c, "SELECT @@read_only")).isEqualTo("1");
            assertThat(queryString(c, "SELECT count(*) FROM t")).isEqualTo("150");
        }
        t0 = System.nanoTime();
        MariaDbNode added = cluster.addReplica();
        long addMillis = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("[MariaDbFailoverIT] former primary rejoined in %d ms; addReplica %s in %d ms%n", restartMillis,
                added.name(), addMillis);
        assertThat(cluster.replicas()).hasSize(3).contains(added, oldPrimary);
        try (Connection c = open(added.jdbcUrl(), cluster, 5000)) {
            assertThat(queryString(c, "SELECT count(*) FROM t")).isEqualTo("150");
            assertThat(queryString(c, "SELECT @@read_only")).isEqualTo("1");
        }
        assertThat(cluster.lagTransactions(added)).isZero();
    }

    @Test
    void aKilledPrimaryRestartsAsThePrimaryAndTheReplicasReconnect(MariaDbCluster cluster) throws Exception {
        MariaDbNode primary = cluster.primary();
        try (Connection c = open(primary.jdbcUrl(), cluster, 5000); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE r (id INT PRIMARY KEY)");
            s.executeUpdate("INSERT INTO r VALUES (1)");
        }
        cluster.awaitReplicated(Duration.ofSeconds(30));
        cluster.killWriter();
        long t0 = System.nanoTime();
        cluster.restart(primary); // crash recovery, same ports; the replicas' IO threads retry every second
        try (Connection c = open(primary.jdbcUrl(), cluster, 5000); Statement s = c.createStatement()) {
            assertThat(queryString(c, "SELECT @@read_only")).isEqualTo("0");
            s.executeUpdate("INSERT INTO r VALUES (2)");
        }
        cluster.awaitReplicated(Duration.ofSeconds(30));
        System.out.printf("[MariaDbFailoverIT] killed primary restarted, written and replicated in %d ms%n",
                (System.nanoTime() - t0) / 1_000_000);
        assertThat(cluster.primary()).isSameAs(primary);
        for (MariaDbNode replica : cluster.replicas()) {
            try (Connection c = cluster.connect(replica)) {
                assertThat(queryString(c, "SELECT count(*) FROM r")).isEqualTo("2");
            }
        }
    }

    private static String status(MariaDbNode node, String variable) {
        return node.queryString("SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = '" + variable + "'");
    }

    private static Set<Integer> ids(MariaDbNode node, MariaDbCluster cluster) throws SQLException {
        Set<Integer> out = new HashSet<>();
        try (Connection c = cluster.connect(node); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id FROM acked")) {
            while (rs.next()) {
                out.add(rs.getInt(1));
            }
        }
        return out;
    }
}
