package dev.haven.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** Bad configuration fails at build time with the property, the rule and the value; secrets never show. */
class HavenDataSourceConfigTest {

    private static HavenDataSource.Builder valid() {
        return HavenDataSource.builder().url("jdbc:postgresql://127.0.0.1:1/db").username("u").password("s3cret-pw");
    }

    @Test
    void negativeLagBoundIsRejectedWithPropertyRuleAndValue() {
        assertThatThrownBy(() -> valid().lagBound(Duration.ofSeconds(-1)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("haven.jdbc.lag-bound must be > 0: was -1s");
    }

    @Test
    void everyRuleNamesItsProperty() {
        assertThatThrownBy(() -> valid().url(null).build()).hasMessage("haven.jdbc.url is required: was empty");
        assertThatThrownBy(() -> valid().url("jdbc:oracle://h:1521/db").build())
                .hasMessageStartingWith("haven.jdbc.url must start with jdbc:postgresql://, jdbc:mariadb:// or jdbc:mysql://");
        assertThatThrownBy(() -> valid().provider(JdbcProvider.MARIADB).build())
                .hasMessage("haven.jdbc.provider=mariadb needs a jdbc:mariadb:// or jdbc:mysql:// URL in haven.jdbc.url: "
                        + "was jdbc:postgresql://");
        assertThatThrownBy(() -> valid().url("jdbc:mysql://h/db").provider(JdbcProvider.POSTGRES).build())
                .hasMessage("haven.jdbc.provider=postgres needs a jdbc:postgresql:// URL in haven.jdbc.url: was jdbc:mysql://");
        assertThatThrownBy(() -> valid().url("jdbc:postgresql://h:99999/db").build())
                .hasMessage("haven.jdbc.url port must be in 1..65535: was 99999");
        assertThatThrownBy(() -> valid().probeInterval(Duration.ofMillis(10)).build())
                .hasMessage("haven.jdbc.probe-interval must be >= 50ms: was 10ms");
        assertThatThrownBy(() -> valid().fastProbeInterval(Duration.ofSeconds(2)).build())
                .hasMessage("haven.jdbc.fast-probe-interval must be <= haven.jdbc.probe-interval (1s): was 2s");
        assertThatThrownBy(() -> valid().retry(0, Duration.ofMillis(10), Duration.ofMillis(20)).build())
                .hasMessage("haven.jdbc.retry.max-attempts must be in 1..10: was 0");
        assertThatThrownBy(() -> valid().retry(3, Duration.ofMillis(100), Duration.ofMillis(20)).build())
                .hasMessage("haven.jdbc.retry.max-backoff must be >= haven.jdbc.retry.base-backoff (100ms): was 20ms");
        assertThatThrownBy(() -> valid().retryBudget(1.5, 1).build())
                .hasMessage("haven.jdbc.retry.budget-ratio must be in [0, 1]: was 1.5");
        assertThatThrownBy(() -> valid().clusterName("has space").build())
                .hasMessageStartingWith("haven.jdbc.cluster-name must match");
        assertThatThrownBy(() -> valid().endpointLocation("nohostport", "r", "z").build())
                .hasMessage("haven.jdbc.endpoint.<host:port> must name a server as host:port: was 'nohostport'");
        assertThatThrownBy(() -> valid().poolProperty("jdbcUrl", "x"))
                .hasMessageStartingWith("haven.jdbc.pool.jdbcUrl is set by Haven per server");
    }

    @Test
    void providerSettingsAreCheckedBeforeAnyServerIsContacted() {
        assertThatThrownBy(() -> valid().properties(java.util.Map.of("haven.jdbc.provider", "oracle")).build())
                .hasMessage("haven.jdbc.provider must be one of [auto, postgres, aurora-postgres, aurora-global-postgres, "
                        + "rds-multi-az-postgres, mysql, mariadb, aurora-mysql]: was oracle");
        assertThatThrownBy(() -> valid().provider(JdbcProvider.AURORA_GLOBAL_POSTGRES).build())
                .hasMessage("haven.jdbc.local-region is required with haven.jdbc.provider=aurora-global-postgres when no URL "
                        + "host is an RDS endpoint naming the region: was not set");
        assertThatThrownBy(() -> valid().auroraRegionHostPattern("us-west-2", "db.example.com").build())
                .hasMessageStartingWith("haven.jdbc.aurora.global-instance-host-patterns must be `<region>=<pattern>,...`");
        assertThat(valid().provider(JdbcProvider.AURORA_GLOBAL_POSTGRES).localRegion("us-east-1")
                .auroraRegionHostPattern("us-west-2", "?.x.us-west-2.rds.amazonaws.com").settings().region()).isEqualTo("us-east-1");
        assertThat(HavenDataSource.builder().url("jdbc:postgresql://orders.cluster-x7bd2kq1.us-west-2.rds.amazonaws.com:5432/app")
                .settings().region()).as("the home region an RDS endpoint names").isEqualTo("us-west-2");
        assertThatThrownBy(() -> valid().provider(JdbcProvider.AURORA_POSTGRES).build())
                .hasMessage("haven.jdbc.aurora.instance-host-pattern is required with haven.jdbc.provider=aurora-postgres "
                        + "when no URL host is an RDS endpoint (*.rds.amazonaws.com): was not set, hosts [127.0.0.1]");
        assertThatThrownBy(() -> valid().auroraInstanceHostPattern("db.example.com").build())
                .hasMessage("haven.jdbc.aurora.instance-host-pattern must contain exactly one `?` and no `:` or `/`: "
                        + "was db.example.com");
        assertThatThrownBy(() -> valid().auroraInstanceHostPattern("?.a.?.example.com").build())
                .hasMessageStartingWith("haven.jdbc.aurora.instance-host-pattern must contain exactly one `?`");
        assertThatThrownBy(() -> valid().provider(JdbcProvider.POSTGRES)
                .topologyProvider((e, t) -> new dev.haven.spi.Probe(dev.haven.Role.WRITER, 0, null, java.util.List.of())).build())
                .hasMessage("haven.jdbc.provider is ignored with a custom topologyProvider(...): was postgres");
        assertThatThrownBy(() -> valid().url("jdbc:db2://h/db")
                .topologyProvider((e, t) -> new dev.haven.spi.Probe(dev.haven.Role.WRITER, 0, null, java.util.List.of())).build())
                .hasMessage("haven.jdbc.url must give the port of every host (Haven knows no default port for this driver): "
                        + "was jdbc:db2://h/db");
    }

    @Test
    void propertiesAreParsedAndUnknownKeysFail() {
        Properties p = new Properties();
        p.setProperty("haven.jdbc.url", "jdbc:postgresql://127.0.0.1:1/db");
        p.setProperty("haven.jdbc.lag-bond", "1s");
        assertThatThrownBy(() -> HavenDataSource.builder().properties(p))
                .hasMessageStartingWith("haven.jdbc.lag-bond is not a haven.jdbc.* setting: known are [");
        Properties bad = new Properties();
        bad.setProperty("haven.jdbc.lag-bound", "soon");
        assertThatThrownBy(() -> HavenDataSource.builder().properties(bad))
                .hasMessage("haven.jdbc.lag-bound must be a duration like 500ms, 1s, 2m or PT1S: was soon");
        Properties fallback = new Properties();
        fallback.setProperty("haven.jdbc.url", "jdbc:postgresql://127.0.0.1:1/db");
        fallback.setProperty("haven.jdbc.read-fallback", "maybe");
        assertThatThrownBy(() -> HavenDataSource.builder().properties(fallback).build())
                .hasMessage("haven.jdbc.read-fallback must be one of [writer, fail]: was maybe");
    }

    @Test
    void passwordNeverAppearsInMessagesOrToString() {
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(
                () -> valid().url("jdbc:postgresql://h:x/db?password=s3cret-pw").build());
        assertThat(t).hasMessageNotContaining("s3cret-pw").hasMessageContaining("password=***");
    }

    @Test
    void unknownHikariPropertyIsRejectedAtBuild() {
        // Pools are created at build; the server at port 1 is not there, which must not fail the build.
        assertThatThrownBy(() -> valid().poolProperty("maximumPoolSise", "3").probeTimeout(Duration.ofMillis(100)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("haven.jdbc.pool.* contains a property HikariCP rejects")
                .hasMessageContaining("maximumPoolSise");
    }

    @Test
    void startsWithAllServersDownAndFailsWritesClearlyAfterWriterWait() throws Exception {
        try (HavenDataSource ds = valid().probeTimeout(Duration.ofMillis(100)).writerWait(Duration.ofMillis(300)).build()) {
            assertThat(ds.topology().writer()).isEmpty();
            long t0 = System.nanoTime();
            var c = ds.getConnection();
            assertThatThrownBy(() -> c.createStatement())
                    .isInstanceOf(HavenUnavailableException.class)
                    .hasMessageContaining("No writer available in cluster haven after waiting 300ms")
                    .hasMessageNotContaining("s3cret-pw")
                    .satisfies(e -> assertThat(((java.sql.SQLException) e).getSQLState()).isEqualTo("08001"));
            assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(250L, 3000L);
            c.close();
        }
    }
}
