package dev.haven.testkit;

import static dev.haven.testkit.AuroraEmulationIT.awaitMaster;
import static dev.haven.testkit.AuroraEmulationIT.connect;
import static dev.haven.testkit.AuroraEmulationIT.resolve;
import static dev.haven.testkit.AuroraEmulationIT.row;
import static dev.haven.testkit.AuroraEmulationIT.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

/**
 * The Aurora Global Database emulation as a client sees it (names through failsafe's hosts file, as in
 * {@link AuroraEmulationIT}): one writer and one reader in us-east-1, two readers in us-west-2; the global functions on
 * every instance, a paused secondary reader's visibility lag, and a planned switchover to us-west-2 that loses no write.
 */
class AuroraGlobalDatabaseIT {

    private static final String HOME = "us-east-1";
    private static final String SECONDARY = "us-west-2";
    private static final Duration BOUND = Duration.ofSeconds(30); // a busy 2-core machine

    record InstanceStatus(String serverId, String sessionId, String region, Double visibilityLag) {
        boolean master() {
            return "MASTER_SESSION_ID".equals(sessionId);
        }
    }

    record RegionStatus(String region, long highestLsn, double durabilityLag, double rpoLag) {
    }

    @Test
    void instancesSpreadOverTwoRegionsReportLagAndSwitchOverWithoutLoss() throws Exception {
        try (AuroraPostgresCluster aurora = PostgresCluster.builder().replicas(3).aurora("orders", HOME)
                .secondaryRegion(SECONDARY, 2).start()) {
            PostgresCluster pg = aurora.postgres();
            List<PgNode> nodes = pg.nodes();
            PgNode writer = pg.primary();

            // (a) Regions and names: the last two instances are us-west-2's, each resolves to its node.
            assertThat(aurora.regions()).containsExactly(HOME, SECONDARY);
            assertThat(aurora.region()).isEqualTo(HOME);
            assertThat(aurora.writerRegion()).isEqualTo(HOME);
            assertThat(nodes.stream().map(aurora::region)).containsExactly(HOME, HOME, SECONDARY, SECONDARY);
            assertThat(aurora.instanceHostPattern(SECONDARY)).isEqualTo("?.orders.us-west-2.rds.amazonaws.com");
            assertThat(aurora.instanceHostPattern(HOME)).isEqualTo(aurora.instanceHostPattern()).isEqualTo("?.orders.us-east-1.rds.amazonaws.com");
            assertThat(aurora.clusterEndpoint()).isEqualTo("orders.cluster-orders.us-east-1.rds.amazonaws.com");
            for (PgNode n : nodes) {
                assertThat(aurora.instanceHost(n)).isEqualTo(aurora.instanceHostPattern(aurora.region(n)).replace("?", aurora.instanceId(n)));
                assertThat(resolve(aurora.instanceHost(n))).isEqualTo(n.host());
            }
            assertThatThrownBy(() -> aurora.instanceHostPattern("eu-west-1")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'eu-west-1'");

            // Every instance, reached by its name, lists the four instances with their regions and one writer.
            for (PgNode n : nodes) {
                try (Connection c = connect(aurora.instanceJdbcUrl(n), aurora)) {
                    List<InstanceStatus> instances = instanceStatus(c);
                    assertThat(instances).extracting(InstanceStatus::serverId)
                            .containsExactlyInAnyOrder("instance-1", "instance-2", "instance-3", "instance-4");
                    for (InstanceStatus s : instances) {
                        assertThat(s.region()).as("region of %s", s.serverId()).isEqualTo(s.serverId().compareTo("instance-3") < 0 ? HOME : SECONDARY);
                        if (s.master()) {
                            assertThat(s.visibilityLag()).as("writer's visibility lag").isNull();
                        } else {
                            assertThat(s.visibilityLag()).as("visibility lag of %s on %s", s.serverId(), n.name()).isBetween(0.0, 10_000.0);
                        }
                    }
                    assertThat(instances.stream().filter(InstanceStatus::master).map(InstanceStatus::serverId)).containsExactly("instance-1");
                    List<RegionStatus> regions = globalStatus(c);
                    assertThat(regions).extracting(RegionStatus::region).containsExactly(HOME, SECONDARY);
                    assertThat(regions.get(0).durabilityLag()).isEqualTo(-1.0);
                    assertThat(regions.get(1).rpoLag()).isBetween(0.0, 10_000.0);
                    assertThat(regions).allSatisfy(r -> assertThat(r.highestLsn()).isPositive());
                    System.out.printf("[AuroraGlobalDatabaseIT] on %s: %s; %s%n", aurora.instanceId(n), instances, regions);
                }
            }

            // (b) Replay paused on a us-west-2 reader: its own visibility lag grows past 1 s, then falls back after resume.
            PgNode paused = nodes.get(3);
            String pausedId = aurora.instanceId(paused);
            try (Connection c = connect(aurora.jdbcUrl(), aurora); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE orders (id int PRIMARY KEY)");
                s.execute("INSERT INTO orders SELECT generate_series(1, 100)");
            }
            pg.awaitReplicated(BOUND);
            pg.pauseReplay(paused);
            long pausedAt = System.nanoTime();
            double grown = await(pg, paused, st -> lagOf(st, pausedId), lag -> lag > 1_000.0, Duration.ofSeconds(15));
            long grownMillis = (System.nanoTime() - pausedAt) / 1_000_000;
            Thread.sleep(1_000);
            double regionLag;
            double later;
            try (Connection c = pg.connect(paused)) {
                regionLag = globalStatus(c).get(1).durabilityLag();
                later = lagOf(instanceStatus(c), pausedId);
            }
            assertThat(later).as("lag 1 s later").isGreaterThan(grown + 500.0);
            assertThat(regionLag).as("us-west-2's lag on the paused reader").isGreaterThan(1_000.0);
            pg.resumeReplay(paused);
            long resumedAt = System.nanoTime();
            double fallen = await(pg, paused, st -> lagOf(st, pausedId), lag -> lag < 1_000.0, BOUND);
            long fallenMillis = (System.nanoTime() - resumedAt) / 1_000_000;
            System.out.printf("[AuroraGlobalDatabaseIT] replay paused on %s: visibility lag %.0f ms after %d ms, %.0f ms 1 s later "
                    + "(region %s: %.0f ms); after resume %.0f ms within %d ms%n", pausedId, grown, grownMillis, later, SECONDARY,
                    regionLag, fallen, fallenMillis);
            assertThat(grownMillis).isLessThan(15_000);

            // (c) Planned switchover to us-west-2: no write lost, the status names the new writer everywhere, readers follow.
            try (Connection c = connect(aurora.jdbcUrl(), aurora); Statement s = c.createStatement()) {
                s.execute("INSERT INTO orders VALUES (101)"); // acknowledged just before the switchover
            }
            assertThatThrownBy(() -> aurora.switchoverTo("ap-south-1")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'ap-south-1'");
            long t0 = System.nanoTime();
            PgNode newWriter = aurora.switchoverTo(SECONDARY);
            long switchoverMillis = (System.nanoTime() - t0) / 1_000_000;
            String newId = aurora.instanceId(newWriter);
            assertThat(aurora.writerRegion()).isEqualTo(SECONDARY);
            assertThat(aurora.region(newWriter)).isEqualTo(SECONDARY);
            assertThat(newWriter).isSameAs(aurora.writer()).isNotSameAs(writer);
            assertThat(writer.isRunning()).as("old writer stopped").isFalse();
            assertThat(aurora.clusterEndpointTarget()).contains(newWriter);
            assertThat(resolve(aurora.clusterEndpoint())).isEqualTo(newWriter.host());
            try (Connection c = connect(aurora.jdbcUrl(), aurora); Statement s = c.createStatement()) {
                assertThat(row(c, "SELECT aurora_db_instance_identifier(), pg_is_in_recovery()::text")).containsExactly(newId, "false");
                assertThat(row(c, "SELECT count(*) FROM orders")).as("rows written before the switchover").containsExactly("101");
                assertThat(s.executeUpdate("INSERT INTO orders VALUES (102)")).isEqualTo(1);
            }
            List<PgNode> running = nodes.stream().filter(PgNode::isRunning).toList();
            assertThat(running).hasSize(3);
            long slowest = 0;
            for (PgNode n : running) {
                slowest = Math.max(slowest, awaitMaster(pg, n, newId, BOUND));
                try (Connection c = pg.connect(n)) {
                    List<InstanceStatus> instances = instanceStatus(c);
                    assertThat(instances.stream().filter(InstanceStatus::master).map(i -> i.serverId() + "@" + i.region()))
                            .containsExactly(newId + "@" + SECONDARY);
                }
            }
            pg.awaitReplicated(BOUND); // the two remaining readers stream from the new writer
            for (PgNode n : running) {
                try (Connection c = pg.connect(n)) {
                    assertThat(row(c, "SELECT count(*) FROM orders")).as("rows on %s", n.name()).containsExactly("102");
                }
            }
            try (Connection c = pg.connect(newWriter)) {
                assertThat(rows(c, "SELECT application_name FROM pg_stat_replication WHERE state = 'streaming'")).hasSize(2);
                List<RegionStatus> regions = globalStatus(c);
                assertThat(regions).extracting(RegionStatus::region).containsExactly(SECONDARY, HOME);
                assertThat(regions.get(0).rpoLag()).isEqualTo(-1.0);
            }
            System.out.printf("[AuroraGlobalDatabaseIT] switchoverTo(%s) took %d ms (%s -> %s); every running instance showed "
                    + "the new writer within %d ms after it; 0 of 101 rows lost%n", SECONDARY, switchoverMillis,
                    aurora.instanceId(writer), newId, slowest);
            assertThat(slowest).isLessThan(BOUND.toMillis());

            // An unplanned regional failover back home: the us-east-1 reader takes over; home then has no running reader.
            t0 = System.nanoTime();
            PgNode home = aurora.failoverTo(HOME);
            long failoverMillis = (System.nanoTime() - t0) / 1_000_000;
            assertThat(home).isSameAs(nodes.get(1));
            assertThat(aurora.writerRegion()).isEqualTo(HOME);
            try (Connection c = connect(aurora.jdbcUrl(), aurora)) {
                assertThat(row(c, "SELECT count(*) FROM orders")).containsExactly("102");
            }
            System.out.printf("[AuroraGlobalDatabaseIT] failoverTo(%s) took %d ms%n", HOME, failoverMillis);
            assertThatThrownBy(() -> aurora.switchoverTo(HOME)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("region us-east-1 has no running reader");
        }
    }

    @Test
    void javadocExample() {
        // The "Aurora Global Database" example of the AuroraPostgresCluster javadoc, verbatim.
        try (AuroraPostgresCluster global = PostgresCluster.builder().replicas(3).aurora("orders", "us-east-1")
                .secondaryRegion("us-west-2", 2).start()) { // instance-3 and instance-4 in us-west-2
            PgNode writer = global.switchoverTo("us-west-2");
            assert global.writerRegion().equals("us-west-2") && global.region(writer).equals("us-west-2");
        }
    }

    @Test
    void aRegionalEmulationHasNoGlobalFunctions() throws Exception {
        try (AuroraPostgresCluster aurora = PostgresCluster.builder().replicas(0).aurora("regional", "eu-west-1").start()) {
            assertThat(aurora.regions()).containsExactly("eu-west-1");
            assertThat(aurora.writerRegion()).isEqualTo("eu-west-1");
            assertThat(aurora.instanceHostPattern("eu-west-1")).isEqualTo(aurora.instanceHostPattern());
            try (Connection c = connect(aurora.jdbcUrl(), aurora)) {
                assertThat(row(c, "SELECT to_regproc('pg_catalog.aurora_global_db_status') IS NULL, "
                        + "to_regproc('pg_catalog.aurora_global_db_instance_status') IS NULL, "
                        + "to_regproc('pg_catalog.aurora_replica_status') IS NULL")).containsExactly("t", "t", "f");
            }
            assertThatThrownBy(() -> aurora.failoverTo("us-west-2")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("failoverTo region must be one of [eu-west-1]: was 'us-west-2'");
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    static List<InstanceStatus> instanceStatus(Connection c) throws SQLException {
        List<InstanceStatus> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT server_id, session_id, aws_region, "
                + "visibility_lag_in_msec FROM aurora_global_db_instance_status()")) {
            while (rs.next()) {
                double lag = rs.getDouble(4);
                Double lagOrNull = rs.wasNull() ? null : lag;
                out.add(new InstanceStatus(rs.getString(1), rs.getString(2), rs.getString(3), lagOrNull));
            }
        }
        return out;
    }

    static List<RegionStatus> globalStatus(Connection c) throws SQLException {
        List<RegionStatus> out = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT aws_region, highest_lsn_written, "
                + "durability_lag_in_msec, rpo_lag_in_msec FROM aurora_global_db_status()")) {
            while (rs.next()) {
                out.add(new RegionStatus(rs.getString(1), rs.getLong(2), rs.getDouble(3), rs.getDouble(4)));
            }
        }
        return out;
    }

    private static double lagOf(List<InstanceStatus> status, String id) {
        return status.stream().filter(s -> s.serverId().equals(id)).findFirst().orElseThrow().visibilityLag();
    }

    /** Polls {@code aurora_global_db_instance_status()} on {@code n} (direct port) until {@code done} holds for the figure. */
    private static double await(PostgresCluster pg, PgNode n, ToDoubleFunction<List<InstanceStatus>> figure,
            java.util.function.DoublePredicate done, Duration timeout) throws Exception {
        long t0 = System.nanoTime();
        while (true) {
            double value;
            try (Connection c = pg.connect(n)) {
                value = figure.applyAsDouble(instanceStatus(c));
            }
            if (done.test(value)) {
                return value;
            }
            assertThat(System.nanoTime() - t0).as("figure on %s reached within %s (is %s)", n.name(), timeout, value)
                    .isLessThan(timeout.toNanos());
            Thread.sleep(100);
        }
    }
}
