package dev.haven.testkit.redis;

import static dev.haven.testkit.ChildJvm.alive;
import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.testkit.ChildJvm;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** No Redis process outlives its JVM: the shutdown hook closes topologies; after SIGKILL the next start reaps them. */
class RedisProcessHygieneIT {

    @Test
    void shutdownHookClosesTopologiesTheApplicationForgotToClose() throws Exception {
        ChildJvm child = ChildJvm.start(RedisHygieneChild.class, "exit");
        assertThat(child.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(child.pids).hasSize(5); // primary, replica, 3 Sentinels
        assertThat(alive(child.pids)).as("processes alive after the JVM exited").isEmpty();
        assertThat(Files.exists(child.dir)).isFalse();
    }

    @Test
    void shutdownHookClosesAGlobalDatastoreTopology() throws Exception {
        ChildJvm child = ChildJvm.start(RedisHygieneChild.class, "exit", "gds");
        assertThat(child.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(child.pids).hasSize(4); // 2 regions x (primary + replica)
        assertThat(alive(child.pids)).as("processes alive after the JVM exited").isEmpty();
        assertThat(Files.exists(child.dir)).isFalse();
    }

    @Test
    void processesOfAJvmKilledWithSigkillAreReapedByTheNextStart() throws Exception {
        ChildJvm child = ChildJvm.start(RedisHygieneChild.class, "wait");
        child.process.destroyForcibly();
        assertThat(child.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(alive(child.pids)).as("orphans right after SIGKILL").hasSize(5);

        try (RedisTopology next = RedisTopology.builder().replicas(0).sentinels(0).start()) {
            assertThat(next.primary().isRunning()).isTrue();
        }
        assertThat(ChildJvm.awaitGone(child.pids, Duration.ofSeconds(10))).as("orphans after the next start").isEmpty();
        assertThat(Files.exists(child.dir)).isFalse();
    }
}
