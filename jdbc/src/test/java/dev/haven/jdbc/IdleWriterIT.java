package dev.haven.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.Consistency;
import dev.haven.testkit.HavenPostgres;
import dev.haven.testkit.PostgresCluster;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A replica of an idle writer is fresh. After {@code pg_switch_wal()} the writer's insert position is just past the new
 * segment's page header, which no replica replays to; read as it is, it made every replica look stale for as long as
 * the writer stayed idle, and all reads went to the writer.
 */
@HavenPostgres(replicas = 1)
class IdleWriterIT {

    @Test
    void replicasOfAnIdleWriterWhoseWalEndsOnASegmentBoundaryServeBoundedReads(PostgresCluster cluster) throws Exception {
        try (HavenDataSource ds = ItSupport.ready(ItSupport.builder(cluster, ItSupport.events())
                .defaultConsistency(Consistency.boundedStaleness(Duration.ofSeconds(1))), cluster)) {
            try (Connection c = ds.getConnection()) {
                c.createStatement().execute("CREATE TABLE idle (id int)");
                c.createStatement().execute("SELECT pg_switch_wal()");
            }
            cluster.awaitReplicated(Duration.ofSeconds(10));
            ItSupport.sleep(Duration.ofSeconds(3)); // idle for three times the bound
            int onReplica = 0;
            for (int i = 0; i < 20; i++) {
                try (Connection c = ds.getConnection()) {
                    c.setReadOnly(true);
                    try (ResultSet rs = c.createStatement().executeQuery("SELECT pg_is_in_recovery()")) {
                        rs.next();
                        onReplica += rs.getBoolean(1) ? 1 : 0;
                    }
                }
            }
            System.out.printf("idle writer at a segment boundary: %d of 20 bounded reads on the replica%n", onReplica);
            assertThat(onReplica).as("bounded reads served by the caught-up replica of an idle writer, of 20").isEqualTo(20);
        }
    }
}
