package dev.haven.jdbc;

import static dev.haven.jdbc.ItSupport.ms;
import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.Consistency;
import dev.haven.Endpoint;
import dev.haven.HavenSession;
import dev.haven.Role;
import dev.haven.event.HavenEvent;
import dev.haven.testkit.PgNode;
import dev.haven.testkit.PostgresCluster;
import dev.haven.testkit.RdsMultiAzCluster;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Haven on an (emulated) RDS Multi-AZ DB cluster, reached through its cluster endpoint: the provider is detected, the
 * instances come from {@code rds_tools.show_topology()}, lag and SESSION work on PostgreSQL positions, and a writer
 * failover under 8 threads costs no read and only documented write errors, also with the cluster endpoint's DNS left
 * on the dead writer.
 */
class RdsMultiAzFailoverIT {

    private static final Set<Class<?>> DOCUMENTED = Set.of(HavenWriteOutcomeUnknownException.class,
            HavenTransactionRolledBackException.class, HavenUnavailableException.class);

    @ParameterizedTest(name = "cluster endpoint moves with the writer: {0}")
    @ValueSource(booleans = {true, false})
    void writerKilledAndStandbyPromotedUnderEightThreads(boolean clusterEndpointMoves) throws Exception {
        List<HavenEvent> events = ItSupport.events();
        RdsMultiAzCluster.Builder b = PostgresCluster.builder().replicas(2).rdsMultiAz("ledger", "eu-central-1");
        if (!clusterEndpointMoves) {
            b.clusterEndpointNeverMoves();
        }
        try (RdsMultiAzCluster maz = b.start();
                HavenDataSource ds = ItSupport.ready(HavenDataSource.builder().url(maz.jdbcUrl()).username(maz.user())
                        .password(maz.password()).clusterName("maz-it").deadline(ItSupport.STATEMENT_DEADLINE)
                        .writerWait(ItSupport.WRITER_WAIT).poolProperty("connectionTimeout", "1000")
                        .poolProperty("maximumPoolSize", "12").listener(events::add), maz.postgres())) {
            PgNode oldWriter = maz.writer();
            assertThat(ds.provider()).isEqualTo(JdbcProvider.RDS_MULTI_AZ_POSTGRES);
            assertThat(ds.endpoints()).as("instances by their instance endpoints; the cluster endpoint is never a target")
                    .filteredOn(e -> e.role() != Role.UNKNOWN).extracting(Endpoint::host)
                    .containsExactlyInAnyOrderElementsOf(maz.postgres().nodes().stream().map(maz::instanceHost).toList());
            Workload.createSchema(ds);
            maz.postgres().awaitReplicated(Duration.ofSeconds(10));

            // SESSION reads work on PostgreSQL positions here (unlike Aurora): a replica serves them once it replayed
            HavenSession session = HavenSession.create();
            int onReplica = 0;
            for (int i = 0; i < 50; i++) {
                try (Connection c = ds.getConnection()) {
                    c.unwrap(HavenConnection.class).session(session);
                    try (PreparedStatement ps = c.prepareStatement("INSERT INTO items(id, payload) VALUES (?, 's')")) {
                        ps.setLong(1, -1_000 - i);
                        ps.executeUpdate();
                    }
                }
                ItSupport.sleep(Duration.ofMillis(100));
                try (Connection c = ds.getConnection()) {
                    c.setReadOnly(true);
                    HavenConnection hc = c.unwrap(HavenConnection.class);
                    hc.session(session);
                    hc.consistency(Consistency.SESSION);
                    try (PreparedStatement ps = c.prepareStatement("SELECT count(*), pg_is_in_recovery() FROM items WHERE id = ?")) {
                        ps.setLong(1, -1_000 - i);
                        try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            assertThat(rs.getLong(1)).as("read-your-write %d", i).isEqualTo(1);
                            onReplica += rs.getBoolean(2) ? 1 : 0;
                        }
                    }
                }
            }
            assertThat(onReplica).as("SESSION reads of 50 served by a standby").isGreaterThan(10);

            Workload load = new Workload(ds, 8, 0.5, 2_000_000).start();
            ItSupport.sleep(Duration.ofSeconds(2));
            long tKill = System.nanoTime();
            PgNode promoted = maz.failover();
            long tPromoted = System.nanoTime();
            if (!clusterEndpointMoves) {
                assertThat(maz.clusterEndpointTarget()).contains(oldWriter);
            }
            ItSupport.sleep(Duration.ofSeconds(3));
            load.close();

            List<Workload.Op> readErrors = load.failures(false);
            List<Workload.Op> writeErrors = load.failures(true);
            long firstWriteAfter = load.firstWriteOn(promoted.directPort());
            System.out.printf("rds multi-az (cluster endpoint moves: %s): SESSION reads on standbys %d/50, kill->promoted %d ms,"
                            + " first write ok %d ms after promotion; ops=%d readErrors=%d writeErrors=%d %s%n",
                    clusterEndpointMoves, onReplica, ms(tPromoted - tKill), ms(firstWriteAfter - tPromoted), load.ops.size(),
                    readErrors.size(), writeErrors.size(), Workload.describe(writeErrors));

            assertThat(readErrors).as("read errors surfaced: %s", Workload.describe(readErrors)).isEmpty();
            assertThat(writeErrors).allSatisfy(o -> assertThat(DOCUMENTED).contains(o.error().getClass()));
            assertThat(ms(firstWriteAfter - tPromoted)).as("ms from promotion to the first write on the new writer")
                    .isLessThanOrEqualTo(500);
            try (Connection c = maz.postgres().connect(promoted)) {
                assertThat(load.missingOn(c)).as("acknowledged writes missing after failover (semi-synchronous replication)").isEmpty();
            }
            assertThat(ds.topology().writer()).map(Endpoint::host).contains(maz.instanceHost(promoted));
        }
    }
}
