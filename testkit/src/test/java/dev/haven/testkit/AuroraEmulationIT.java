package dev.haven.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The Aurora PostgreSQL emulation as a client sees it: names through the hosts file (failsafe's argLine points this
 * JVM at target/aurora-hosts with no DNS caching), Aurora's functions on every instance, the status rows following a
 * failover, and the cluster endpoint moving at once, late, or never.
 */
class AuroraEmulationIT {

    // The queries of the AWS Advanced JDBC Wrapper 3.2.0 (software.amazon.jdbc.dialect.AuroraPgDialect), verbatim.
    static final String AURORA_UTILS_EXIST_QUERY = "SELECT (setting LIKE '%aurora_stat_utils%') AS aurora_stat_utils "
            + "FROM pg_catalog.pg_settings WHERE name OPERATOR(pg_catalog.=) 'rds.extensions'";
    static final String TOPOLOGY_EXISTS_QUERY = "SELECT 1 FROM pg_catalog.aurora_replica_status() LIMIT 1";
    static final String TOPOLOGY_QUERY =
            "SELECT SERVER_ID, CASE WHEN SESSION_ID OPERATOR(pg_catalog.=) 'MASTER_SESSION_ID' THEN TRUE ELSE FALSE END, "
                    + "CPU, COALESCE(REPLICA_LAG_IN_MSEC, 0), LAST_UPDATE_TIMESTAMP "
                    + "FROM pg_catalog.aurora_replica_status() "
                    + "WHERE EXTRACT("
                    + "EPOCH FROM(pg_catalog.NOW() OPERATOR(pg_catalog.-) LAST_UPDATE_TIMESTAMP)) OPERATOR(pg_catalog.<=) 300 "
                    + "OR SESSION_ID OPERATOR(pg_catalog.=) 'MASTER_SESSION_ID' "
                    + "OR LAST_UPDATE_TIMESTAMP IS NULL";
    static final String INSTANCE_ID_QUERY = "SELECT pg_catalog.aurora_db_instance_identifier(), pg_catalog.aurora_db_instance_identifier()";
    static final String WRITER_ID_QUERY = "SELECT SERVER_ID FROM pg_catalog.aurora_replica_status() "
            + "WHERE SESSION_ID OPERATOR(pg_catalog.=) 'MASTER_SESSION_ID' "
            + "AND SERVER_ID OPERATOR(pg_catalog.=) pg_catalog.aurora_db_instance_identifier()";
    static final String IS_READER_QUERY = "SELECT pg_catalog.pg_is_in_recovery()";

    @Test
    void javadocExample() throws Exception {
        // The AuroraPostgresCluster javadoc example, verbatim.
        try (AuroraPostgresCluster aurora = PostgresCluster.builder().replicas(2).aurora("cluster-xyz", "us-east-1").start()) {
            String url = aurora.jdbcUrl(); // jdbc:postgresql://cluster-xyz.cluster-clusterxyz.us-east-1.rds.amazonaws.com:<port>/haven
            try (Connection c = DriverManager.getConnection(url, aurora.user(), aurora.password());
                 ResultSet rs = c.createStatement().executeQuery("SELECT aurora_db_instance_identifier()")) {
                rs.next();
                assert rs.getString(1).equals("instance-1"); // the cluster endpoint names the writer
            }
            PgNode writer = aurora.failover(); // kills instance-1, promotes the most advanced reader
            assert aurora.instanceId(writer).equals(aurora.clusterEndpointTarget().map(aurora::instanceId).orElseThrow());
        }
    }

    @Test
    void instancesAnswerByNameAndTheStatusFollowsAFailover() throws Exception {
        try (AuroraPostgresCluster aurora = PostgresCluster.builder().replicas(2).aurora("cluster-xyz", "us-east-1").start()) {
            PostgresCluster pg = aurora.postgres();
            System.out.printf("[AuroraEmulationIT] startup %d ms (%s), port %d, hosts file %s%n", pg.startupTime().toMillis(),
                    pg.binarySource(), aurora.port(), aurora.hostsFile());
            assertThat(aurora.hostsFile()).isEqualTo(Path.of(System.getProperty("jdk.net.hosts.file")).toAbsolutePath());
            assertThat(Files.readString(aurora.hostsFile())).contains(aurora.instanceHost(pg.primary()));
            assertThat(aurora.clusterEndpoint()).isEqualTo("cluster-xyz.cluster-clusterxyz.us-east-1.rds.amazonaws.com");
            assertThat(aurora.readerEndpoint()).isEqualTo("cluster-xyz.cluster-ro-clusterxyz.us-east-1.rds.amazonaws.com");
            assertThat(aurora.instanceHostPattern()).isEqualTo("?.clusterxyz.us-east-1.rds.amazonaws.com");

            // Names: one loopback address per instance, one port for all, the cluster endpoint on the writer.
            List<PgNode> nodes = pg.nodes();
            PgNode writer = pg.primary();
            Set<String> addresses = nodes.stream().map(PgNode::host).collect(Collectors.toSet());
            assertThat(addresses).hasSize(3).allMatch(a -> a.startsWith("127.0.") && !a.equals("127.0.0.1"));
            for (PgNode n : nodes) {
                assertThat(n.port()).isEqualTo(aurora.port());
                assertThat(aurora.instanceHost(n)).isEqualTo(aurora.instanceId(n) + ".clusterxyz.us-east-1.rds.amazonaws.com");
                assertThat(resolve(aurora.instanceHost(n))).isEqualTo(n.host());
            }
            assertThat(nodes.stream().map(aurora::instanceId)).containsExactly("instance-1", "instance-2", "instance-3");
            assertThat(resolve(aurora.clusterEndpoint())).isEqualTo(writer.host());
            assertThat(resolveAll(aurora.readerEndpoint()))
                    .containsExactlyInAnyOrderElementsOf(pg.replicas().stream().map(PgNode::host).toList());

            // Every instance, reached by its name, says who it is; the wrapper's queries work on each.
            for (PgNode n : nodes) {
                try (Connection c = connect(aurora.instanceJdbcUrl(n), aurora)) {
                    String id = aurora.instanceId(n);
                    assertThat(row(c, "SELECT aurora_db_instance_identifier(), pg_catalog.aurora_db_instance_identifier(), "
                            + "pg_is_in_recovery()::text")).containsExactly(id, id, n == writer ? "false" : "true");
                    assertThat(row(c, INSTANCE_ID_QUERY)).containsExactly(id, id);
                    assertThat(row(c, AURORA_UTILS_EXIST_QUERY)).containsExactly("t");
                    assertThat(row(c, TOPOLOGY_EXISTS_QUERY)).containsExactly("1");
                    assertThat(row(c, IS_READER_QUERY)).containsExactly(n == writer ? "f" : "t");
                    assertThat(rows(c, WRITER_ID_QUERY)).isEqualTo(n == writer ? List.of(List.of(id)) : List.of());
                    List<List<String>> topology = rows(c, TOPOLOGY_QUERY);
                    assertThat(topology).hasSize(3);
                    assertThat(topology.stream().filter(r -> r.get(1).equals("t")).map(r -> r.get(0))).containsExactly("instance-1");
                    for (List<String> r : topology) {
                        assertThat(Double.parseDouble(r.get(3))).isBetween(0.0, 10_000.0);
                    }
                }
            }

            // aurora_replica_status() on every instance: one MASTER_SESSION_ID (the writer), lags >= 0, fresh rows.
            for (PgNode n : nodes) {
                Map<String, Status> status = status(pg, n);
                assertThat(status.keySet()).containsExactlyInAnyOrder("instance-1", "instance-2", "instance-3");
                assertThat(status.values().stream().filter(Status::master).map(Status::serverId)).containsExactly("instance-1");
                for (Status s : status.values()) {
                    assertThat(s.lagMillis()).as("lag of %s seen on %s", s.serverId(), n.name()).isBetween(0.0, 10_000.0);
                    if (s.serverId().equals(aurora.instanceId(n))) {
                        assertThat(s.ageMillis()).as("own row (NULL since Aurora PostgreSQL 13.9)").isNull();
                    } else {
                        // refreshed every second; 10 s leaves room for a starved machine (starts took 18 s at load 20)
                        assertThat(s.ageMillis()).as("age of %s's row seen on %s", s.serverId(), n.name()).isBetween(0.0, 10_000.0);
                    }
                    assertThat(s.sessionId()).isEqualTo(s.master() ? "MASTER_SESSION_ID" : s.sessionId()).matches(
                            "MASTER_SESSION_ID|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
                }
                System.out.printf("[AuroraEmulationIT] status on %s: %s%n", aurora.instanceId(n), status.values());
            }

            // Lag is measured: a reader whose replay is paused falls behind, on the writer's view and on its own.
            PgNode paused = pg.replicas().get(0);
            String pausedId = aurora.instanceId(paused);
            try (Connection c = connect(aurora.jdbcUrl(), aurora); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE ticks (at timestamptz)");
                pg.awaitReplicated(Duration.ofSeconds(30));
                pg.pauseReplay(paused);
                long pausedAt = System.nanoTime();
                while (System.nanoTime() - pausedAt < 4_000_000_000L) {
                    s.execute("INSERT INTO ticks VALUES (now())");
                    Thread.sleep(100);
                }
                double onWriter = status(pg, writer).get(pausedId).lagMillis();
                double onItself = status(pg, paused).get(pausedId).lagMillis();
                double other = status(pg, writer).get(aurora.instanceId(pg.replicas().get(1))).lagMillis();
                System.out.printf("[AuroraEmulationIT] replay paused 4 s: lag of %s on the writer %.0f ms, on itself %.0f ms; "
                        + "the other reader %.0f ms%n", pausedId, onWriter, onItself, other);
                // The writer hears of the standby's replay position once a second (wal_receiver_status_interval);
                // the reader computes its own lag live.
                assertThat(onWriter).isGreaterThan(2_000.0);
                assertThat(onItself).isGreaterThan(2_500.0);
                assertThat(other).isLessThan(onWriter - 1_000.0);
                pg.resumeReplay(paused);
                long resumedAt = System.nanoTime();
                double lag = awaitLagBelow(pg, writer, pausedId, 1_000.0, Duration.ofSeconds(30));
                System.out.printf("[AuroraEmulationIT] after resume: lag %.0f ms within %d ms%n", lag, (System.nanoTime() - resumedAt) / 1_000_000);
                // cpu: each live server's use over the last refresh interval, measured from /proc
                Map<String, Status> now = status(pg, writer);
                System.out.printf("[AuroraEmulationIT] cpu %%: %s%n", now.values().stream().collect(Collectors.toMap(Status::serverId, Status::cpu)));
                assertThat(now.values()).allSatisfy(st -> assertThat(st.cpu()).as("cpu of %s", st.serverId()).isNotNull().isBetween(0.0, 100.0));
            }

            // Failover: the rows follow on every live instance, the cluster endpoint names the new writer.
            PgNode oldWriter = writer;
            long t0 = System.nanoTime();
            PgNode newWriter = aurora.failover();
            long failoverMillis = (System.nanoTime() - t0) / 1_000_000;
            String newId = aurora.instanceId(newWriter);
            assertThat(newWriter).isNotSameAs(oldWriter).isSameAs(aurora.writer());
            assertThat(aurora.clusterEndpointTarget()).contains(newWriter);
            assertThat(resolve(aurora.clusterEndpoint())).isEqualTo(newWriter.host());
            PgNode reader = pg.replicas().stream().filter(PgNode::isRunning).findFirst().orElseThrow();
            assertThat(resolveAll(aurora.readerEndpoint())).containsExactly(reader.host());
            for (PgNode n : List.of(newWriter, reader)) {
                long waited = awaitMaster(pg, n, newId, Duration.ofSeconds(30));
                System.out.printf("[AuroraEmulationIT] failover took %d ms; %s shows %s as MASTER_SESSION_ID %d ms after it%n",
                        failoverMillis, aurora.instanceId(n), newId, waited);
                assertThat(waited).as("rows on %s follow within", n.name()).isLessThan(10_000);
            }
            try (Connection c = connect(aurora.jdbcUrl(), aurora); Statement s = c.createStatement()) {
                assertThat(row(c, "SELECT aurora_db_instance_identifier()")).containsExactly(newId);
                assertThat(s.executeUpdate("INSERT INTO ticks VALUES (now())")).isEqualTo(1);
            }
            // The dead writer's row is a reader's now, and stale: not refreshed while the live ones are.
            Map<String, Status> before = status(pg, newWriter);
            Thread.sleep(2_500);
            Map<String, Status> after = status(pg, newWriter);
            String oldId = aurora.instanceId(oldWriter);
            assertThat(after.get(oldId).master()).isFalse();
            assertThat(after.get(oldId).updated()).isEqualTo(before.get(oldId).updated());
            assertThat(after.get(aurora.instanceId(reader)).updated()).isAfter(before.get(aurora.instanceId(reader)).updated());
            System.out.printf("[AuroraEmulationIT] old writer's row: %s%n", after.get(oldId));

            // Instances leave and join through the underlying cluster: rows and names follow.
            pg.remove(oldWriter);
            PgNode added = pg.addReplica();
            assertThat(aurora.instanceId(added)).isEqualTo("instance-4");
            assertThat(resolve(aurora.instanceHost(added))).isEqualTo(added.host());
            assertThat(Files.readString(aurora.hostsFile())).doesNotContain(aurora.instanceHost(oldWriter));
            assertThat(status(pg, newWriter).keySet()).containsExactlyInAnyOrder(newId, aurora.instanceId(reader), "instance-4");
            try (Connection c = connect(aurora.instanceJdbcUrl(added), aurora)) {
                assertThat(row(c, "SELECT aurora_db_instance_identifier()")).containsExactly("instance-4");
            }
        }
        assertThat(Files.readString(Path.of(System.getProperty("jdk.net.hosts.file")))).doesNotContain("clusterxyz");
    }

    @Test
    void staleDnsKeepsTheClusterEndpointOnTheDeadWriterUntilMovedByHand() throws Exception {
        try (AuroraPostgresCluster aurora = PostgresCluster.builder().replicas(1).aurora("stale", "eu-west-1")
                .clusterEndpointNeverMoves().start()) {
            PgNode oldWriter = aurora.writer();
            PgNode newWriter = aurora.failover();
            Thread.sleep(500);
            assertThat(resolve(aurora.clusterEndpoint())).isEqualTo(oldWriter.host());
            assertThat(aurora.clusterEndpointTarget()).contains(oldWriter);
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> connect(aurora.jdbcUrl() + "?connectTimeout=5&loginTimeout=10", aurora).close())
                    .isInstanceOf(SQLException.class);
            System.out.printf("[AuroraEmulationIT] stale cluster endpoint: connecting failed after %d ms%n", (System.nanoTime() - t0) / 1_000_000);
            assertThat(awaitMaster(aurora.postgres(), newWriter, aurora.instanceId(newWriter), Duration.ofSeconds(30))).isLessThan(10_000);

            aurora.pointClusterEndpointAt(newWriter);
            assertThat(resolve(aurora.clusterEndpoint())).isEqualTo(newWriter.host());
            try (Connection c = connect(aurora.jdbcUrl(), aurora)) {
                assertThat(row(c, "SELECT aurora_db_instance_identifier(), pg_is_in_recovery()::text"))
                        .containsExactly(aurora.instanceId(newWriter), "false");
            }
        }
    }

    @Test
    void delayedDnsMovesTheClusterEndpointAfterTheConfiguredDelay() throws Exception {
        Duration delay = Duration.ofSeconds(2);
        try (AuroraPostgresCluster aurora = PostgresCluster.builder().replicas(1).aurora("late", "us-west-2")
                .clusterEndpointMovesAfter(delay).start()) {
            PgNode oldWriter = aurora.writer();
            long t0 = System.nanoTime();
            PgNode newWriter = aurora.failover();
            long failoverMillis = (System.nanoTime() - t0) / 1_000_000;
            long promoted = aurora.postgres().lastPromotionNanoTime(); // the move is scheduled just after this
            String early = resolve(aurora.clusterEndpoint());
            long earlyMillis = (System.nanoTime() - promoted) / 1_000_000;
            if (earlyMillis < delay.toMillis()) {
                assertThat(early).as("still the old writer %d ms after the promotion", earlyMillis).isEqualTo(oldWriter.host());
            }
            long deadline = t0 + Duration.ofSeconds(30).toNanos();
            while (!resolve(aurora.clusterEndpoint()).equals(newWriter.host())) {
                assertThat(System.nanoTime()).as("cluster endpoint moved within 30 s").isLessThan(deadline);
                Thread.sleep(20);
            }
            long movedMillis = (System.nanoTime() - promoted) / 1_000_000;
            System.out.printf("[AuroraEmulationIT] failover %d ms; cluster endpoint still on the old writer %d ms after the "
                    + "promotion, moved %d ms after it (delay %s)%n", failoverMillis, earlyMillis, movedMillis, delay);
            assertThat(movedMillis).isBetween(delay.toMillis(), delay.toMillis() + 15_000);
            assertThat(aurora.clusterEndpointTarget()).contains(newWriter);
        }
    }

    @Test
    void twoEmulationsShareOneHostsFileOnSeparateSubnets() throws Exception {
        Path hosts = Path.of(System.getProperty("jdk.net.hosts.file"));
        try (AuroraPostgresCluster a = PostgresCluster.builder().replicas(1).aurora("alpha", "us-east-1").start();
             AuroraPostgresCluster b = PostgresCluster.builder().replicas(1).aurora("beta", "us-east-1").start()) {
            String subnetA = a.writer().host().substring(0, a.writer().host().lastIndexOf('.'));
            String subnetB = b.writer().host().substring(0, b.writer().host().lastIndexOf('.'));
            assertThat(subnetA).isNotEqualTo(subnetB);
            assertThat(a.port()).isNotEqualTo(b.port());
            for (AuroraPostgresCluster x : List.of(a, b)) {
                assertThat(resolve(x.clusterEndpoint())).isEqualTo(x.writer().host());
                try (Connection c = connect(x.jdbcUrl(), x)) {
                    assertThat(row(c, "SELECT aurora_db_instance_identifier()")).containsExactly("instance-1");
                }
            }
            assertThatThrownBy(() -> PostgresCluster.builder().replicas(0).aurora("alpha", "us-east-1").start())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already writes names under alpha.us-east-1.rds.amazonaws.com");
            a.close();
            assertThat(Files.readString(hosts)).doesNotContain(a.clusterEndpoint()).contains(b.clusterEndpoint());
            assertThat(resolve(b.instanceHost(b.writer()))).isEqualTo(b.writer().host());
        }
        assertThat(Files.readString(hosts)).doesNotContain("beta.us-east-1");
    }

    // ------------------------------------------------------------------------------------------------ helpers

    record Status(String serverId, String sessionId, boolean master, double lagMillis, Double ageMillis, java.sql.Timestamp updated,
            Double cpu) {
    }

    /** aurora_replica_status() as seen on {@code n} (direct port: no proxy in the way). */
    static Map<String, Status> status(PostgresCluster pg, PgNode n) throws SQLException {
        Map<String, Status> out = new HashMap<>();
        try (Connection c = pg.connect(n); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT server_id, session_id, replica_lag_in_msec, "
                     + "extract(epoch FROM now() - last_update_timestamp)::float8 * 1000, last_update_timestamp, cpu "
                     + "FROM aurora_replica_status()")) {
            while (rs.next()) {
                double lag = rs.getDouble(3);
                assertThat(rs.wasNull()).as("replica_lag_in_msec of %s is NULL", rs.getString(1)).isFalse();
                double age = rs.getDouble(4);
                Double ageOrNull = rs.wasNull() ? null : age;
                String session = rs.getString(2);
                java.sql.Timestamp updated = rs.getTimestamp(5);
                double cpu = rs.getDouble(6);
                Double cpuOrNull = rs.wasNull() ? null : cpu;
                out.put(rs.getString(1), new Status(rs.getString(1), session, "MASTER_SESSION_ID".equals(session), lag, ageOrNull,
                        updated, cpuOrNull));
            }
        }
        return out;
    }

    /** Millis until {@code n} shows exactly one MASTER_SESSION_ID row, {@code id}'s. */
    static long awaitMaster(PostgresCluster pg, PgNode n, String id, Duration timeout) throws Exception {
        long t0 = System.nanoTime();
        while (true) {
            List<String> masters = status(pg, n).values().stream().filter(Status::master).map(Status::serverId).toList();
            if (masters.equals(List.of(id))) {
                return (System.nanoTime() - t0) / 1_000_000;
            }
            assertThat(System.nanoTime() - t0).as("%s shows %s as the only master within %s (shows %s)", n.name(), id, timeout, masters)
                    .isLessThan(timeout.toNanos());
            Thread.sleep(20);
        }
    }

    static double awaitLagBelow(PostgresCluster pg, PgNode on, String id, double bound, Duration timeout) throws Exception {
        long t0 = System.nanoTime();
        while (true) {
            double lag = status(pg, on).get(id).lagMillis();
            if (lag < bound) {
                return lag;
            }
            assertThat(System.nanoTime() - t0).as("lag of %s below %s ms within %s (is %s)", id, bound, timeout, lag)
                    .isLessThan(timeout.toNanos());
            Thread.sleep(100);
        }
    }

    static Connection connect(String url, AuroraPostgresCluster aurora) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", aurora.user());
        p.setProperty("password", aurora.password());
        if (!url.contains("connectTimeout")) {
            p.setProperty("connectTimeout", "10");
        }
        p.setProperty("socketTimeout", "60");
        return DriverManager.getConnection(url, p);
    }

    static List<String> row(Connection c, String sql) throws SQLException {
        List<List<String>> rows = rows(c, sql);
        assertThat(rows).as("rows of %s", sql).hasSize(1);
        return rows.get(0);
    }

    static List<List<String>> rows(Connection c, String sql) throws SQLException {
        List<List<String>> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<String> r = new ArrayList<>();
                for (int i = 1; i <= n; i++) {
                    r.add(rs.getString(i));
                }
                out.add(r);
            }
        }
        return out;
    }

    static String resolve(String name) throws Exception {
        return InetAddress.getByName(name).getHostAddress();
    }

    static List<String> resolveAll(String name) throws Exception {
        return Arrays.stream(InetAddress.getAllByName(name)).map(InetAddress::getHostAddress).toList();
    }
}
