package dev.haven.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.jdbc.HavenDataSource;
import dev.haven.jdbc.HavenWriteOutcomeUnknownException;
import dev.haven.jdbc.JdbcProvider;
import dev.haven.testkit.AuroraPostgresCluster;
import dev.haven.testkit.PgNode;
import dev.haven.testkit.PostgresCluster;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The README's migration example against the testkit's Aurora emulation, through a failover. */
class FromAwsWrapperIT {

    @Test
    void havenConfiguredFromTheWrappersSettingsWritesToTheWriterReadsFromReadersAndFollowsAFailover() throws Exception {
        try (AuroraPostgresCluster aurora = PostgresCluster.builder().replicas(1).aurora("shop", "eu-west-1").start()) {
            assertThat(FromAwsWrapper.awsWrapperProperties(aurora.instanceHostPattern()))
                    .containsEntry("clusterInstanceHostPattern", aurora.instanceHostPattern());
            try (HavenDataSource ds = FromAwsWrapper.haven(aurora.jdbcUrl(), aurora.user(), aurora.password(),
                    aurora.instanceHostPattern())) {
                assertThat(ds.provider()).isEqualTo(JdbcProvider.AURORA_POSTGRES);
                try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
                    st.execute("CREATE TABLE orders (id bigint PRIMARY KEY)");
                    st.execute("INSERT INTO orders VALUES (1)");
                }
                aurora.postgres().awaitReplicated(Duration.ofSeconds(10));
                assertThat(instanceServing(ds, true)).as("a read-only connection").isEqualTo("instance-2");
                assertThat(instanceServing(ds, false)).as("a read-write connection").isEqualTo("instance-1");

                PgNode newWriter = aurora.failover();
                long t0 = System.nanoTime();
                int unknown = 0;
                while (true) {
                    // Sent before Haven saw the kill (up to a probe round), a write may reach the dead writer's pooled
                    // connection: its outcome is unknown and Haven does not re-send it. Idempotent, it can be repeated.
                    try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
                        st.execute("INSERT INTO orders VALUES (2) ON CONFLICT (id) DO NOTHING");
                        break;
                    } catch (HavenWriteOutcomeUnknownException e) {
                        assertThat(++unknown).as("outcome-unknown writes in a row").isLessThanOrEqualTo(2);
                    }
                }
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertThat(instanceServing(ds, false)).isEqualTo(aurora.instanceId(newWriter));
                assertThat(ms).as("ms from failover() returning to the first write committed").isLessThan(5_000);
            }
        }
    }

    private static String instanceServing(HavenDataSource ds, boolean readOnly) throws Exception {
        try (Connection c = ds.getConnection()) {
            c.setReadOnly(readOnly);
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT aurora_db_instance_identifier()")) {
                rs.next();
                return rs.getString(1);
            }
        }
    }
}
