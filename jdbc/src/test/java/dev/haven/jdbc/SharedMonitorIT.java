package dev.haven.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.event.HavenEvent;
import dev.haven.testkit.HavenPostgres;
import dev.haven.testkit.PgNode;
import dev.haven.testkit.PostgresCluster;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Two data sources on one cluster in one JVM share one topology monitor: one probe connection per server, not two. */
@HavenPostgres(replicas = 1)
class SharedMonitorIT {

    private static long monitorThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().equals("haven-monitor-it")).count();
    }

    private static long probeConnections(PostgresCluster cluster, PgNode node) throws SQLException {
        return ItSupport.count(cluster, node, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'haven-probe'");
    }

    private static boolean inRecovery(Connection c) throws SQLException {
        try (ResultSet rs = c.createStatement().executeQuery("SELECT pg_is_in_recovery()")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    @Test
    void twoDataSourcesShareOneMonitorWhichOutlivesTheFirstAndStopsWithTheLast(PostgresCluster cluster) throws Exception {
        PgNode primary = cluster.primary();
        PgNode replica = cluster.replicas().get(0);
        List<HavenEvent> eventsA = ItSupport.events();
        List<HavenEvent> eventsB = ItSupport.events();
        HavenDataSource a = ItSupport.ready(ItSupport.builder(cluster, eventsA), cluster);
        HavenDataSource b;
        try {
            // another lag bound is fine (lag sampling is merged); another probe interval is not
            b = ItSupport.ready(ItSupport.builder(cluster, eventsB).defaultConsistency(dev.haven.Consistency.boundedStaleness(Duration.ofSeconds(10))), cluster);
            assertThatThrownBy(() -> ItSupport.builder(cluster, ItSupport.events()).probeInterval(Duration.ofSeconds(2)).build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("haven.jdbc.probe-interval is 2s here, but jdbc cluster 'it'");
        } catch (Throwable t) {
            a.close();
            throw t;
        }
        try {
            long threads = monitorThreads();
            long probesOnPrimary = probeConnections(cluster, primary);
            long probesOnReplica = probeConnections(cluster, replica);
            System.out.printf("[SharedMonitorIT] 2 data sources: %d monitor thread(s), probe connections primary=%d replica=%d%n",
                    threads, probesOnPrimary, probesOnReplica);
            assertThat(threads).isEqualTo(1);
            assertThat(probesOnPrimary).isEqualTo(1);
            assertThat(probesOnReplica).isEqualTo(1);

            a.close(); // the data source that started the monitor
            try (Connection c = b.getConnection()) {
                c.createStatement().execute("CREATE TABLE IF NOT EXISTS shared_monitor(id int)");
            }
            try (Connection c = b.getConnection()) {
                c.setReadOnly(true);
                assertThat(inRecovery(c)).as("b's read-only work still on the replica").isTrue();
            }
            assertThat(monitorThreads()).isEqualTo(1);

            // the monitor keeps watching for b: a failover after a closed is detected and b's writes follow it
            int eventsOfA = eventsA.size();
            cluster.killWriter();
            PgNode promoted = cluster.promote(cluster.mostAdvancedReplica());
            ItSupport.await("b sees the promoted writer", Duration.ofSeconds(10), () -> b.topology().writer()
                    .map(w -> w.port() == promoted.port()).orElse(false));
            try (Connection c = b.getConnection()) {
                c.createStatement().execute("INSERT INTO shared_monitor VALUES (1)");
                assertThat(inRecovery(c)).isFalse();
            }
            // the monitor publishes its snapshot before the round's events: under load (15) the event came a moment later
            ItSupport.await("FailoverCompleted delivered to b", Duration.ofSeconds(5),
                    () -> eventsB.stream().anyMatch(e -> e instanceof HavenEvent.FailoverCompleted));
            assertThat(eventsA).as("a closed data source hears nothing more").hasSize(eventsOfA);
        } finally {
            b.close();
        }
        ItSupport.await("no monitor thread", Duration.ofSeconds(5), () -> monitorThreads() == 0);
        ItSupport.await("no probe connection", Duration.ofSeconds(5), () -> {
            try {
                return probeConnections(cluster, cluster.primary()) == 0;
            } catch (SQLException e) {
                throw new AssertionError(e);
            }
        });
    }
}
