package dev.haven.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.testkit.CpuBurners;
import dev.haven.testkit.HavenPostgres;
import dev.haven.testkit.PostgresCluster;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Timeouts that fire on healthy servers are failures Haven makes up. With the default settings (only the URL and
 * credentials given), a workload of 6 threads (a third writes) runs beside two CPU-burning threads for 60 s: 0 errors
 * of any kind. And a pool whose first connections met a slow server is not broken for the rest of its life.
 */
@HavenPostgres(replicas = 1)
class BusyMachineIT {

    @Test
    void aMinuteBesideTwoCpuBurnersWithDefaultSettingsHasNoErrors(PostgresCluster cluster) throws Exception {
        try (HavenDataSource ds = ItSupport.ready(HavenDataSource.builder().url(cluster.jdbcUrl()).username(cluster.user())
                        .password(cluster.password()).clusterName("busy"), cluster)) {
            Workload.createSchema(ds);
            cluster.awaitReplicated(Duration.ofSeconds(10));
            Workload load;
            try (CpuBurners burners = CpuBurners.start(2, Duration.ofSeconds(90))) {
                load = new Workload(ds, 6, 0.33, 10_000_000).start();
                ItSupport.sleep(Duration.ofSeconds(60));
                load.close();
            }
            long slowest = load.ops.stream().mapToLong(Workload.Op::millis).max().orElse(0);
            System.out.printf("busy machine (JDBC, defaults, 2 burners, 60 s): writes %d, reads %d (by port %s), slowest %d ms, "
                            + "write errors %d, read errors %d %s%n", load.writes().size(), load.reads().size(), load.readsByPort,
                    slowest, load.failures(true).size(), load.failures(false).size(),
                    Workload.describe(load.failures(true).isEmpty() ? load.failures(false) : load.failures(true)));
            assertThat(load.failures(true)).as("write errors on healthy servers").isEmpty();
            assertThat(load.failures(false)).as("read errors on healthy servers").isEmpty();
            assertThat(load.writes().size()).as("writes acknowledged").isGreaterThan(1_000);
            assertThat(load.reads().size()).as("reads answered").isGreaterThan(1_000);
        }
    }

    /**
     * A slow server while a pool sets up its first connection (an application starting on a loaded machine). HikariCP
     * reads the server's default transaction isolation once, on the first connection, within its validation timeout; a
     * timeout there used to leave the pool with a level of -1, and every later connection failed "Transaction isolation
     * level -1 not supported" for good, although the server was fast again a second later.
     */
    @Test
    void aPoolWhoseFirstConnectionsMetASlowServerServesOnceTheServerIsFast(PostgresCluster cluster) throws Exception {
        HavenDataSource ds = startOnASlowServer(cluster);
        try (ds) {
            List<String> failures = new ArrayList<>();
            int ok = 0;
            long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (ok < 50 && System.nanoTime() < until) {
                try (Connection c = ds.getConnection()) {
                    c.createStatement().execute("SELECT 1");
                    ok++;
                } catch (SQLException e) {
                    failures.add(e.getSQLState() + " " + e.getMessage());
                }
            }
            System.out.printf("pool set up on a slow server: %d statements answered once it was fast, %d failed %s%n", ok,
                    failures.size(), failures.stream().distinct().limit(3).toList());
            assertThat(ok).as("statements answered within 20 s of the server being fast again").isEqualTo(50);
            assertThat(failures).as("statements failed after the server was fast again (the pool may retry for a moment)")
                    .hasSizeLessThan(5);
        }
    }

    private static HavenDataSource startOnASlowServer(PostgresCluster cluster) throws InterruptedException {
        cluster.latency(cluster.primary(), Duration.ofMillis(400)); // each round trip 400 ms: over the 250 ms validation timeout
        try {
            HavenDataSource ds = HavenDataSource.builder().url(cluster.jdbcUrl()).username(cluster.user())
                    .password(cluster.password()).clusterName("slow-start").probeTimeout(Duration.ofSeconds(3))
                    .poolProperty("validationTimeout", "250").build();
            try {
                ItSupport.await("the writer in the topology", Duration.ofSeconds(30), () -> ds.topology().writer().isPresent());
                ItSupport.sleep(Duration.ofSeconds(3)); // the pool tries its first connections on the slow server
                return ds;
            } catch (AssertionError | InterruptedException | RuntimeException e) {
                ds.close();
                throw e;
            }
        } finally {
            cluster.latency(cluster.primary(), Duration.ZERO);
        }
    }
}
