package dev.haven.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.Consistency;
import dev.haven.testkit.HavenPostgres;
import dev.haven.testkit.PostgresCluster;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A replica of an idle writer is fresh. After {@code pg_switch_wal()} the writer's insert position is just past the new
 * segment's page header, which no replica replays to; read as it is, it made every replica look stale for as long as
 * the writer stayed idle, and all reads went to the writer.
 *
 * <p>The first bounded read after a quiet spell may go to the writer by design: the monitor samples lag at the normal
 * probe interval until bounded reads are made, so the newest sample can be older than the bound. The test therefore
 * waits (at most 10 s; with the defect, for ever) until a bounded read reaches the replica, and then counts.
 */
@HavenPostgres(replicas = 1)
class IdleWriterIT {

    /** Lag is sampled every quarter of it while bounded reads run: 500 ms leaves room for a busy machine's stalls. */
    private static final Duration BOUND = Duration.ofSeconds(2);

    private static boolean readOnReplica(HavenDataSource ds) {
        try (Connection c = ds.getConnection()) {
            c.setReadOnly(true);
            try (ResultSet rs = c.createStatement().executeQuery("SELECT pg_is_in_recovery()")) {
                rs.next();
                return rs.getBoolean(1);
            }
        } catch (SQLException e) {
            throw new AssertionError("a bounded read failed", e);
        }
    }

    @Test
    void replicasOfAnIdleWriterWhoseWalEndsOnASegmentBoundaryServeBoundedReads(PostgresCluster cluster) throws Exception {
        try (HavenDataSource ds = ItSupport.ready(ItSupport.builder(cluster, ItSupport.events())
                .defaultConsistency(Consistency.boundedStaleness(BOUND)), cluster)) {
            try (Connection c = ds.getConnection()) {
                c.createStatement().execute("CREATE TABLE idle (id int)");
                c.createStatement().execute("SELECT pg_switch_wal()");
            }
            cluster.awaitReplicated(Duration.ofSeconds(10));
            ItSupport.sleep(BOUND.multipliedBy(3)); // idle for three times the bound
            ItSupport.await("a bounded read served by the replica of the idle writer", Duration.ofSeconds(10),
                    () -> readOnReplica(ds));
            int onReplica = 0;
            for (int i = 0; i < 20; i++) {
                onReplica += readOnReplica(ds) ? 1 : 0;
            }
            System.out.printf("idle writer at a segment boundary: %d of 20 bounded reads on the replica%n", onReplica);
            assertThat(onReplica).as("bounded reads served by the caught-up replica of an idle writer, of 20").isEqualTo(20);
        }
    }
}
