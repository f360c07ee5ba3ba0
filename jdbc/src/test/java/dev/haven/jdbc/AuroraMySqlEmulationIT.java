package dev.haven.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.Consistency;
import dev.haven.Endpoint;
import dev.haven.Role;
import dev.haven.event.HavenEvent;
import dev.haven.jdbc.internal.AuroraMySqlTopologyProvider;
import dev.haven.jdbc.internal.JdbcUrl;
import dev.haven.testkit.mariadb.HavenMariaDb;
import dev.haven.testkit.mariadb.MariaDbCluster;
import dev.haven.testkit.mariadb.MariaDbNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The Aurora MySQL provider on the testkit's MariaDB cluster, pointed at an emulation of
 * {@code information_schema.replica_host_status}: a view over a replicated table, {@code node<server_id>} as instance
 * identifiers, {@code @@read_only} as the role (MariaDB has no {@code @@aurora_server_id}, and its
 * {@code innodb_read_only} is a start-up option). Only the primary is given as the way in.
 */
@HavenMariaDb(replicas = 2)
class AuroraMySqlEmulationIT {

    @Test
    void instancesFromTheStatusTableReadsWithinAuroraLagAndTheNewWriterFollowed(MariaDbCluster cluster) throws Exception {
        MariaDbNode first = cluster.primary();
        MariaDbNode near = cluster.replicas().get(0);
        MariaDbNode far = cluster.replicas().get(1);
        first.execute("CREATE DATABASE haven_aurora");
        first.execute("CREATE TABLE haven_aurora.instances (server_id varchar(64) PRIMARY KEY, session_id varchar(64),"
                + " lag_ms double)");
        // Aurora refreshes its rows continuously: the view's rows are always as of now.
        first.execute("CREATE VIEW haven_aurora.replica_host_status AS SELECT server_id AS SERVER_ID, session_id AS SESSION_ID,"
                + " lag_ms AS REPLICA_LAG_IN_MILLISECONDS, NOW(6) AS LAST_UPDATE_TIMESTAMP FROM haven_aurora.instances");
        first.execute("INSERT INTO haven_aurora.instances VALUES ('node" + first.serverId() + "', 'MASTER_SESSION_ID', 0),"
                + " ('node" + near.serverId() + "', 'a1', 8), ('node" + far.serverId() + "', 'a2', 5000)");
        cluster.awaitReplicated(Duration.ofSeconds(10));
        Map<String, Endpoint> instances = new HashMap<>();
        for (MariaDbNode n : cluster.nodes()) {
            instances.put("node" + n.serverId(), Endpoint.of(n.host(), n.port()));
        }
        String url = "jdbc:mariadb://" + first.host() + ":" + first.port() + "/" + cluster.database();
        ExecutorService aborter = Executors.newSingleThreadExecutor();
        List<HavenEvent> events = ItSupport.events();
        Duration bound = Duration.ofSeconds(1);
        try (HavenDataSource ds = HavenDataSource.builder().url(url).username(cluster.user()).password(cluster.password())
                .clusterName("it-aurora-mysql").deadline(ItSupport.STATEMENT_DEADLINE).writerWait(Duration.ofSeconds(10))
                .defaultConsistency(Consistency.boundedStaleness(bound)).poolProperty("connectionTimeout", "1000")
                .topologyProvider(new AuroraMySqlTopologyProvider(JdbcUrl.parse("haven.jdbc.url", url),
                        dev.haven.jdbc.internal.ConnectionCredentials.fixed(cluster.user(), cluster.password()), aborter, new AuroraMySqlTopologyProvider.Source("CONCAT('node', @@server_id)",
                                "@@read_only", "haven_aurora.replica_host_status"), (id, port) -> instances.get(id)))
                .listener(events::add).build()) {
            ItSupport.await("writer and 2 readers discovered from the status table", Duration.ofSeconds(10),
                    () -> ds.topology().writer().isPresent() && ds.topology().readers().size() == 2);
            Workload.createSchemaMySql(ds);
            cluster.awaitReplicated(Duration.ofSeconds(10));
            ItSupport.sleep(Duration.ofMillis(500)); // a probe round with both readers' lag
            Map<Integer, Integer> reads = new HashMap<>();
            for (int i = 0; i < 100; i++) {
                try (Connection c = ds.getConnection()) {
                    c.setReadOnly(true);
                    reads.merge(port(c), 1, Integer::sum);
                }
            }
            System.out.printf("reads by server port %s (near %d lag 8 ms, far %d lag 5000 ms)%n", reads, near.directPort(),
                    far.directPort());
            assertThat(reads).containsOnlyKeys(near.directPort()).containsEntry(near.directPort(), 100);

            // A failover: the writer killed, `near` promoted; Aurora's rows then name it the writer.
            cluster.killWriter();
            cluster.promote(near);
            long promotedAt = cluster.lastPromotionNanoTime();
            near.execute("UPDATE haven_aurora.instances SET session_id = 'MASTER_SESSION_ID', lag_ms = 0"
                    + " WHERE server_id = 'node" + near.serverId() + "'");
            near.execute("DELETE FROM haven_aurora.instances WHERE server_id = 'node" + first.serverId() + "'");
            long firstOk = -1;
            int errors = 0;
            for (int i = 0; i < 50; i++) {
                try (Connection c = ds.getConnection();
                        PreparedStatement ps = c.prepareStatement("INSERT INTO items(id, payload) VALUES (?, 'aurora')")) {
                    ps.setLong(1, i + 1);
                    ps.executeUpdate();
                    assertThat(port(c)).isEqualTo(near.directPort());
                    if (firstOk < 0) {
                        firstOk = System.nanoTime();
                    }
                } catch (SQLException e) {
                    errors++;
                    System.out.println("write failed: " + e);
                }
            }
            System.out.printf("first write on the new writer %d ms after the promotion; errors %d; topology %s%n",
                    ItSupport.ms(firstOk - promotedAt), errors, ds.topology());
            assertThat(errors).isZero();
            assertThat(ds.topology().writer()).map(Endpoint::port).contains(near.port());
            assertThat(ds.topology().endpoints()).filteredOn(e -> e.port() == far.port()).extracting(Endpoint::role)
                    .containsExactly(Role.READER);
            assertThat(MariaDbSupport.count(near, "SELECT count(*) FROM items WHERE payload = 'aurora'")).isEqualTo(50);
        } finally {
            aborter.shutdown();
            assertThat(aborter.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    private static int port(Connection c) throws SQLException {
        try (ResultSet rs = c.createStatement().executeQuery("SELECT @@port")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
