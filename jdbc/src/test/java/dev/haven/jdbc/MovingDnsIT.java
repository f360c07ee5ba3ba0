package dev.haven.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.Endpoint;
import dev.haven.testkit.PgNode;
import dev.haven.testkit.PostgresCluster;
import dev.haven.testkit.RdsMultiAzCluster;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Plain PostgreSQL reached through one DNS name that moves to the new primary some time after a failover (a Route 53
 * failover record, a cluster endpoint): the JVM resolves names through a hosts file that the testkit rewrites
 * ({@code -Djdk.net.hosts.file}, DNS cache TTL 0, see jdbc/pom.xml). Haven keeps no resolution of its own: the old
 * primary's pooled connections die with it, the probes and new connections resolve the name again, and the timeline
 * tells the new primary from the old. The emulated RDS Multi-AZ cluster provides the moving name; Haven runs with
 * {@code provider=postgres} and that name as its only seed (the replicas are discovered from the primary's
 * {@code pg_stat_replication}, under their addresses).
 */
class MovingDnsIT {

    private static final Set<Class<?>> DOCUMENTED = Set.of(HavenWriteOutcomeUnknownException.class,
            HavenTransactionRolledBackException.class, HavenUnavailableException.class);
    private static final Duration DNS_LAG = Duration.ofMillis(800);

    @Test
    void aSingleSeedNameThatMovesAfterTheFailoverTakesTheWritesToTheNewPrimary() throws Exception {
        try (RdsMultiAzCluster maz = PostgresCluster.builder().replicas(2).rdsMultiAz("moving", "eu-central-1")
                .clusterEndpointMovesAfter(DNS_LAG).start();
                HavenDataSource ds = HavenDataSource.builder().url(maz.jdbcUrl()).username(maz.user()).password(maz.password())
                        .provider(JdbcProvider.POSTGRES).clusterName("moving-dns").deadline(ItSupport.STATEMENT_DEADLINE)
                        .writerWait(ItSupport.WRITER_WAIT).poolProperty("connectionTimeout", "1000")
                        .poolProperty("maximumPoolSize", "12").build()) {
            ItSupport.await("the writer behind the name", Duration.ofSeconds(10), () -> ds.topology().writer().isPresent());
            assertThat(ds.provider()).isEqualTo(JdbcProvider.POSTGRES);
            Workload.createSchema(ds);
            Workload load = new Workload(ds, 8, 0.5, 2_000_000).start();
            ItSupport.sleep(Duration.ofSeconds(2));
            PgNode promoted = maz.failover(); // kill -9 of the writer, promotion; the name follows DNS_LAG later
            long tPromoted = System.nanoTime();
            ItSupport.sleep(DNS_LAG.plusSeconds(3));
            load.close();

            List<Workload.Op> readErrors = load.failures(false);
            List<Workload.Op> writeErrors = load.failures(true);
            long firstWriteAfter = load.firstWriteOn(promoted.directPort());
            long afterMs = (firstWriteAfter - tPromoted) / 1_000_000;
            System.out.printf("moving DNS name: first write on the new primary %d ms after promotion (name moved %d ms after "
                    + "it); ops=%d readErrors=%d writeErrors=%d %s%n", afterMs, DNS_LAG.toMillis(), load.ops.size(),
                    readErrors.size(), writeErrors.size(), Workload.describe(writeErrors));
            // Reads wait for a writer (the only server Haven knows) up to writer-wait, longer than the DNS lag.
            assertThat(readErrors).as("read errors surfaced: %s", Workload.describe(readErrors)).isEmpty();
            assertThat(writeErrors).allSatisfy(o -> assertThat(DOCUMENTED).contains(o.error().getClass()));
            // The name moves DNS_LAG after the promotion; then one fast probe round and a new connection.
            long bound = DNS_LAG.toMillis() + ItSupport.WRITER_WAIT.toMillis();
            assertThat(afterMs).as("ms from promotion to the first write on the new primary").isLessThanOrEqualTo(bound);
            assertThat(load.writes().stream().filter(o -> o.error() == null && o.endNanos() > firstWriteAfter)
                    .allMatch(o -> o.serverPort() == promoted.directPort())).as("every later write on the new primary").isTrue();
            try (Connection c = maz.postgres().connect(promoted)) {
                assertThat(load.missingOn(c)).as("acknowledged writes missing (semi-synchronous replication)").isEmpty();
            }
            // The new primary under its own address (the old primary's pg_stat_replication named it) or under the
            // moved name, whichever Haven saw first: the same server either way.
            assertThat(ds.topology().writer()).map(Endpoint::host).hasValueSatisfying(
                    h -> assertThat(h).isIn(promoted.host(), maz.clusterEndpoint()));
        }
    }
}
