package dev.haven.jdbc;

import static dev.haven.jdbc.ItSupport.ms;
import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.Consistency;
import dev.haven.event.HavenEvent;
import dev.haven.testkit.mariadb.HavenMariaDb;
import dev.haven.testkit.mariadb.MariaDbCluster;
import dev.haven.testkit.mariadb.MariaDbNode;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A MariaDB primary killed and a replica promoted while 8 threads read and write, through both drivers. */
@HavenMariaDb(replicas = 2, semiSync = true)
class MySqlFailoverIT {

    /** How soon after the promotion writes must succeed again: the brief's 0.5 s. */
    private static final Duration WRITES_BACK = Duration.ofMillis(500);

    @ParameterizedTest
    @EnumSource(MariaDbSupport.Driver.class)
    void writerKilledAndReplicaPromotedUnderLoad(MariaDbSupport.Driver driver, MariaDbCluster cluster) throws Exception {
        List<HavenEvent> events = ItSupport.events();
        try (HavenDataSource ds = MariaDbSupport.ready(MariaDbSupport.builder(cluster, driver, events, Consistency.EVENTUAL),
                cluster)) {
            Workload.createSchemaMySql(ds);
            cluster.awaitReplicated(Duration.ofSeconds(10)); // the table exists on every replica before reads start
            Workload load = Workload.mysql(ds, 8, 0.5, 2_000_000).start();
            ItSupport.sleep(Duration.ofSeconds(2));

            long tKill = System.nanoTime();
            cluster.killWriter();
            MariaDbNode promoted = cluster.promote(cluster.mostAdvancedReplica()); // applies its relay log first
            long tPromoted = cluster.lastPromotionNanoTime();
            ItSupport.sleep(Duration.ofSeconds(3));
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
}
