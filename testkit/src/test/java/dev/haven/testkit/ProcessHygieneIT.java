package dev.haven.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** No server outlives its JVM: on exit the shutdown hook closes clusters; after SIGKILL the next start reaps them. */
class ProcessHygieneIT {

    @Test
    void shutdownHookClosesClustersTheApplicationForgotToClose() throws Exception {
        ChildJvm.assertShutdownHookCleansUp(HygieneChild.class, 2);
    }

    @Test
    void serversOfAJvmKilledWithSigkillAreReapedByTheNextStart() throws Exception {
        ChildJvm.assertKilledJvmIsReapedBy(HygieneChild.class, 2, () -> {
            try (PostgresCluster next = PostgresCluster.start(0)) {
                assertThat(next.primary().isRunning()).isTrue();
            }
        });
    }
}
