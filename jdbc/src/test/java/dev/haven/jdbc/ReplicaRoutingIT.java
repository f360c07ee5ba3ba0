package dev.haven.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.Consistency;
import dev.haven.event.HavenEvent;
import dev.haven.testkit.HavenPostgres;
import dev.haven.testkit.PgNode;
import dev.haven.testkit.PostgresCluster;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Reads on replicas: lag bound, replica loss, fallback, and where read-only work lands. */
@HavenPostgres(replicas = 2)
class ReplicaRoutingIT {

    private static int serverPort(Connection c) throws SQLException {
        try (ResultSet rs = c.createStatement().executeQuery("SELECT inet_server_port()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static boolean inRecovery(Connection c) throws SQLException {
        try (ResultSet rs = c.createStatement().executeQuery("SELECT pg_is_in_recovery()")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    @Test
    void readOnlyConnectionsReachReplicasAndOthersTheWriter(PostgresCluster cluster) throws Exception {
        try (HavenDataSource ds = ItSupport.ready(ItSupport.builder(cluster, ItSupport.events()), cluster)) {
            int replicaReads = 0;
            for (int i = 0; i < 20; i++) {
                try (Connection c = ds.getConnection()) {
                    c.setReadOnly(true); // what Spring's @Transactional(readOnly = true) does
                    c.setAutoCommit(false);
                    if (inRecovery(c)) {
                        replicaReads++;
                    }
                    c.commit();
                }
            }
            assertThat(replicaReads).as("read-only transactions served by replicas, of 20").isEqualTo(20);
            try (Connection c = ds.getConnection()) {
                assertThat(inRecovery(c)).as("read-write connection on the writer").isFalse();
            }
            try (Connection c = ds.getConnection()) {
                c.setReadOnly(true);
                c.unwrap(HavenConnection.class).consistency(Consistency.STRONG);
                assertThat(inRecovery(c)).as("STRONG read on the writer").isFalse();
                assertThat(c.unwrap(HavenConnection.class).endpoint()).map(e -> e.port()).contains(cluster.primary().port());
            }
            try (Connection c = ds.getConnection()) {
                c.setReadOnly(true);
                c.unwrap(HavenConnection.class).consistency(Consistency.SESSION);
                assertThat(inRecovery(c)).as("SESSION read on the writer (JDBC tracks no commit positions yet)").isFalse();
            }
            try (Connection c = ds.getConnection()) {
                c.setReadOnly(true);
                c.unwrap(HavenConnection.class).consistency(Consistency.EVENTUAL);
                assertThat(inRecovery(c)).as("EVENTUAL read on a replica").isTrue();
                assertThatThrownBy(() -> c.unwrap(HavenConnection.class).consistency(Consistency.STRONG))
                        .isInstanceOf(IllegalStateException.class).hasMessageContaining("before the connection's first statement");
            }
        }
    }

    @Test
    void replicaBeyondTheLagBoundServesNoReadsAndReturnsAfterCatchUp(PostgresCluster cluster) throws Exception {
        List<HavenEvent> events = ItSupport.events();
        Duration bound = Duration.ofSeconds(1);
        try (HavenDataSource ds = ItSupport.ready(ItSupport.builder(cluster, events).defaultConsistency(dev.haven.Consistency.boundedStaleness(bound)), cluster)) {
            try (Connection c = ds.getConnection()) {
                c.createStatement().execute("CREATE TABLE heartbeat (id int PRIMARY KEY, seq bigint NOT NULL)");
                c.createStatement().execute("INSERT INTO heartbeat VALUES (1, 0)");
            }
            cluster.awaitReplicated(Duration.ofSeconds(10));
            PgNode lagging = cluster.replicas().get(0);
            long tPause;
            long tResume;
            long lagBytes;
            Heartbeat heartbeat = Heartbeat.start(ds, "SELECT seq, inet_server_port() FROM heartbeat");
            try (heartbeat) {
                ItSupport.sleep(Duration.ofSeconds(2));
                cluster.pauseReplay(lagging);
                tPause = System.nanoTime();
                ItSupport.sleep(Duration.ofSeconds(5));
                lagBytes = cluster.lagBytes(lagging);
                cluster.resumeReplay(lagging);
                tResume = System.nanoTime();
                ItSupport.sleep(Duration.ofSeconds(3));
            }
            List<Heartbeat.Read> reads = heartbeat.reads();
            long violations = reads.stream().filter(r -> heartbeat.beyond(r, bound)).count();
            long worstNanos = reads.stream().filter(r -> heartbeat.beyond(r, bound)).mapToLong(heartbeat::stalenessNanos).max()
                    .orElse(0);
            long onLaggingDuringPause = reads.stream().filter(r -> r.port() == lagging.directPort()
                    && r.startNanos() > tPause + bound.toNanos() + 300_000_000L && r.startNanos() < tResume).count();
            long onLaggingAfterCatchUp = reads.stream().filter(r -> r.port() == lagging.directPort()
                    && r.startNanos() > tResume + 1_000_000_000L).count();
            long skipped = events.stream().filter(e -> e instanceof HavenEvent.StaleReplicaSkipped s
                    && s.endpoint().port() == lagging.port()).count();
            System.out.printf("reads=%d lagBytes=%d violations=%d worst=%d ms onLaggingDuringPause=%d afterCatchUp=%d skipped=%d%n",
                    reads.size(), lagBytes, violations, ItSupport.ms(worstNanos), onLaggingDuringPause, onLaggingAfterCatchUp, skipped);
            assertThat(heartbeat.errors()).isEmpty();
            assertThat(lagBytes).as("replica fell behind (bytes)").isPositive();
            assertThat(reads.size()).isGreaterThan(500);
            assertThat(violations).as("reads staler than the %s bound", bound).isZero();
            assertThat(onLaggingDuringPause).as("reads served by the paused replica while beyond the bound").isZero();
            assertThat(skipped).as("StaleReplicaSkipped events for the paused replica").isPositive();
            assertThat(onLaggingAfterCatchUp).as("reads back on the replica after it caught up").isPositive();
        }
    }

    @Test
    void replicaKilledReadsMoveWithoutErrorsAndItRejoinsAfterRestart(PostgresCluster cluster) throws Exception {
        try (HavenDataSource ds = ItSupport.ready(ItSupport.builder(cluster, ItSupport.events()), cluster)) {
            Workload.createSchema(ds);
            cluster.awaitReplicated(Duration.ofSeconds(10)); // the table exists on every replica before reads start
            PgNode victim = cluster.replicas().get(1);
            Workload load = new Workload(ds, 4, 0.0, 1_000_000).start();
            ItSupport.sleep(Duration.ofSeconds(1));
            cluster.kill(victim);
            long tKill = System.nanoTime();
            ItSupport.sleep(Duration.ofSeconds(3));
            long onVictimLate = load.reads().stream().filter(o -> o.startNanos() > tKill + 2_000_000_000L
                    && o.serverPort() == victim.directPort()).count();
            cluster.restart(victim);
            long tRestart = System.nanoTime();
            ItSupport.await("reads on the restarted replica", Duration.ofSeconds(10), () -> load.reads().stream()
                    .anyMatch(o -> o.startNanos() > tRestart && o.serverPort() == victim.directPort()));
            long rejoinMs = ItSupport.ms(load.reads().stream().filter(o -> o.startNanos() > tRestart
                    && o.serverPort() == victim.directPort()).mapToLong(Workload.Op::endNanos).min().orElseThrow() - tRestart);
            load.close();
            System.out.printf("reads=%d errors=%d rejoined after %d ms; by port %s%n", load.reads().size(),
                    load.failures(false).size(), rejoinMs, load.readsByPort);
            assertThat(load.failures(false)).as("read errors: %s", Workload.describe(load.failures(false))).isEmpty();
            assertThat(onVictimLate).isZero();
            assertThat(rejoinMs).as("replica back in rotation after restart (ms)").isLessThan(10_000);
        }
    }

    @Test
    void allReplicasDownReadsGoToTheWriterOrFailClearly(PostgresCluster cluster) throws Exception {
        try (HavenDataSource withFallback = ItSupport.ready(ItSupport.builder(cluster, ItSupport.events()), cluster);
                HavenDataSource strict = ItSupport.ready(ItSupport.builder(cluster, ItSupport.events()).clusterName("strict")
                        .readFallback(dev.haven.ReadFallback.FAIL), cluster)) {
            for (PgNode r : cluster.replicas()) {
                cluster.stop(r);
            }
            ItSupport.await("replicas seen down", Duration.ofSeconds(5), () ->
                    withFallback.topology().readers().isEmpty() && strict.topology().readers().isEmpty());
            for (int i = 0; i < 10; i++) {
                try (Connection c = withFallback.getConnection()) {
                    c.setReadOnly(true);
                    assertThat(serverPort(c)).isEqualTo(cluster.primary().directPort());
                }
            }
            try (Connection c = strict.getConnection()) {
                c.setReadOnly(true);
                assertThatThrownBy(() -> c.createStatement())
                        .isInstanceOf(HavenUnavailableException.class)
                        .hasMessageContaining("No server can serve a read with consistency BOUNDED_STALENESS(PT1S)")
                        .hasMessageContaining("fallback to writer off");
            }
            for (PgNode r : cluster.replicas()) {
                cluster.restart(r);
            }
        }
    }
}
