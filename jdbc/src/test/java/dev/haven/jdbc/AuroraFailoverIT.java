package dev.haven.jdbc;

import static dev.haven.jdbc.ItSupport.ms;
import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.Endpoint;
import dev.haven.Role;
import dev.haven.event.HavenEvent;
import dev.haven.testkit.AuroraPostgresCluster;
import dev.haven.testkit.PgNode;
import dev.haven.testkit.PostgresCluster;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Haven on (emulated) Aurora PostgreSQL, reached through its cluster endpoint as applications configure it: the
 * provider is detected, instances are used by their instance endpoints, and a writer failover under 8 threads costs
 * no read and only documented write errors, also when the cluster endpoint's DNS stays on the dead writer.
 */
class AuroraFailoverIT {

    private static final Set<Class<?>> DOCUMENTED = Set.of(HavenWriteOutcomeUnknownException.class,
            HavenTransactionRolledBackException.class, HavenUnavailableException.class);

    private static HavenDataSource.Builder builder(AuroraPostgresCluster aurora, List<HavenEvent> events) {
        return HavenDataSource.builder()
                .url(aurora.jdbcUrl()) // the cluster endpoint
                .username(aurora.user())
                .password(aurora.password())
                .clusterName("aurora-it")
                .deadline(ItSupport.STATEMENT_DEADLINE)
                .writerWait(ItSupport.WRITER_WAIT)
                .poolProperty("connectionTimeout", "1000")
                .poolProperty("maximumPoolSize", "12")
                .listener(events::add);
    }

    @ParameterizedTest(name = "cluster endpoint moves with the writer: {0}")
    @ValueSource(booleans = {true, false})
    void writerKilledAndReaderPromotedUnderEightThreads(boolean clusterEndpointMoves) throws Exception {
        List<HavenEvent> events = ItSupport.events();
        AuroraPostgresCluster.Builder b = PostgresCluster.builder().replicas(2).synchronousStandbys(1).aurora("orders", "us-east-1");
        if (!clusterEndpointMoves) {
            b.clusterEndpointNeverMoves();
        }
        try (AuroraPostgresCluster aurora = b.start();
                HavenDataSource ds = ItSupport.ready(builder(aurora, events), aurora.postgres())) {
            PgNode oldWriter = aurora.writer();
            assertThat(ds.provider()).isEqualTo(JdbcProvider.AURORA_POSTGRES);
            assertThat(ds.topology().writer()).map(Endpoint::host).contains(aurora.instanceHost(oldWriter));
            assertThat(ds.endpoints()).as("the cluster endpoint is a way in, never a target")
                    .filteredOn(e -> e.role() != Role.UNKNOWN).extracting(Endpoint::host)
                    .containsExactlyInAnyOrderElementsOf(aurora.postgres().nodes().stream().map(aurora::instanceHost).toList());
            Workload.createSchema(ds);
            aurora.postgres().awaitReplicated(Duration.ofSeconds(10));
            Workload load = new Workload(ds, 8, 0.5, 2_000_000).start();
            ItSupport.sleep(Duration.ofSeconds(2));

            long tKill = System.nanoTime();
            PgNode promoted = aurora.failover();
            long tPromoted = System.nanoTime();
            if (!clusterEndpointMoves) {
                assertThat(aurora.clusterEndpointTarget()).as("stale DNS: the cluster endpoint names the dead writer")
                        .contains(oldWriter);
            }
            ItSupport.sleep(Duration.ofSeconds(3));
            load.close();

            List<Workload.Op> readErrors = load.failures(false);
            List<Workload.Op> writeErrors = load.failures(true);
            long firstWriteAfter = load.firstWriteOn(promoted.directPort());
            System.out.printf("aurora (cluster endpoint moves: %s): kill->promoted %d ms, first write ok %d ms after "
                            + "promotion; ops=%d reads=%d writes=%d readErrors=%d writeErrors=%d %s%n", clusterEndpointMoves,
                    ms(tPromoted - tKill), ms(firstWriteAfter - tPromoted), load.ops.size(), load.reads().size(),
                    load.writes().size(), readErrors.size(), writeErrors.size(), Workload.describe(writeErrors));

            assertThat(readErrors).as("read errors surfaced: %s", Workload.describe(readErrors)).isEmpty();
            assertThat(writeErrors).allSatisfy(o -> assertThat(DOCUMENTED).contains(o.error().getClass()));
            assertThat(ms(firstWriteAfter - tPromoted)).as("ms from promotion to the first write on the new writer")
                    .isLessThanOrEqualTo(500);
            assertThat(load.writes().stream().filter(o -> o.error() == null && o.startNanos() > tPromoted).count())
                    .isGreaterThan(50);
            assertThat(load.writes().stream().filter(o -> o.error() == null && o.startNanos() > tPromoted)
                    .filter(o -> o.serverPort() != promoted.directPort()).count())
                    .as("writes acknowledged after the promotion by another server than the new writer").isZero();

            try (Connection c = aurora.postgres().connect(promoted)) {
                assertThat(load.missingOn(c)).as("acknowledged writes missing after failover").isEmpty();
            }
            assertThat(ds.topology().writer()).map(Endpoint::host).contains(aurora.instanceHost(promoted));
        }
    }

    @Test
    void frozenWriterIsDetectedWithinOneSecondAndNoThreadOutlivesItsDeadline() throws Exception {
        List<HavenEvent> events = ItSupport.events();
        try (AuroraPostgresCluster aurora = PostgresCluster.builder().replicas(2).aurora("billing", "us-east-1").start();
                // A hang is found by a probe timing out: within probe-interval + probe-timeout, or twice that when the
                // server still answered requests late in the probe's time (a loaded server gets one more round). For
                // detection within 1 s on a busy machine: 200 + 250 ms (with 250 + 500 ms: 800-811 ms quiet, 1,266 ms
                // at load 9).
                HavenDataSource ds = ItSupport.ready(builder(aurora, events).probeInterval(Duration.ofMillis(200))
                        .probeTimeout(Duration.ofMillis(250)), aurora.postgres())) {
            Workload.createSchema(ds);
            aurora.postgres().awaitReplicated(Duration.ofSeconds(10));
            PgNode writer = aurora.writer();
            Workload load = new Workload(ds, 8, 0.5, 2_000_000).start();
            ItSupport.sleep(Duration.ofSeconds(2));

            int eventsBefore = events.size();
            long tFreeze = System.nanoTime();
            aurora.postgres().freeze(writer);
            ItSupport.await("writer declared down", Duration.ofSeconds(5), () -> events.subList(eventsBefore, events.size())
                    .stream().anyMatch(e -> e instanceof HavenEvent.EndpointDown d
                            && d.endpoint().host().equals(aurora.instanceHost(writer))));
            long detected = System.nanoTime() - tFreeze;
            ItSupport.sleep(Duration.ofSeconds(4)); // past the statement deadline: every thread stuck on it got out
            load.close();
            aurora.postgres().unfreeze(writer);

            long slowest = load.ops.stream().mapToLong(Workload.Op::millis).max().orElseThrow();
            System.out.printf("aurora: frozen writer detected in %d ms; slowest op %d ms; readErrors=%d %s writeErrors=%d %s%n",
                    ms(detected), slowest, load.failures(false).size(), Workload.describe(load.failures(false)),
                    load.failures(true).size(), Workload.describe(load.failures(true)));
            assertThat(ms(detected)).as("ms until the frozen writer is declared down").isLessThanOrEqualTo(1000);
            assertThat(slowest).as("longest blocked operation (ms)")
                    .isLessThanOrEqualTo(ItSupport.STATEMENT_DEADLINE.toMillis() + 250);
            assertThat(load.failures(false)).as("read errors: %s", Workload.describe(load.failures(false))).isEmpty();
            assertThat(load.failures(true)).allSatisfy(o -> assertThat(DOCUMENTED).contains(o.error().getClass()));
        }
    }
}
