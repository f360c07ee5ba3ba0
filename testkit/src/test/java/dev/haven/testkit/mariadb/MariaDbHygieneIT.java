package dev.haven.testkit.mariadb;

import static dev.haven.testkit.ChildJvm.alive;
import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.testkit.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * No MariaDB server or directory outlives its owner: close() stops everything, the shutdown hook closes clusters a
 * JVM forgot, and the next start in another JVM reaps the servers of a JVM killed with SIGKILL.
 */
class MariaDbHygieneIT {

    @Test
    void closeLeavesNoProcessAndNoDirectory() {
        MariaDbCluster cluster = MariaDbCluster.start(2);
        List<Long> pids = cluster.pids();
        Path dir = cluster.workDir();
        assertThat(pids).hasSize(3);
        assertThat(alive(pids)).hasSize(3);
        cluster.close();
        assertThat(alive(pids)).as("servers alive after close()").isEmpty();
        assertThat(Files.exists(dir)).as("work dir after close()").isFalse();
        cluster.close(); // idempotent
    }

    @Test
    void shutdownHookClosesClustersTheApplicationForgotToClose() throws Exception {
        ChildJvm.assertShutdownHookCleansUp(MariaDbHygieneChild.class, 2);
    }

    @Test
    void serversOfAJvmKilledWithSigkillAreReapedByTheNextStart() throws Exception {
        ChildJvm.assertKilledJvmIsReapedBy(MariaDbHygieneChild.class, 2, () -> {
            try (MariaDbCluster next = MariaDbCluster.start(0)) {
                assertThat(next.primary().isRunning()).isTrue();
            }
        });
    }
}
