package dev.haven.testkit;

import static dev.haven.testkit.ReplicationIT.open;
import static dev.haven.testkit.ReplicationIT.queryString;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Stop, kill, restart, and that close() leaves no process and no directory behind. */
class LifecycleIT {

    @Test
    void stoppedReplicaAndKilledPrimaryComeBackAndCloseLeavesNothingBehind() throws SQLException {
        Path workDir = Paths.get(System.getProperty("java.io.tmpdir"), "haven-lifecycle-it-" + UUID.randomUUID());
        PostgresCluster cluster = PostgresCluster.builder().replicas(1).workDir(workDir).database("app").user("tester").start();
        List<Long> pids;
        try {
            System.out.printf("[LifecycleIT] startup %d ms, %s%n", cluster.startupTime().toMillis(), cluster.binarySource());
            assertThat(cluster.workDir()).isEqualTo(workDir.toAbsolutePath());
            assertThat(cluster.jdbcUrl()).endsWith("/app").contains(",");
            PgNode primary = cluster.primary();
            PgNode replica = cluster.replicas().get(0);
            try (Connection c = open(primary.jdbcUrl(), cluster); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE t (id int)");
                s.executeUpdate("INSERT INTO t VALUES (1)");
            }

            // clean stop and restart of a replica: same ports, catches up
            long replicaPid = replica.pid().orElseThrow();
            cluster.stop(replica);
            assertThat(replica.isRunning()).isFalse();
            assertThat(replica.pid()).isEmpty();
            assertThat(ProcessHandle.of(replicaPid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
            assertThatThrownBy(() -> cluster.lagBytes(replica)).isInstanceOf(PostgresClusterException.class);
            try (Connection c = open(primary.jdbcUrl(), cluster); Statement s = c.createStatement()) {
                s.executeUpdate("INSERT INTO t VALUES (2)");
            }
            int directPort = replica.directPort();
            int proxyPort = replica.port();
            cluster.restart(replica);
            assertThat(replica.directPort()).isEqualTo(directPort);
            assertThat(replica.port()).isEqualTo(proxyPort);
            cluster.awaitReplicated(Duration.ofSeconds(10));
            try (Connection c = open(replica.jdbcUrl(), cluster)) {
                assertThat(queryString(c, "SELECT count(*) FROM t")).isEqualTo("2");
            }

            // SIGKILL of the primary and restart: crash recovery, it is the primary again, the replica reconnects
            assertThatThrownBy(() -> cluster.restart(primary)).isInstanceOf(IllegalStateException.class).hasMessageContaining("running");
            cluster.kill(primary);
            assertThat(primary.isRunning()).isFalse();
            cluster.restart(primary);
            assertThat(cluster.primary()).isSameAs(primary);
            try (Connection c = open(primary.jdbcUrl(), cluster); Statement s = c.createStatement()) {
                assertThat(queryString(c, "SELECT pg_is_in_recovery()::text")).isEqualTo("false");
                s.executeUpdate("INSERT INTO t VALUES (3)");
            }
            cluster.awaitReplicated(Duration.ofSeconds(20));
            try (Connection c = open(replica.jdbcUrl(), cluster)) {
                assertThat(queryString(c, "SELECT count(*) FROM t")).isEqualTo("3");
            }
            pids = cluster.pids();
            assertThat(pids).hasSize(4); // 2 initial + 2 restarts
        } finally {
            cluster.close();
        }

        List<Long> alive = new ArrayList<>();
        for (long pid : pids) {
            if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                alive.add(pid);
            }
        }
        assertThat(alive).as("postmasters alive after close").isEmpty();
        assertThat(Files.exists(workDir)).as("work dir exists after close").isFalse();
        assertThat(sharedMemorySegmentsCreatedBy(pids)).as("System V segments of our (killed) servers").isEmpty();
        cluster.close(); // idempotent
        assertThatThrownBy(() -> cluster.kill(cluster.primary())).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void serverThatCannotStartFailsTheStartWithTheTailOfItsLogAndLeavesNothing() {
        Path workDir = Paths.get(System.getProperty("java.io.tmpdir"), "haven-lifecycle-it-" + UUID.randomUUID());
        assertThatThrownBy(() -> PostgresCluster.builder().replicas(0).workDir(workDir)
                .extraConfig("shared_buffers", "lots").startupTimeout(Duration.ofSeconds(20)).start())
                .isInstanceOf(PostgresClusterException.class)
                .hasMessageContaining("pg0")
                .hasMessageContaining("exited with code")
                .hasMessageContaining("invalid value for parameter \"shared_buffers\": \"lots\"");
        assertThat(Files.exists(workDir)).isFalse();
    }

    @Test
    void clusterWithoutReplicasIsAPlainPrimary() throws SQLException {
        try (PostgresCluster cluster = PostgresCluster.start(0)) {
            assertThat(cluster.replicas()).isEmpty();
            assertThat(cluster.nodes()).containsExactly(cluster.primary());
            cluster.awaitReplicated(Duration.ofSeconds(1));
            try (Connection c = open(cluster.jdbcUrl(), cluster)) {
                assertThat(queryString(c, "SELECT current_database()")).isEqualTo("haven");
                assertThat(queryString(c, "SELECT current_user")).isEqualTo("haven");
            }
        }
    }

    /** Segments in /proc/sysvipc/shm whose creator is one of the given pids. */
    private static List<String> sharedMemorySegmentsCreatedBy(List<Long> pids) {
        List<String> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/sysvipc/shm"))) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 4 && f[4].matches("\\d+") && pids.contains(Long.parseLong(f[4]))) {
                    out.add(line.trim());
                }
            }
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        return out;
    }
}
