package dev.haven.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

/**
 * Runs small test classes through the JUnit engine (platform test kit) and checks what their clusters looked like
 * during and after the run: injected where asked, shared or not as configured, closed afterwards, also when a
 * test fails. The subject classes are static nested classes, which surefire/failsafe never run by themselves.
 */
class ExtensionIT {

    @Test
    void perClassClusterIsSharedByBeforeAllAndEveryTestAndClosedAfterTheClass() {
        PerClassSubject.SEEN.clear();
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter").selectors(selectClass(PerClassSubject.class)).execute();

        results.testEvents().assertStatistics(s -> s.started(2).succeeded(2).failed(0));
        assertThat(PerClassSubject.SEEN).hasSize(3); // @BeforeAll + 2 tests
        assertThat(distinct(PerClassSubject.SEEN)).hasSize(1);
        assertClosed(PerClassSubject.SEEN.get(0));
    }

    @Test
    void perMethodClustersAreFreshPerTestSharedWithTheConstructorAndClosedEvenWhenTheTestFails() {
        PerMethodSubject.SEEN.clear();
        PerMethodSubject.CONSTRUCTED.clear();
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter").selectors(selectClass(PerMethodSubject.class)).execute();

        results.testEvents().assertStatistics(s -> s.started(2).succeeded(1).failed(1));
        assertThat(PerMethodSubject.SEEN).hasSize(2);
        assertThat(distinct(PerMethodSubject.SEEN)).hasSize(2);
        assertThat(distinct(PerMethodSubject.CONSTRUCTED)).containsExactlyInAnyOrderElementsOf(distinct(PerMethodSubject.SEEN));
        PerMethodSubject.SEEN.forEach(ExtensionIT::assertClosed);
    }

    @Test
    void beforeAllInjectionWithPerMethodClustersFailsWithAHint() {
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(BeforeAllWithoutPerClassSubject.class)).execute();

        List<Event> failed = results.containerEvents().failed().list();
        assertThat(failed).hasSize(1);
        Throwable error = failed.get(0).getPayload(org.junit.platform.engine.TestExecutionResult.class)
                .flatMap(org.junit.platform.engine.TestExecutionResult::getThrowable).orElseThrow();
        assertThat(error).hasMessageContaining("use @HavenPostgres(perClass = true)");
    }

    private static void assertClosed(PostgresCluster cluster) {
        List<Long> alive = new ArrayList<>();
        for (long pid : cluster.pids()) {
            if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                alive.add(pid);
            }
        }
        assertThat(cluster.pids()).isNotEmpty();
        assertThat(alive).as("postmasters still alive").isEmpty();
        Path dir = cluster.workDir();
        assertThat(Files.exists(dir)).as("work dir %s still exists", dir).isFalse();
    }

    private static List<PostgresCluster> distinct(List<PostgresCluster> clusters) {
        Map<PostgresCluster, Boolean> seen = new IdentityHashMap<>();
        List<PostgresCluster> out = new ArrayList<>();
        for (PostgresCluster c : clusters) {
            if (seen.put(c, Boolean.TRUE) == null) {
                out.add(c);
            }
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------------ subjects

    @HavenPostgres(replicas = 1, perClass = true)
    static class PerClassSubject {
        static final List<PostgresCluster> SEEN = new CopyOnWriteArrayList<>();

        @BeforeAll
        static void before(PostgresCluster cluster) {
            SEEN.add(cluster);
        }

        @Test
        void first(PostgresCluster cluster) {
            SEEN.add(cluster);
            assertThat(cluster.primary().isRunning()).isTrue();
            assertThat(cluster.replicas()).hasSize(1);
        }

        @Test
        void second(PostgresCluster cluster) {
            SEEN.add(cluster);
            assertThat(cluster.primary().isRunning()).isTrue();
        }
    }

    @HavenPostgres(replicas = 0)
    static class PerMethodSubject {
        static final List<PostgresCluster> SEEN = new CopyOnWriteArrayList<>();
        static final List<PostgresCluster> CONSTRUCTED = new CopyOnWriteArrayList<>();

        private final PostgresCluster fromConstructor;

        PerMethodSubject(PostgresCluster cluster) {
            this.fromConstructor = cluster;
            CONSTRUCTED.add(cluster);
        }

        @Test
        void passes(PostgresCluster cluster) {
            SEEN.add(cluster);
            assertThat(cluster).isSameAs(fromConstructor);
            assertThat(cluster.primary().isRunning()).isTrue();
        }

        @Test
        void fails(PostgresCluster cluster) {
            SEEN.add(cluster);
            assertThat(cluster).isSameAs(fromConstructor);
            throw new AssertionError("deliberate failure: the cluster must still be closed");
        }
    }

    @HavenPostgres(replicas = 0)
    static class BeforeAllWithoutPerClassSubject {
        @BeforeAll
        static void before(PostgresCluster cluster) {
            throw new AssertionError("must not be called");
        }

        @Test
        void test() {
        }
    }
}
