package dev.haven.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.testkit.HavenPostgres;
import dev.haven.testkit.PostgresCluster;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** {@code haven.jdbc.provider} on plain PostgreSQL: detected by {@code auto}, a mismatch refused at build. */
@HavenPostgres(replicas = 1, perClass = true)
class ProviderIT {

    @Test
    void autoDetectsPostgresStreamingReplicationAndRoutesAsBefore(PostgresCluster cluster) throws Exception {
        try (HavenDataSource ds = ItSupport.ready(ItSupport.builder(cluster, ItSupport.events()), cluster)) {
            assertThat(ds.provider()).isEqualTo(JdbcProvider.POSTGRES);
            try (Connection c = ds.getConnection()) {
                c.setReadOnly(true);
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_is_in_recovery()")) {
                    rs.next();
                    assertThat(rs.getBoolean(1)).as("a read-only connection on the replica").isTrue();
                }
            }
        }
    }

    @Test
    void aDataSourceNamingAnotherKindIsCheckedEvenWhenOneWithAutoAlreadyMonitorsTheCluster(PostgresCluster cluster)
            throws Exception {
        try (HavenDataSource auto = ItSupport.ready(ItSupport.builder(cluster, ItSupport.events()), cluster)) {
            assertThat(auto.provider()).isEqualTo(JdbcProvider.POSTGRES);
            assertThatThrownBy(() -> ItSupport.builder(cluster, ItSupport.events()).provider(JdbcProvider.AURORA_POSTGRES)
                    .auroraInstanceHostPattern("?.cluster-test.db").build())
                    .as("not the auto data source's monitor, which already chose postgres")
                    .hasMessageStartingWith("haven.jdbc.provider=aurora-postgres does not match the server: ");
            try (HavenDataSource explicit = ItSupport.builder(cluster, ItSupport.events()).provider(JdbcProvider.POSTGRES)
                    .build()) {
                assertThat(explicit.provider()).isEqualTo(JdbcProvider.POSTGRES);
            }
        }
    }

    @Test
    void auroraProviderOnPlainPostgresIsRefusedAtBuildNamingPropertyValueAndServer(PostgresCluster cluster) {
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> ItSupport.builder(cluster, ItSupport.events()).provider(JdbcProvider.AURORA_POSTGRES)
                .auroraInstanceHostPattern("?.cluster-test.db").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("haven.jdbc.provider=aurora-postgres does not match the server: ")
                .hasMessageContaining(" is PostgreSQL without aurora_replica_status() or rds_tools.show_topology() (PostgreSQL "
                        + cluster.serverMajorVersion())
                .hasMessageEndingWith("; use haven.jdbc.provider=postgres or auto")
                .satisfies(e -> assertThat(cluster.nodes()).as("the server the message names")
                        .anyMatch(n -> e.getMessage().contains(": " + n.host() + ":" + n.port() + " is ")));
        assertThat((System.nanoTime() - t0) / 1_000_000).as("ms until the refusal (no writer-wait)").isLessThan(10_000);
    }
}
