package dev.haven.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.testkit.internal.FreePorts;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A port taken between picking and binding makes the start retry on fresh ports, and fail clearly if it keeps happening. */
class PortConflictIT {

    @Test
    void startRetriesOnFreshPortsAfterAConflict() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            AtomicInteger calls = new AtomicInteger();
            PostgresCluster.Builder b = PostgresCluster.builder().replicas(1);
            b.ports = () -> calls.getAndIncrement() == 0 ? taken.getLocalPort() : FreePorts.pick();
            try (PostgresCluster cluster = b.start()) {
                assertThat(cluster.primary().directPort()).isNotEqualTo(taken.getLocalPort());
                assertThat(cluster.primary().isRunning()).isTrue();
                assertThat(calls.get()).as("ports picked: 2 per attempt").isEqualTo(4);
                assertThat(cluster.pids()).as("first attempt's servers were started, then killed").hasSize(4);
                cluster.pids().subList(0, 2).forEach(pid ->
                        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse());
            }
        }
    }

    @Test
    void startGivesUpWithAClearMessageWhenEveryAttemptConflicts() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            PostgresCluster.Builder b = PostgresCluster.builder().replicas(0);
            b.ports = taken::getLocalPort;
            assertThatThrownBy(b::start)
                    .isInstanceOf(PostgresClusterException.class)
                    .hasMessageContaining("3 attempts on fresh free ports all hit a port conflict")
                    .hasMessageContaining("port " + taken.getLocalPort() + " is in use");
        }
    }
}
