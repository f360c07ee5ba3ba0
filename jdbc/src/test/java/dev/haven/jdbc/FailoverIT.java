package dev.haven.jdbc;

import static dev.haven.jdbc.ItSupport.ms;
import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.event.HavenEvent;
import dev.haven.testkit.PgNode;
import dev.haven.testkit.PostgresCluster;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A primary that dies or hangs while 8 threads read and write: what the application sees. */
class FailoverIT {

    private static final Set<Class<?>> DOCUMENTED = Set.of(HavenWriteOutcomeUnknownException.class,
            HavenTransactionRolledBackException.class, HavenUnavailableException.class);

    @Test
    void writerKilledAndReplicaPromotedUnderLoad() throws Exception {
        List<HavenEvent> events = ItSupport.events();
        try (PostgresCluster cluster = PostgresCluster.builder().replicas(2).synchronousStandbys(1).start();
                HavenDataSource ds = ItSupport.ready(ItSupport.builder(cluster, events), cluster)) {
            Workload.createSchema(ds);
            cluster.awaitReplicated(Duration.ofSeconds(10)); // the table exists on every replica before reads start
            Workload load = new Workload(ds, 8, 0.5, 2_000_000).start();
            ItSupport.sleep(Duration.ofSeconds(2));

            long tKill = System.nanoTime();
            cluster.killWriter();
            PgNode promoted = cluster.promote(cluster.mostAdvancedReplica());
            // With synchronous replication a promotion is complete when the new primary has a synchronous standby
            // again (promote() returns once the other replica streams from it): before that the server itself
            // holds every commit, whoever the client is.
            long tPromoted = System.nanoTime();
            ItSupport.sleep(Duration.ofSeconds(3));
            load.close();

            List<Workload.Op> readErrors = load.failures(false);
            List<Workload.Op> writeErrors = load.failures(true);
            long firstWriteAfter = load.firstWriteOn(promoted.directPort());
            System.out.printf("kill->promoted %d ms, first write ok %d ms after promotion; ops=%d reads=%d writes=%d"
                            + " readErrors=%d writeErrors=%d %s%n",
                    ms(tPromoted - tKill), ms(firstWriteAfter - tPromoted), load.ops.size(), load.reads().size(),
                    load.writes().size(), readErrors.size(), writeErrors.size(), Workload.describe(writeErrors));

            assertThat(readErrors).as("read errors surfaced: %s", Workload.describe(readErrors)).isEmpty();
            assertThat(writeErrors).allSatisfy(o -> assertThat(o.error()).isInstanceOfAny(
                    HavenWriteOutcomeUnknownException.class, HavenTransactionRolledBackException.class,
                    HavenUnavailableException.class));
            assertThat(firstWriteAfter - tPromoted).as("writes back within promotion + 1 s")
                    .isLessThanOrEqualTo(Duration.ofSeconds(1).toNanos());
            assertThat(load.writes().stream().filter(o -> o.error() == null && o.startNanos() > tPromoted).count())
                    .isGreaterThan(50);

            // Every acknowledged write survived the failover (synchronous replication to one standby).
            try (Connection c = cluster.connect(promoted)) {
                assertThat(load.missingOn(c)).as("acknowledged writes missing after failover").isEmpty();
            }
            assertThat(ds.topology().writer()).map(e -> e.port()).contains(promoted.port());
            assertThat(events).anySatisfy(e -> assertThat(e).isInstanceOf(HavenEvent.FailoverCompleted.class));
        }
    }

    @Test
    void writerHungAtTheProxyIsDetectedAndNoThreadStaysBlocked() throws Exception {
        List<HavenEvent> events = ItSupport.events();
        try (PostgresCluster cluster = PostgresCluster.start(2);
                HavenDataSource ds = ItSupport.ready(ItSupport.builder(cluster, events), cluster)) {
            Workload.createSchema(ds);
            cluster.awaitReplicated(Duration.ofSeconds(10)); // the table exists on every replica before reads start
            PgNode oldWriter = cluster.primary();
            Workload load = new Workload(ds, 8, 0.5, 2_000_000).start();
            ItSupport.sleep(Duration.ofSeconds(2));

            long tFreeze = System.nanoTime();
            int eventsBefore = events.size(); // a loaded machine may have flapped the writer at start-up: not this freeze
            cluster.freeze(oldWriter);
            ItSupport.await("writer declared down", Duration.ofSeconds(5), () -> events.subList(eventsBefore, events.size())
                    .stream().anyMatch(e -> e instanceof HavenEvent.EndpointDown d && d.endpoint().port() == oldWriter.port()));
            long detected = System.nanoTime() - tFreeze;
            ItSupport.sleep(Duration.ofMillis(Math.max(0, 1000 - ms(detected))));
            PgNode promoted = cluster.promote(cluster.replicas().get(0));
            long tPromoted = cluster.lastPromotionNanoTime();
            ItSupport.sleep(Duration.ofSeconds(3));
            load.close();

            long firstWriteAfter = load.firstWriteOn(promoted.directPort());
            long slowest = load.ops.stream().mapToLong(Workload.Op::millis).max().orElseThrow();
            long outcomeUnknown = load.failures(true).stream()
                    .filter(o -> o.error() instanceof HavenWriteOutcomeUnknownException).count();
            System.out.printf("freeze detected in %d ms; first write ok %d ms after promotion; slowest op %d ms;"
                            + " readErrors=%d writeErrors=%d %s%n", ms(detected), ms(firstWriteAfter - tPromoted), slowest,
                    load.failures(false).size(), load.failures(true).size(), Workload.describe(load.failures(true)));

            assertThat(ms(detected)).as("hung writer detected (ms)").isLessThanOrEqualTo(2000);
            assertThat(load.failures(false)).as("read errors: %s", Workload.describe(load.failures(false))).isEmpty();
            assertThat(slowest).as("longest blocked operation (ms)")
                    .isLessThanOrEqualTo(ItSupport.STATEMENT_DEADLINE.toMillis() + 250);
            assertThat(load.failures(true)).allSatisfy(o -> assertThat(DOCUMENTED).contains(o.error().getClass()));
            assertThat(outcomeUnknown).as("in-flight writes on the hung writer end as outcome-unknown").isPositive();
            assertThat(firstWriteAfter - tPromoted).as("writes back within promotion + 1 s")
                    .isLessThanOrEqualTo(Duration.ofSeconds(1).toNanos());

            // The old primary comes back on its old timeline: Haven must never write to it.
            cluster.unfreeze(oldWriter);
            ItSupport.sleep(Duration.ofSeconds(1));
            long before = ItSupport.count(cluster, oldWriter, "SELECT count(*) FROM items");
            for (int i = 0; i < 50; i++) {
                try (Connection c = ds.getConnection();
                        PreparedStatement ps = c.prepareStatement("INSERT INTO items(id, payload) VALUES (?, 'after')")) {
                    ps.setLong(1, -1 - i);
                    ps.executeUpdate();
                }
            }
            assertThat(ItSupport.count(cluster, oldWriter, "SELECT count(*) FROM items")).isEqualTo(before);
            assertThat(ItSupport.count(cluster, promoted, "SELECT count(*) FROM items WHERE payload = 'after'")).isEqualTo(50);
            assertThat(ds.topology().writer()).map(e -> e.port()).contains(promoted.port());
        }
    }
}
