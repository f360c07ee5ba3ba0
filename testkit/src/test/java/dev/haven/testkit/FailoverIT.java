package dev.haven.testkit;

import static dev.haven.testkit.ReplicationIT.open;
import static dev.haven.testkit.ReplicationIT.queryString;
import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Writer loss and promotion with synchronous replication (ANY 1 of 2), as a failover test would drive it. */
class FailoverIT {

    @Test
    void killWriterThenPromoteMostAdvancedReplicaGivesWritablePrimaryThatTheOtherReplicaFollows() throws SQLException {
        try (PostgresCluster cluster = PostgresCluster.builder().replicas(2).synchronousStandbys(1).start()) {
            System.out.printf("[FailoverIT] startup %d ms, %s%n", cluster.startupTime().toMillis(), cluster.binarySource());
            PgNode oldPrimary = cluster.primary();
            long oldPid = oldPrimary.pid().orElseThrow();
            try (Connection c = cluster.connect(oldPrimary)) {
                assertThat(queryString(c, "SHOW synchronous_standby_names")).isEqualTo("ANY 1 (*)");
                assertThat(queryString(c, "SELECT string_agg(sync_state, ',') FROM pg_stat_replication")).isEqualTo("quorum,quorum");
            }
            try (Connection c = open(oldPrimary.jdbcUrl(), cluster); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE events (id int PRIMARY KEY, what text)");
                s.executeUpdate("INSERT INTO events VALUES (1, 'before failover')"); // committed = on a sync standby
            }

            long t0 = System.nanoTime();
            cluster.killWriter();
            assertThat(oldPrimary.isRunning()).isFalse();
            assertThat(ProcessHandle.of(oldPid).map(ProcessHandle::isAlive).orElse(false)).isFalse();

            PgNode candidate = cluster.mostAdvancedReplica();
            PgNode newPrimary = cluster.promote(candidate);
            System.out.printf("[FailoverIT] kill + promote %s took %d ms%n", newPrimary.name(), (System.nanoTime() - t0) / 1_000_000);

            assertThat(newPrimary).isSameAs(candidate).isSameAs(cluster.primary());
            assertThat(cluster.nodes().get(0)).isSameAs(newPrimary);
            List<PgNode> followers = cluster.replicas().stream().filter(PgNode::isRunning).collect(Collectors.toList());
            assertThat(followers).hasSize(1);
            PgNode follower = followers.get(0);

            // The new primary accepts writes (through its proxy), and still has the synchronously committed row.
            try (Connection c = open(newPrimary.jdbcUrl(), cluster); Statement s = c.createStatement()) {
                assertThat(queryString(c, "SELECT what FROM events WHERE id = 1")).isEqualTo("before failover");
                assertThat(s.executeUpdate("INSERT INTO events VALUES (2, 'after failover')")).isEqualTo(1);
            }
            cluster.awaitReplicated(Duration.ofSeconds(10));

            int newTimeline;
            try (Connection c = cluster.connect(newPrimary)) {
                newTimeline = Integer.parseInt(queryString(c, "SELECT pg_walfile_name(pg_current_wal_lsn())").substring(0, 8), 16);
            }
            assertThat(newTimeline).isEqualTo(2);
            try (Connection c = open(follower.jdbcUrl(), cluster)) {
                assertThat(queryString(c, "SELECT what FROM events WHERE id = 2")).isEqualTo("after failover");
                assertThat(queryString(c, "SELECT pg_is_in_recovery()::text")).isEqualTo("true");
                assertThat(queryString(c, "SELECT received_tli FROM pg_stat_wal_receiver")).isEqualTo(Integer.toString(newTimeline));
                assertThat(queryString(c, "SELECT sender_port FROM pg_stat_wal_receiver"))
                        .isEqualTo(Integer.toString(newPrimary.directPort()));
            }

            // A client using the multi-host URL finds the new writer.
            try (Connection c = open(cluster.jdbcUrl() + "?targetServerType=primary&connectTimeout=2", cluster)) {
                assertThat(queryString(c, "SELECT inet_server_port()")).isEqualTo(Integer.toString(newPrimary.directPort()));
            }
        }
    }
}
