package dev.haven.testkit;

import static dev.haven.testkit.ChildJvm.alive;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** No server outlives its JVM: on exit the shutdown hook closes clusters; after SIGKILL the next start reaps them. */
class ProcessHygieneIT {

    @Test
    void shutdownHookClosesClustersTheApplicationForgotToClose() throws Exception {
        ChildJvm child = ChildJvm.start(HygieneChild.class, "exit");
        assertThat(child.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(child.process.exitValue()).isZero();
        assertThat(child.pids).hasSize(2);
        assertThat(alive(child.pids)).as("servers alive after the JVM exited").isEmpty();
        assertThat(Files.exists(child.dir)).as("work dir after the JVM exited").isFalse();
    }

    @Test
    void serversOfAJvmKilledWithSigkillAreReapedByTheNextStart() throws Exception {
        ChildJvm child = ChildJvm.start(HygieneChild.class, "wait");
        child.process.destroyForcibly(); // SIGKILL: no shutdown hook
        assertThat(child.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(alive(child.pids)).as("orphaned servers right after SIGKILL").hasSize(2);

        try (PostgresCluster next = PostgresCluster.start(0)) {
            assertThat(next.primary().isRunning()).isTrue();
        }
        assertThat(ChildJvm.awaitGone(child.pids, Duration.ofSeconds(10))).as("orphaned servers after the next start").isEmpty();
        assertThat(Files.exists(child.dir)).as("stale work dir after the next start").isFalse();
    }
}
