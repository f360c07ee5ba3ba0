package dev.haven.jdbc;

import static dev.haven.jdbc.ItSupport.ms;
import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.Consistency;
import dev.haven.ReadFallback;
import dev.haven.event.HavenEvent;
import dev.haven.testkit.mariadb.MariaDbCluster;
import dev.haven.testkit.mariadb.MariaDbNode;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A MariaDB primary killed and a replica promoted while 8 threads read and write, through both drivers (how a lost
 * connection surfaces differs between them). The replica kills restart their replicas afterwards and share one cluster;
 * a writer kill or freeze leaves a promoted replica behind, so the cluster is replaced after it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MySqlFailoverIT {

    @RegisterExtension
    static final SharedMariaDbCluster clusters = new SharedMariaDbCluster(
            () -> MariaDbCluster.builder().replicas(2).semiSync().start());

    /** How soon after the promotion writes must succeed again: the brief's 0.5 s. */
    private static final Duration WRITES_BACK = Duration.ofMillis(500);

    @Order(2)
    @ParameterizedTest
    @EnumSource(MariaDbSupport.Driver.class)
    void writerKilledAndReplicaPromotedUnderLoad(MariaDbSupport.Driver driver) throws Exception {
        MariaDbCluster cluster = clusters.toSpoil();
        List<HavenEvent> events = ItSupport.events();
        try (HavenDataSource ds = MariaDbSupport.ready(MariaDbSupport.builder(cluster, driver, events, Consistency.EVENTUAL),
                cluster)) {
            Workload.createSchemaMySql(ds);
            cluster.awaitReplicated(Duration.ofSeconds(10)); // the table exists on every replica before reads start
            Workload load = Workload.mysql(ds, 8, 0.5, 2_000_000).start();
            ItSupport.sleep(Duration.ofSeconds(1));

            long tKill = System.nanoTime();
            cluster.killWriter();
            MariaDbNode promoted = cluster.promote(cluster.mostAdvancedReplica()); // applies its relay log first
            long tPromoted = cluster.lastPromotionNanoTime();
            ItSupport.sleep(Duration.ofSeconds(2)); // hundreds of writes on the new writer
            load.close();

            List<Workload.Op> readErrors = load.failures(false);
            List<Workload.Op> writeErrors = load.failures(true);
            long firstWriteAfter = load.firstWriteOn(promoted.directPort());
            System.out.printf("%s: kill->promoted %d ms, first write ok %d ms after promotion; ops=%d reads=%d writes=%d"
                            + " readErrors=%d writeErrors=%d %s%n", driver,
                    ms(tPromoted - tKill), ms(firstWriteAfter - tPromoted), load.ops.size(), load.reads().size(),
                    load.writes().size(), readErrors.size(), writeErrors.size(), Workload.describe(writeErrors));

            assertThat(readErrors).as("read errors surfaced: %s", Workload.describe(readErrors)).isEmpty();
            assertThat(writeErrors).allSatisfy(o -> assertThat(o.error()).isInstanceOfAny(
                    HavenWriteOutcomeUnknownException.class, HavenTransactionRolledBackException.class,
                    HavenUnavailableException.class));
            assertThat(firstWriteAfter - tPromoted).as("writes back within promotion + %s", WRITES_BACK)
                    .isLessThanOrEqualTo(WRITES_BACK.toNanos());
            assertThat(load.writes().stream().filter(o -> o.error() == null && o.startNanos() > tPromoted).count())
                    .isGreaterThan(50);
            // Every acknowledged write survived (semi-sync AFTER_SYNC; the promoted replica applied its relay log).
            try (Connection c = promoted.connectAdmin()) {
                assertThat(load.missingOn(c)).as("acknowledged writes missing after failover").isEmpty();
            }
            assertThat(ds.topology().writer()).map(e -> e.port()).contains(promoted.port());
            assertThat(events).anySatisfy(e -> assertThat(e).isInstanceOf(HavenEvent.FailoverCompleted.class));
        }
    }

    private static final Set<Class<?>> DOCUMENTED = Set.of(HavenWriteOutcomeUnknownException.class,
            HavenTransactionRolledBackException.class, HavenUnavailableException.class);

    /**
     * The writer hangs at its proxy (no RST, nothing answered): declared down within {@code probe-interval + 2 x
     * probe-timeout} (a loaded server gets one more round), every blocked thread released when it is (aborted), a
     * promoted replica takes the writes. Both drivers. MariaDB Connector/J's own abort() of a connection whose query
     * runs sends {@code KILL} over a new connection and then waits for the socket's read lock, held by the blocked
     * thread until its read times out: threads came back 3,027-3,557 ms after they started (deadline 3 s) and the first
     * write on the promoted replica 2,449-3,287 ms after the promotion, until Haven closed the socket itself first
     * ({@code AbortableSockets}).
     */
    @Order(3)
    @ParameterizedTest
    @EnumSource(MariaDbSupport.Driver.class)
    void writerFrozenAtTheProxyIsDetectedAndNoThreadStaysBlocked(MariaDbSupport.Driver driver) throws Exception {
        MariaDbCluster cluster = clusters.toSpoil();
        List<HavenEvent> events = ItSupport.events();
        Duration probeInterval = Duration.ofMillis(500);
        Duration probeTimeout = Duration.ofMillis(400);
        try (HavenDataSource ds = MariaDbSupport.ready(MariaDbSupport.builder(cluster, driver, events,
                Consistency.boundedStaleness(Duration.ofSeconds(1))).probeInterval(probeInterval).probeTimeout(probeTimeout),
                cluster)) {
            Workload.createSchemaMySql(ds);
            cluster.awaitReplicated(Duration.ofSeconds(10));
            MariaDbNode oldWriter = cluster.primary();
            Workload load = Workload.mysql(ds, 8, 0.5, 2_000_000).start();
            ItSupport.sleep(Duration.ofSeconds(1));
            long tFreeze = System.nanoTime();
            int eventsBefore = events.size();
            cluster.freeze(oldWriter);
            ItSupport.await("writer declared down", Duration.ofSeconds(5), () -> events.subList(eventsBefore, events.size())
                    .stream().anyMatch(e -> e instanceof HavenEvent.EndpointDown d && d.endpoint().port() == oldWriter.port()));
            long detected = System.nanoTime() - tFreeze;
            MariaDbNode promoted = cluster.promote(cluster.replicas().get(0));
            long tPromoted = cluster.lastPromotionNanoTime();
            ItSupport.sleep(Duration.ofSeconds(2));
            load.close();
            cluster.unfreeze(oldWriter);

            long firstWriteAfter = load.firstWriteOn(promoted.directPort());
            long slowest = load.ops.stream().mapToLong(Workload.Op::millis).max().orElseThrow();
            Duration detectionBound = probeInterval.plus(probeTimeout.multipliedBy(2));
            System.out.printf("%s: freeze detected in %d ms (bound %d); first write ok %d ms after promotion; slowest op %d ms;"
                            + " reads=%d readErrors=%d writeErrors=%d %s%n", driver, ms(detected), detectionBound.toMillis(),
                    ms(firstWriteAfter - tPromoted), slowest, load.reads().size(), load.failures(false).size(),
                    load.failures(true).size(), Workload.describe(load.failures(true)));
            assertThat(ms(detected)).as("hung writer detected (ms)").isLessThanOrEqualTo(detectionBound.toMillis());
            assertThat(load.failures(false)).as("read errors: %s", Workload.describe(load.failures(false))).isEmpty();
            // Released when the writer is declared down (aborted), not by the statement deadline (3 s).
            assertThat(slowest).as("longest blocked operation (ms)")
                    .isLessThanOrEqualTo(detectionBound.plusSeconds(1).toMillis());
            assertThat(load.failures(true)).allSatisfy(o -> assertThat(DOCUMENTED).contains(o.error().getClass()));
            // The frozen writer never refuses anything: the new one is found by probing (fast rounds), as on PostgreSQL.
            assertThat(firstWriteAfter - tPromoted).as("writes back within promotion + 1 s")
                    .isLessThanOrEqualTo(Duration.ofSeconds(1).toNanos());
        }
    }

    /**
     * Replicas killed one by one under 8 reading threads: 0 read errors; with none left, reads go to the writer
     * ({@code read-fallback=writer}), or fail as {@link HavenUnavailableException} with {@code read-fallback=fail}.
     */
    @Order(1)
    @ParameterizedTest
    @EnumSource(MariaDbSupport.Driver.class)
    void replicasKilledReadsMoveWithoutErrorsThenToTheWriterOrFailClearly(MariaDbSupport.Driver driver) throws Exception {
        MariaDbCluster cluster = clusters.shared();
        List<HavenEvent> events = ItSupport.events();
        Consistency bounded = Consistency.boundedStaleness(Duration.ofSeconds(1));
        try (HavenDataSource ds = MariaDbSupport.ready(MariaDbSupport.builder(cluster, driver, events, bounded), cluster);
                HavenDataSource failing = MariaDbSupport.ready(MariaDbSupport.builder(cluster, driver, ItSupport.events(),
                        bounded).readFallback(ReadFallback.FAIL), cluster)) {
            Workload.createSchemaMySql(ds);
            cluster.awaitReplicated(Duration.ofSeconds(10));
            Workload load = Workload.mysql(ds, 8, 0.0, 2_000_000).start();
            ItSupport.sleep(Duration.ofSeconds(1));
            cluster.kill(cluster.replicas().get(0));
            ItSupport.sleep(Duration.ofSeconds(1));
            cluster.kill(cluster.replicas().get(1));
            long tAllDown = System.nanoTime();
            ItSupport.sleep(Duration.ofMillis(1500)); // reads from 1 s after the last kill on must all be on the writer
            load.close();
            int writerPort = cluster.primary().directPort();
            long onWriterAfter = load.reads().stream().filter(o -> o.error() == null && o.startNanos() > tAllDown + 1_000_000_000L
                    && o.serverPort() == writerPort).count();
            long lateReads = load.reads().stream().filter(o -> o.startNanos() > tAllDown + 1_000_000_000L).count();

            SQLException refused = null;
            try (Connection c = failing.getConnection()) {
                c.setReadOnly(true);
                try (ResultSet rs = c.createStatement().executeQuery("SELECT 1")) {
                    rs.next();
                }
            } catch (SQLException e) {
                refused = e;
            }
            System.out.printf("%s: reads=%d readErrors=%d, a second after the last replica died: %d of %d reads on the writer;"
                    + " read-fallback=fail: %s%n", driver, load.reads().size(), load.failures(false).size(), onWriterAfter,
                    lateReads, refused == null ? null : refused.getClass().getSimpleName());
            assertThat(load.failures(false)).as("read errors: %s", Workload.describe(load.failures(false))).isEmpty();
            assertThat(lateReads).isPositive();
            assertThat(onWriterAfter).isEqualTo(lateReads);
            assertThat((Throwable) refused).isInstanceOf(HavenUnavailableException.class);
        }
        restartReplicas(cluster);
    }

    /**
     * Restarts the killed replicas and waits until the primary commits semi-synchronously again (it fell back to
     * asynchronous commits when they died): the cluster as the next test expects it.
     */
    private static void restartReplicas(MariaDbCluster cluster) throws InterruptedException {
        for (MariaDbNode r : cluster.replicas()) {
            if (!r.isRunning()) {
                cluster.restart(r);
            }
        }
        MariaDbNode primary = cluster.primary();
        primary.execute("CREATE TABLE IF NOT EXISTS " + cluster.database() + ".replica_restarts (id int PRIMARY KEY, n int NOT NULL)"
                + " ENGINE=InnoDB");
        // the primary switches back to semi-sync once a replica acknowledges a transaction: write until it has
        ItSupport.await("semi-sync commits with both replicas again", Duration.ofSeconds(20), () -> {
            primary.execute("INSERT INTO " + cluster.database() + ".replica_restarts VALUES (1, 1) ON DUPLICATE KEY UPDATE n = n + 1");
            return "ON".equals(status(primary, "Rpl_semi_sync_master_status"))
                    && Integer.toString(cluster.replicas().size()).equals(status(primary, "Rpl_semi_sync_master_clients"));
        });
        cluster.awaitReplicated(Duration.ofSeconds(20));
    }

    private static String status(MariaDbNode node, String variable) {
        return node.queryString("SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = '"
                + variable + "'");
    }
}
