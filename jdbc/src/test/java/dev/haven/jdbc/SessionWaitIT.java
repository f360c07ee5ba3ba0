package dev.haven.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.Consistency;
import dev.haven.HavenSession;
import dev.haven.testkit.HavenPostgres;
import dev.haven.testkit.PostgresCluster;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@code haven.jdbc.session-wait}: a SESSION read right after its write goes to the writer at once by default, and
 * with a short wait to a replica that has replayed the write, without ever missing it.
 */
@HavenPostgres(replicas = 1)
class SessionWaitIT {

    private static final int PAIRS = 60;

    @Test
    void aShortWaitMovesReadsThatFollowTheirWriteToTheReplica(PostgresCluster cluster) throws Exception {
        Duration wait = Duration.ofMillis(500);
        try (HavenDataSource atOnce = ItSupport.ready(ItSupport.builder(cluster, ItSupport.events()).clusterName("no-wait"), cluster);
                HavenDataSource waiting = ItSupport.ready(ItSupport.builder(cluster, ItSupport.events()).clusterName("wait")
                        .sessionWait(wait), cluster)) {
            try (Connection c = atOnce.getConnection()) {
                c.createStatement().execute("CREATE TABLE notes (id bigint PRIMARY KEY, body text)");
            }
            cluster.awaitReplicated(Duration.ofSeconds(10));
            Pairs none = pairs(atOnce, 0);
            Pairs some = pairs(waiting, PAIRS);
            System.out.printf("session-wait: 0 ms -> %d of %d SESSION reads on the replica (slowest read %d ms); %d ms -> %d of %d"
                    + " (slowest %d ms); violations %d, %d%n", none.onReplica, PAIRS, none.slowestMs, wait.toMillis(),
                    some.onReplica, PAIRS, some.slowestMs, none.violations, some.violations);
            assertThat(none.violations + some.violations).as("reads that missed their session's write").isZero();
            // The replica replays in milliseconds, but Haven knows it only from a probe: without a wait nearly every
            // read right after its write goes to the writer; with one, most wait for the next sample and go to the replica.
            assertThat(some.onReplica).as("SESSION reads on the replica with session-wait=%s, of %d", wait, PAIRS)
                    .isGreaterThanOrEqualTo(PAIRS * 3 / 4).isGreaterThan(none.onReplica);
            assertThat(some.slowestMs).as("no read waits much past session-wait").isLessThan(wait.toMillis() + 1_500);
        }
    }

    private record Pairs(int onReplica, int violations, long slowestMs) {
    }

    private static Pairs pairs(HavenDataSource ds, long idBase) throws Exception {
        HavenSession session = HavenSession.create();
        int onReplica = 0;
        int violations = 0;
        long slowest = 0;
        for (int i = 0; i < PAIRS; i++) {
            long id = idBase + i;
            try (Connection c = ds.getConnection()) {
                c.unwrap(HavenConnection.class).session(session);
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO notes VALUES (?, 'x')")) {
                    ps.setLong(1, id);
                    ps.executeUpdate();
                }
            }
            long t0 = System.nanoTime();
            try (Connection c = ds.getConnection()) {
                c.setReadOnly(true);
                HavenConnection hc = c.unwrap(HavenConnection.class);
                hc.session(session);
                hc.consistency(Consistency.SESSION);
                try (PreparedStatement ps = c.prepareStatement("SELECT count(*), pg_is_in_recovery() FROM notes WHERE id = ?")) {
                    ps.setLong(1, id);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        violations += rs.getLong(1) == 1 ? 0 : 1;
                        onReplica += rs.getBoolean(2) ? 1 : 0;
                    }
                }
            }
            slowest = Math.max(slowest, (System.nanoTime() - t0) / 1_000_000);
        }
        return new Pairs(onReplica, violations, slowest);
    }
}
