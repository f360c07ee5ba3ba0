package dev.haven.testkit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.testkit.ChildJvm;
import org.junit.jupiter.api.Test;

/** No Redis process outlives its JVM: the shutdown hook closes topologies; after SIGKILL the next start reaps them. */
class RedisProcessHygieneIT {

    @Test
    void shutdownHookClosesTopologiesTheApplicationForgotToClose() throws Exception {
        ChildJvm.assertShutdownHookCleansUp(RedisHygieneChild.class, 5); // primary, replica, 3 Sentinels
    }

    @Test
    void shutdownHookClosesAGlobalDatastoreTopology() throws Exception {
        ChildJvm.assertShutdownHookCleansUp(RedisHygieneChild.class, 4, "gds"); // 2 regions x (primary + replica)
    }

    @Test
    void processesOfAJvmKilledWithSigkillAreReapedByTheNextStart() throws Exception {
        ChildJvm.assertKilledJvmIsReapedBy(RedisHygieneChild.class, 5, () -> {
            try (RedisTopology next = RedisTopology.builder().replicas(0).sentinels(0).start()) {
                assertThat(next.primary().isRunning()).isTrue();
            }
        });
    }
}
