package dev.haven.testkit;

import static dev.haven.testkit.AuroraEmulationIT.resolve;
import static dev.haven.testkit.AuroraEmulationIT.resolveAll;
import static dev.haven.testkit.AuroraEmulationIT.row;
import static dev.haven.testkit.AuroraEmulationIT.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The RDS Multi-AZ DB cluster (PostgreSQL) emulation as a client sees it: names through the hosts file (failsafe's
 * argLine points this JVM at target/aurora-hosts with no DNS caching), the {@code rds_tools} functions on every
 * instance, semi-synchronous replication, the functions and the cluster endpoint following a failover, and the cluster
 * endpoint moving at once, late, or never.
 */
class RdsMultiAzEmulationIT {

    // The queries of the AWS Advanced JDBC Wrapper 3.2.0, verbatim (DriverInfo.DRIVER_VERSION = 3.2.0).
    // software.amazon.jdbc.dialect.MultiAzClusterPgDialect:
    static final String IS_RDS_CLUSTER_QUERY =
            "SELECT multi_az_db_cluster_source_dbi_resource_id FROM rds_tools.multi_az_db_cluster_source_dbi_resource_id()";
    static final String TOPOLOGY_QUERY = "SELECT id, endpoint, port FROM rds_tools.show_topology('aws_jdbc_driver-3.2.0')";
    static final String INSTANCE_ID_QUERY = "SELECT id, SUBSTRING(endpoint FROM 0 FOR POSITION('.' IN endpoint))"
            + " FROM rds_tools.show_topology()"
            + " WHERE id OPERATOR(pg_catalog.=) rds_tools.dbi_resource_id()";
    static final String WRITER_ID_QUERY =
            "SELECT multi_az_db_cluster_source_dbi_resource_id FROM rds_tools.multi_az_db_cluster_source_dbi_resource_id()"
                    + " WHERE multi_az_db_cluster_source_dbi_resource_id OPERATOR(pg_catalog.!=)"
                    + " (SELECT dbi_resource_id FROM rds_tools.dbi_resource_id())";
    static final String IS_READER_QUERY = "SELECT pg_catalog.pg_is_in_recovery()";
    // software.amazon.jdbc.dialect.RdsPgDialect (rds_tools without aurora_stat_utils) and AuroraPgDialect (must say no):
    static final String RDS_EXTENSIONS_EXIST_SQL = "SELECT (setting LIKE '%rds_tools%') AS rds_tools, "
            + "(setting LIKE '%aurora_stat_utils%') AS aurora_stat_utils "
            + "FROM pg_catalog.pg_settings "
            + "WHERE name OPERATOR(pg_catalog.=) 'rds.extensions'";
    static final String RDS_TOPOLOGY_EXISTS_QUERY = "SELECT 'rds_tools.show_topology'::regproc";
    static final String AURORA_UTILS_EXIST_QUERY = AuroraEmulationIT.AURORA_UTILS_EXIST_QUERY;

    @Test
    void javadocExample() throws Exception {
        // The RdsMultiAzCluster javadoc example, verbatim.
        try (RdsMultiAzCluster rds = PostgresCluster.builder().replicas(2).rdsMultiAz("orders", "us-east-1").start()) {
            String url = rds.jdbcUrl(); // jdbc:postgresql://orders.cluster-orders.us-east-1.rds.amazonaws.com:<port>/haven
            try (Connection c = DriverManager.getConnection(url, rds.user(), rds.password());
                 ResultSet rs = c.createStatement().executeQuery("SELECT rds_tools.dbi_resource_id()")) {
                rs.next();
                assert rs.getString(1).equals(rds.instanceId(rds.writer())); // db-..., the cluster endpoint names the writer
            }
            PgNode writer = rds.failover(); // kills orders-instance-1, promotes the most advanced reader
            assert rds.instanceName(writer).equals(rds.clusterEndpointTarget().map(rds::instanceName).orElseThrow());
        }
    }

    @Test
    void everyInstanceReportsTheClusterAndTheFunctionsFollowAFailover() throws Exception {
        try (RdsMultiAzCluster rds = PostgresCluster.builder().replicas(2).rdsMultiAz("orders", "us-east-1").start()) {
            PostgresCluster pg = rds.postgres();
            System.out.printf("[RdsMultiAzEmulationIT] startup %d ms (%s), port %d, hosts file %s%n", pg.startupTime().toMillis(),
                    pg.binarySource(), rds.port(), rds.hostsFile());
            assertThat(rds.hostsFile()).isEqualTo(Path.of(System.getProperty("jdk.net.hosts.file")).toAbsolutePath());
            assertThat(rds.clusterEndpoint()).isEqualTo("orders.cluster-orders.us-east-1.rds.amazonaws.com");
            assertThat(rds.readerEndpoint()).isEqualTo("orders.cluster-ro-orders.us-east-1.rds.amazonaws.com");
            assertThat(rds.instanceHostPattern()).isEqualTo("?.orders.us-east-1.rds.amazonaws.com");

            // Names and ids: one loopback address per instance, one port for all, the cluster endpoint on the writer.
            List<PgNode> nodes = pg.nodes();
            PgNode writer = rds.writer();
            assertThat(nodes.stream().map(PgNode::host).collect(Collectors.toSet())).hasSize(3)
                    .allMatch(a -> a.startsWith("127.0.") && !a.equals("127.0.0.1"));
            assertThat(nodes.stream().map(rds::instanceName)).containsExactly("orders-instance-1", "orders-instance-2", "orders-instance-3");
            assertThat(nodes.stream().map(rds::instanceId).collect(Collectors.toSet())).hasSize(3).allMatch(id -> id.matches("db-[A-Z2-7]{26}"));
            for (PgNode n : nodes) {
                assertThat(n.port()).isEqualTo(rds.port());
                assertThat(rds.instanceHost(n)).isEqualTo(rds.instanceName(n) + ".orders.us-east-1.rds.amazonaws.com");
                assertThat(resolve(rds.instanceHost(n))).isEqualTo(n.host());
            }
            assertThat(resolve(rds.clusterEndpoint())).isEqualTo(writer.host());
            assertThat(resolveAll(rds.readerEndpoint())).containsExactlyInAnyOrderElementsOf(pg.replicas().stream().map(PgNode::host).toList());

            // Semi-synchronous: a commit waits for one of the two readers.
            try (Connection c = pg.connect(writer)) {
                assertThat(row(c, "SHOW synchronous_standby_names")).containsExactly("ANY 1 (*)");
                assertThat(rows(c, "SELECT sync_state FROM pg_stat_replication")).containsExactly(List.of("quorum"), List.of("quorum"));
            }

            // Every instance, reached by its name, answers the wrapper's queries.
            assertFunctions(rds, nodes, writer);
            System.out.printf("[RdsMultiAzEmulationIT] show_topology(): %s%n", topology(rds, writer));

            try (Connection c = connect(rds.jdbcUrl(), rds); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE orders (id int PRIMARY KEY, instance text)");
                assertThat(s.executeUpdate("INSERT INTO orders VALUES (1, rds_tools.dbi_resource_id())")).isEqualTo(1);
            }

            // Failover: the new writer names itself at once; the other reader names it once it streams from it.
            PgNode oldWriter = writer;
            long t0 = System.nanoTime();
            PgNode newWriter = rds.failover();
            long failoverMillis = (System.nanoTime() - t0) / 1_000_000;
            String newId = rds.instanceId(newWriter);
            assertThat(newWriter).isNotSameAs(oldWriter).isSameAs(rds.writer());
            assertThat(rds.clusterEndpointTarget()).contains(newWriter);
            assertThat(resolve(rds.clusterEndpoint())).isEqualTo(newWriter.host());
            PgNode reader = pg.replicas().stream().filter(PgNode::isRunning).findFirst().orElseThrow();
            assertThat(resolveAll(rds.readerEndpoint())).containsExactly(reader.host());
            try (Connection c = connect(rds.instanceJdbcUrl(newWriter), rds)) {
                assertThat(row(c, IS_RDS_CLUSTER_QUERY)).containsExactly(newId);
                assertThat(rows(c, WRITER_ID_QUERY)).isEmpty();
            }
            long waited = awaitSource(rds, reader, newId, Duration.ofSeconds(30));
            System.out.printf("[RdsMultiAzEmulationIT] failover() took %d ms; %s names %s as its source %d ms after it%n",
                    failoverMillis, rds.instanceName(reader), rds.instanceName(newWriter), waited);
            assertThat(waited).as("the reader names the new writer within").isLessThan(10_000);
            assertThat(failoverMillis).as("failover() within").isLessThan(60_000);
            // The old writer is dead but still an instance of the cluster: the topology keeps its row. Rows are written on
            // the writer and replicated: wait for the reader to replay them (a busy CI machine read them late).
            pg.awaitReplicated(Duration.ofSeconds(30));
            assertFunctions(rds, List.of(newWriter, reader), newWriter);
            assertThat(topology(rds, reader)).hasSize(3);

            // A write through the cluster endpoint lands on the new writer (and commits: the other reader acknowledges it).
            try (Connection c = connect(rds.jdbcUrl(), rds); Statement s = c.createStatement()) {
                assertThat(s.executeUpdate("INSERT INTO orders VALUES (2, rds_tools.dbi_resource_id())")).isEqualTo(1);
                assertThat(rows(c, "SELECT id::text, instance FROM orders ORDER BY id"))
                        .containsExactly(List.of("1", rds.instanceId(oldWriter)), List.of("2", newId));
            }

            // Instances leave and join through the underlying cluster: rows and names follow.
            pg.remove(oldWriter);
            PgNode added = pg.addReplica();
            assertThat(rds.instanceName(added)).isEqualTo("orders-instance-4");
            assertThat(resolve(rds.instanceHost(added))).isEqualTo(added.host());
            assertThat(Files.readString(rds.hostsFile())).doesNotContain(rds.instanceHost(oldWriter));
            pg.awaitReplicated(Duration.ofSeconds(30)); // the reader read instance-4's row late on a busy machine
            assertFunctions(rds, List.of(newWriter, reader, added), newWriter);
        }
        assertThat(Files.readString(Path.of(System.getProperty("jdk.net.hosts.file")))).doesNotContain("orders.us-east-1");
    }

    @Test
    void staleDnsKeepsTheClusterEndpointOnTheDeadWriterWhileTheFunctionsNameTheNewOne() throws Exception {
        try (RdsMultiAzCluster rds = PostgresCluster.builder().replicas(2).rdsMultiAz("stale", "eu-west-1")
                .clusterEndpointNeverMoves().start()) {
            PgNode oldWriter = rds.writer();
            PgNode newWriter = rds.failover();
            Thread.sleep(500);
            assertThat(resolve(rds.clusterEndpoint())).isEqualTo(oldWriter.host());
            assertThat(rds.clusterEndpointTarget()).contains(oldWriter);
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> connect(rds.jdbcUrl() + "?connectTimeout=5&loginTimeout=10", rds).close())
                    .isInstanceOf(SQLException.class);
            System.out.printf("[RdsMultiAzEmulationIT] stale cluster endpoint: connecting failed after %d ms%n",
                    (System.nanoTime() - t0) / 1_000_000);
            PgNode reader = rds.postgres().replicas().stream().filter(PgNode::isRunning).findFirst().orElseThrow();
            assertThat(awaitSource(rds, reader, rds.instanceId(newWriter), Duration.ofSeconds(30))).isLessThan(10_000);

            rds.pointClusterEndpointAt(newWriter);
            assertThat(resolve(rds.clusterEndpoint())).isEqualTo(newWriter.host());
            try (Connection c = connect(rds.jdbcUrl(), rds)) {
                assertThat(row(c, "SELECT rds_tools.dbi_resource_id(), pg_is_in_recovery()::text"))
                        .containsExactly(rds.instanceId(newWriter), "false");
            }
        }
    }

    @Test
    void delayedDnsMovesLateAndAsynchronousReplicationIsAChoice() throws Exception {
        Duration delay = Duration.ofSeconds(2);
        try (RdsMultiAzCluster rds = PostgresCluster.builder().replicas(1).rdsMultiAz("late", "us-west-2")
                .clusterEndpointMovesAfter(delay).semiSynchronous(false).start()) {
            try (Connection c = rds.postgres().connect(rds.writer())) {
                assertThat(row(c, "SHOW synchronous_standby_names")).containsExactly("");
            }
            PgNode oldWriter = rds.writer();
            long t0 = System.nanoTime();
            PgNode newWriter = rds.failover();
            long failoverMillis = (System.nanoTime() - t0) / 1_000_000;
            long promoted = rds.postgres().lastPromotionNanoTime(); // the move is scheduled just after this
            String early = resolve(rds.clusterEndpoint());
            long earlyMillis = (System.nanoTime() - promoted) / 1_000_000;
            if (earlyMillis < delay.toMillis()) {
                assertThat(early).as("still the old writer %d ms after the promotion", earlyMillis).isEqualTo(oldWriter.host());
            }
            long deadline = t0 + Duration.ofSeconds(30).toNanos();
            while (!resolve(rds.clusterEndpoint()).equals(newWriter.host())) {
                assertThat(System.nanoTime()).as("cluster endpoint moved within 30 s").isLessThan(deadline);
                Thread.sleep(20);
            }
            long movedMillis = (System.nanoTime() - promoted) / 1_000_000;
            System.out.printf("[RdsMultiAzEmulationIT] failover %d ms; cluster endpoint still on the old writer %d ms after the "
                    + "promotion, moved %d ms after it (delay %s)%n", failoverMillis, earlyMillis, movedMillis, delay);
            assertThat(movedMillis).isBetween(delay.toMillis(), delay.toMillis() + 15_000);
            try (Connection c = connect(rds.jdbcUrl(), rds); Statement s = c.createStatement()) {
                // no reader is left: asynchronous, so the commit does not wait for one
                s.execute("CREATE TABLE t (id int)");
                assertThat(row(c, IS_RDS_CLUSTER_QUERY)).containsExactly(rds.instanceId(newWriter));
            }
        }
    }

    @Test
    void anRdsAndAnAuroraEmulationShareTheHostsFileOnSeparateSubnets() throws Exception {
        try (RdsMultiAzCluster rds = PostgresCluster.builder().replicas(0).rdsMultiAz("side", "us-east-1").start();
             AuroraPostgresCluster aurora = PostgresCluster.builder().replicas(0).aurora("side", "us-east-1").dnsId("sideaurora").start()) {
            assertThat(subnet(rds.writer())).isNotEqualTo(subnet(aurora.writer()));
            assertThat(resolve(rds.clusterEndpoint())).isEqualTo(rds.writer().host());
            assertThat(resolve(aurora.clusterEndpoint())).isEqualTo(aurora.writer().host());
            assertThatThrownBy(() -> PostgresCluster.builder().replicas(0).rdsMultiAz("side", "us-east-1").start())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already writes names under side.us-east-1.rds.amazonaws.com");
            try (Connection c = connect(rds.jdbcUrl(), rds)) {
                // no reader: the writer alone, asynchronous (nothing to wait for)
                assertThat(row(c, "SHOW synchronous_standby_names")).containsExactly("");
                assertThat(rows(c, TOPOLOGY_QUERY)).containsExactly(List.of(rds.instanceId(rds.writer()),
                        rds.instanceHost(rds.writer()), Integer.toString(rds.port())));
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** Each node, reached by its instance endpoint, answers as an instance of the cluster whose writer is {@code writer}. */
    static void assertFunctions(RdsMultiAzCluster rds, List<PgNode> nodes, PgNode writer) throws Exception {
        String writerId = rds.instanceId(writer);
        Set<List<String>> expectedTopology = rds.postgres().nodes().stream()
                .map(n -> List.of(rds.instanceId(n), rds.instanceHost(n), Integer.toString(rds.port()))).collect(Collectors.toSet());
        for (PgNode n : nodes) {
            String id = rds.instanceId(n);
            try (Connection c = connect(rds.instanceJdbcUrl(n), rds)) {
                assertThat(row(c, "SELECT rds_tools.dbi_resource_id()")).as("dbi_resource_id on %s", n.name()).containsExactly(id);
                assertThat(row(c, IS_RDS_CLUSTER_QUERY)).as("source id on %s", n.name()).containsExactly(writerId);
                assertThat(rows(c, WRITER_ID_QUERY)).as("writer id on %s", n.name())
                        .isEqualTo(n == writer ? List.of() : List.of(List.of(writerId)));
                assertThat(row(c, INSTANCE_ID_QUERY)).containsExactly(id, rds.instanceName(n));
                assertThat(row(c, IS_READER_QUERY)).containsExactly(n == writer ? "f" : "t");
                assertThat(Set.copyOf(rows(c, TOPOLOGY_QUERY))).as("show_topology on %s", n.name()).isEqualTo(expectedTopology);
                assertThat(rows(c, TOPOLOGY_QUERY)).hasSize(expectedTopology.size());
                assertThat(Set.copyOf(rows(c, "SELECT * FROM rds_tools.show_topology()"))).isEqualTo(expectedTopology);
                assertThat(row(c, RDS_EXTENSIONS_EXIST_SQL)).containsExactly("t", "f");
                assertThat(row(c, AURORA_UTILS_EXIST_QUERY)).containsExactly("f");
                assertThat(row(c, RDS_TOPOLOGY_EXISTS_QUERY)).containsExactly("rds_tools.show_topology");
            }
        }
    }

    static List<List<String>> topology(RdsMultiAzCluster rds, PgNode n) throws SQLException {
        try (Connection c = rds.postgres().connect(n)) {
            return rows(c, TOPOLOGY_QUERY);
        }
    }

    /** Millis until {@code n} names {@code writerId} as its source (direct port: no proxy in the way). */
    static long awaitSource(RdsMultiAzCluster rds, PgNode n, String writerId, Duration timeout) throws Exception {
        long t0 = System.nanoTime();
        while (true) {
            String source;
            try (Connection c = rds.postgres().connect(n)) {
                source = row(c, IS_RDS_CLUSTER_QUERY).get(0);
            }
            if (writerId.equals(source)) {
                return (System.nanoTime() - t0) / 1_000_000;
            }
            assertThat(System.nanoTime() - t0).as("%s names %s as its source within %s (names %s)", n.name(), writerId, timeout, source)
                    .isLessThan(timeout.toNanos());
            Thread.sleep(20);
        }
    }

    static Connection connect(String url, RdsMultiAzCluster rds) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", rds.user());
        p.setProperty("password", rds.password());
        if (!url.contains("connectTimeout")) {
            p.setProperty("connectTimeout", "10");
        }
        p.setProperty("socketTimeout", "60");
        return DriverManager.getConnection(url, p);
    }

    private static String subnet(PgNode n) {
        return n.host().substring(0, n.host().lastIndexOf('.'));
    }
}
