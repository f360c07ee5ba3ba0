package dev.haven.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.Consistency;
import dev.haven.event.HavenEvent;
import dev.haven.testkit.redis.HavenRedis;
import dev.haven.testkit.redis.RedisNode;
import dev.haven.testkit.redis.RedisTopology;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Two clients of one Sentinel-managed cluster in one JVM share one topology monitor: one monitor thread and one probe
 * ({@code INFO replication}) per node per round, not two. The monitor outlives the client that started it and stops
 * with the last.
 */
@HavenRedis(replicas = 1)
class SharedMonitorIT {

    private static long monitorThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().equals("haven-monitor-it")).count();
    }

    /** INFO commands run on {@code node} during {@code window} (the measuring INFO itself adds one). */
    private static long infoCalls(RedisTopology redis, RedisNode node, Duration window) {
        long before = ItSupport.calls(redis, node, "info");
        ItSupport.sleep(window);
        return ItSupport.calls(redis, node, "info") - before;
    }

    @Test
    void twoClientsShareOneMonitorWhichOutlivesTheFirstAndStopsWithTheLast(RedisTopology redis) {
        List<HavenEvent> eventsA = new CopyOnWriteArrayList<>();
        List<HavenEvent> eventsB = new CopyOnWriteArrayList<>();
        HavenRedisClient a = ItSupport.ready(ItSupport.sentinelClient(redis).listener(eventsA::add).build(), 1);
        HavenRedisClient b;
        try {
            b = ItSupport.ready(ItSupport.sentinelClient(redis).lagBound(Duration.ofSeconds(5)).listener(eventsB::add).build(), 1);
            assertThatThrownBy(() -> ItSupport.sentinelClient(redis).probeTimeout(Duration.ofSeconds(1)).build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("haven.redis.probe-timeout is 1s here, but redis cluster 'it'");
        } catch (RuntimeException | Error e) {
            a.close();
            throw e;
        }
        try {
            long threads = monitorThreads();
            long infoOnPrimary = infoCalls(redis, redis.primary(), Duration.ofSeconds(3));
            System.out.printf("[SharedMonitorIT] 2 clients: %d monitor thread(s), %d INFO on the primary in 3 s%n",
                    threads, infoOnPrimary);
            assertThat(threads).isEqualTo(1);
            // one monitor at a 1 s interval (+-10 % jitter): 3-4 probes, +1 for the measurement; two monitors would make 7-9
            assertThat(infoOnPrimary).isBetween(2L, 5L);

            a.close(); // the client that started the monitor
            try (HavenRedisConnection c = b.connect()) {
                c.sync().set("shared", "1");
                assertThat(c.reads(Consistency.STRONG).get("shared")).isEqualTo("1");
            }
            assertThat(monitorThreads()).isEqualTo(1);
            assertThat(infoCalls(redis, redis.primary(), Duration.ofSeconds(2))).as("still probed for b").isGreaterThanOrEqualTo(2);

            // the monitor (with its Sentinel subscription) keeps working for b: a failover after a closed is followed
            int eventsOfA = eventsA.size();
            RedisNode promoted = redis.failover();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!b.topology().writer().map(w -> w.port() == promoted.port()).orElse(false)) {
                assertThat(System.nanoTime()).as("b follows the failover: " + b.topology()).isLessThan(deadline);
                ItSupport.sleep(Duration.ofMillis(20));
            }
            try (HavenRedisConnection c = b.connect()) {
                c.sync().set("shared", "2");
                assertThat(c.reads(Consistency.STRONG).get("shared")).isEqualTo("2");
            }
            assertThat(eventsB).anyMatch(e -> e instanceof HavenEvent.FailoverCompleted);
            assertThat(eventsA).as("a closed client hears nothing more").hasSize(eventsOfA);
        } finally {
            b.close();
        }
        assertThat(monitorThreads()).isZero();
        assertThat(infoCalls(redis, redis.primary(), Duration.ofSeconds(2))).as("no more probes").isLessThanOrEqualTo(1);
    }
}
