package dev.haven.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.Consistency;
import dev.haven.HavenSession;
import dev.haven.Position;
import dev.haven.jdbc.internal.RoutingDataSource;
import dev.haven.testkit.HavenPostgres;
import dev.haven.testkit.PgNode;
import dev.haven.testkit.PostgresCluster;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A session's commits cost no round trip of their own: the mark is learnt when the session needs it, from the writer
 * position the probes sampled after the commits, or with one query for a whole burst when no probe ran since; and the
 * mark learnt that way still sends SESSION reads only where the writes are.
 */
@HavenPostgres(replicas = 1)
class SessionMarkIT {

    private static final int BURST = 100;

    @Test
    void aBurstOfCommitsCostsAtMostOneQueryAndNoneOnceAProbeHasRun(PostgresCluster cluster) throws Exception {
        Duration probeInterval = Duration.ofMillis(200);
        try (HavenDataSource ds = ItSupport.ready(ItSupport.builder(cluster, ItSupport.events()).clusterName("marks")
                .probeInterval(probeInterval), cluster)) {
            RoutingDataSource routing = routing(ds);
            try (Connection c = ds.getConnection()) {
                c.createStatement().execute("CREATE TABLE marks (id bigint PRIMARY KEY)");
            }
            cluster.awaitReplicated(Duration.ofSeconds(10));
            HavenSession session = HavenSession.create();
            long before = routing.markQueries();
            insert(ds, session, 0);
            long afterCommits = routing.markQueries() - before;
            String token = session.token(); // right after the burst: no probe has run since, one query
            long afterToken = routing.markQueries() - before;

            insert(ds, session, BURST);
            // Rounds every 200 ms: 3 s later (15 intervals, slack for a loaded machine) a probe of the writer was sent
            // after the last commit.
            ItSupport.sleep(probeInterval.multipliedBy(15));
            long beforeSecond = routing.markQueries();
            String later = session.token();
            long secondToken = routing.markQueries() - beforeSecond;
            System.out.printf("session marks: %d commits -> %d queries; token right after -> %d queries in all (%s);"
                    + " %d more commits, token after a probe round -> %d queries (%s)%n", BURST, afterCommits, afterToken,
                    token, BURST, secondToken, later);
            assertThat(afterCommits).as("queries made by %d committed session writes", BURST).isZero();
            // one, or none if a probe round happened to start between the last commit and token()
            assertThat(afterToken).as("queries to learn the mark of the whole burst").isLessThanOrEqualTo(1);
            assertThat(secondToken).as("queries once a writer probe sampled a position after the commits").isZero();

            // The mark learnt from the probes covers the writes: with the replica's replay paused a SESSION read from
            // the token sees all 2 x BURST rows (the writer serves it), and after replay resumes it still does.
            PgNode replica = cluster.replicas().get(0);
            cluster.pauseReplay(replica);
            try (Connection c = ds.getConnection()) {
                c.createStatement().executeUpdate("INSERT INTO marks VALUES (" + (3 * BURST) + ")"); // replica misses it
            }
            HavenSession continued = HavenSession.fromToken(later);
            try (Connection c = ds.getConnection()) {
                c.unwrap(HavenConnection.class).session(continued);
                c.createStatement().executeUpdate("INSERT INTO marks VALUES (" + (3 * BURST + 1) + ")");
            }
            assertThat(sessionCount(ds, continued)).as("rows a SESSION read sees while the replica is paused")
                    .isEqualTo(2 * BURST + 2);
            cluster.resumeReplay(replica);
            assertThat(sessionCount(ds, continued)).isEqualTo(2 * BURST + 2);
            assertThat(continued.mark("marks").orElseThrow().position()).isInstanceOf(Position.Offset.class)
                    .isNotEqualTo(Position.UNREACHABLE);
        }
    }

    private static void insert(HavenDataSource ds, HavenSession session, int from) throws Exception {
        try (Connection c = ds.getConnection()) {
            c.unwrap(HavenConnection.class).session(session);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO marks VALUES (?)")) {
                for (int i = from; i < from + BURST; i++) {
                    ps.setLong(1, i);
                    ps.executeUpdate(); // autocommit: each its own commit
                }
            }
        }
    }

    private static long sessionCount(HavenDataSource ds, HavenSession session) throws Exception {
        try (Connection c = ds.getConnection()) {
            c.setReadOnly(true);
            HavenConnection hc = c.unwrap(HavenConnection.class);
            hc.session(session);
            hc.consistency(Consistency.SESSION);
            try (ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM marks")) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** The data source's routing, for its count of mark queries (white-box: the server cannot tell them apart). */
    private static RoutingDataSource routing(HavenDataSource ds) throws ReflectiveOperationException {
        java.lang.reflect.Field f = HavenDataSource.class.getDeclaredField("routing");
        f.setAccessible(true);
        return (RoutingDataSource) f.get(ds);
    }
}
