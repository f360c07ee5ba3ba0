package dev.haven.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.testkit.CpuBurners;
import dev.haven.testkit.HavenPostgres;
import dev.haven.testkit.PostgresCluster;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Timeouts that fire on healthy servers are failures Haven makes up. With the default settings (only the URL and
 * credentials given), a workload of 6 threads (a third writes) runs beside two CPU-burning threads for 60 s: 0 errors
 * of any kind.
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
}
