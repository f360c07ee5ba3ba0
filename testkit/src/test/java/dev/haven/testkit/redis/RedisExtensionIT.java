package dev.haven.testkit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.haven.testkit.internal.ServerProcesses;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineTestKit;

/** @HavenRedis injects a topology per test method (or per class) and closes it, also when the test fails. */
class RedisExtensionIT {

    @Test
    void perMethodTopologiesAreInjectedAndClosedEvenWhenTheTestFails() {
        Subject.SEEN.clear();
        EngineTestKit.engine("junit-jupiter").selectors(selectClass(Subject.class)).execute()
                .testEvents().assertStatistics(s -> s.started(2).succeeded(1).failed(1));
        assertThat(Subject.SEEN).hasSize(2);
        assertThat(Subject.SEEN.get(0)).isNotSameAs(Subject.SEEN.get(1));
        for (RedisTopology t : Subject.SEEN) {
            assertThat(Files.exists(t.workDir())).isFalse();
            assertThat(t.pids()).allSatisfy(p -> assertThat(ProcessHandle.of(p).map(ServerProcesses::isRunning).orElse(false)).isFalse());
        }
    }

    @HavenRedis(replicas = 1, sentinels = 0)
    static class Subject {
        static final List<RedisTopology> SEEN = new CopyOnWriteArrayList<>();

        @Test
        void passes(RedisTopology redis) {
            SEEN.add(redis);
            assertThat(redis.replicas()).hasSize(1);
            assertThat(redis.sentinels()).isEmpty();
        }

        @Test
        void fails(RedisTopology redis) {
            SEEN.add(redis);
            throw new AssertionError("deliberately failing");
        }
    }
}
