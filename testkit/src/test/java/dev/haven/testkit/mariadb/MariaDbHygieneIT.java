package dev.haven.testkit.mariadb;

import static dev.haven.testkit.ChildJvm.alive;
import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.testkit.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
        ChildJvm child = ChildJvm.start(MariaDbHygieneChild.class, "exit");
        assertThat(child.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(child.process.exitValue()).isZero();
        assertThat(child.pids).hasSize(2);
        assertThat(alive(child.pids)).as("servers alive after the JVM exited").isEmpty();
        assertThat(Files.exists(child.dir)).as("work dir after the JVM exited").isFalse();
    }

    @Test
    void serversOfAJvmKilledWithSigkillAreReapedByTheNextStart() throws Exception {
        ChildJvm child = ChildJvm.start(MariaDbHygieneChild.class, "wait");
        child.process.destroyForcibly(); // SIGKILL: no shutdown hook
        assertThat(child.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(alive(child.pids)).as("orphaned servers right after SIGKILL").hasSize(2);
        assertThat(Files.exists(child.dir)).as("orphaned work dir right after SIGKILL").isTrue();

        try (MariaDbCluster next = MariaDbCluster.start(0)) {
            assertThat(next.primary().isRunning()).isTrue();
        }
        assertThat(ChildJvm.awaitGone(child.pids, Duration.ofSeconds(10))).as("orphaned servers after the next start").isEmpty();
        assertThat(Files.exists(child.dir)).as("stale work dir after the next start").isFalse();
    }
}
