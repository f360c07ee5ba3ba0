package dev.haven.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.Consistency;
import dev.haven.event.HavenEvent;
import dev.haven.testkit.HavenPostgres;
import dev.haven.testkit.PgNode;
import dev.haven.testkit.PostgresCluster;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
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
            int maxSeq = 100_000;
            AtomicLongArray ackedAt = new AtomicLongArray(maxSeq); // seq -> nanoTime of acknowledgement
            AtomicLong lastSeq = new AtomicLong();
            AtomicBoolean run = new AtomicBoolean(true);
            record Read(long startNanos, long seq, int port) {}
            List<Read> reads = new CopyOnWriteArrayList<>();
            List<Throwable> errors = new CopyOnWriteArrayList<>();

            Thread writer = new Thread(() -> {
                try (Connection c = ds.getConnection();
                        PreparedStatement ps = c.prepareStatement("UPDATE heartbeat SET seq = ? WHERE id = 1")) {
                    for (int n = 1; n < maxSeq && run.get(); n++) {
                        ps.setLong(1, n);
                        ps.executeUpdate();
                        ackedAt.set(n, System.nanoTime());
                        lastSeq.set(n);
                        Thread.sleep(10);
                    }
                } catch (Exception e) {
                    errors.add(e);
                }
            });
            List<Thread> readers = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                readers.add(new Thread(() -> {
                    while (run.get()) {
                        long t0 = System.nanoTime();
                        try (Connection c = ds.getConnection()) {
                            c.setReadOnly(true);
                            try (ResultSet rs = c.createStatement().executeQuery("SELECT seq, inet_server_port() FROM heartbeat")) {
                                rs.next();
                                reads.add(new Read(t0, rs.getLong(1), rs.getInt(2)));
                            }
                        } catch (Exception e) {
                            errors.add(e);
                        }
                    }
                }));
            }
            writer.start();
            readers.forEach(Thread::start);
            ItSupport.sleep(Duration.ofSeconds(2));
            cluster.pauseReplay(lagging);
            long tPause = System.nanoTime();
            ItSupport.sleep(Duration.ofSeconds(5));
            long lagBytes = cluster.lagBytes(lagging);
            cluster.resumeReplay(lagging);
            long tResume = System.nanoTime();
            ItSupport.sleep(Duration.ofSeconds(3));
            run.set(false);
            writer.join(10_000);
            for (Thread r : readers) {
                r.join(10_000);
            }

            // A read is stale beyond the bound if a write acknowledged more than `bound` before the read
            // started is not visible to it.
            long violations = 0;
            long worstNanos = 0;
            long onLaggingDuringPause = 0;
            long onLaggingAfterCatchUp = 0;
            for (Read r : reads) {
                long cutoff = r.startNanos() - bound.toNanos();
                long mustSee = 0;
                for (long n = Math.min(lastSeq.get(), maxSeq - 1); n > 0; n--) {
                    long at = ackedAt.get((int) n);
                    if (at != 0 && at <= cutoff) {
                        mustSee = n;
                        break;
                    }
                }
                if (r.seq() < mustSee) {
                    violations++;
                    worstNanos = Math.max(worstNanos, r.startNanos() - ackedAt.get((int) r.seq() + 1));
                }
                if (r.port() == lagging.directPort()) {
                    if (r.startNanos() > tPause + bound.toNanos() + 300_000_000L && r.startNanos() < tResume) {
                        onLaggingDuringPause++;
                    }
                    if (r.startNanos() > tResume + 1_000_000_000L) {
                        onLaggingAfterCatchUp++;
                    }
                }
            }
            long skipped = events.stream().filter(e -> e instanceof HavenEvent.StaleReplicaSkipped s
                    && s.endpoint().port() == lagging.port()).count();
            System.out.printf("reads=%d lagBytes=%d violations=%d worst=%d ms onLaggingDuringPause=%d afterCatchUp=%d skipped=%d%n",
                    reads.size(), lagBytes, violations, ItSupport.ms(worstNanos), onLaggingDuringPause, onLaggingAfterCatchUp, skipped);
            assertThat(errors).isEmpty();
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
