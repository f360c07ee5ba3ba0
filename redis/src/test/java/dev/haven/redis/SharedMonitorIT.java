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
 * connection per node (named {@code haven-probe}), not two. The monitor outlives the client that started it and stops
 * with the last.
 */
@HavenRedis(replicas = 1)
class SharedMonitorIT {

    private static long monitorThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().equals("haven-monitor-it")).count();
    }

    /** Haven probe connections open on {@code node} ({@code CLIENT LIST}, over the node's direct port). */
    private static long probeConnections(RedisNode node) {
        return ItSupport.direct(node, c -> c.sync().clientList().lines().filter(l -> l.contains(" name=haven-probe ")).count());
    }

    private static void awaitProbeConnections(RedisNode node, long expected) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (probeConnections(node) != expected) {
            assertThat(System.nanoTime()).as(expected + " probe connection(s) on " + node.name()).isLessThan(deadline);
            ItSupport.sleep(Duration.ofMillis(50));
        }
    }

    @Test
    void twoClientsShareOneMonitorWhichOutlivesTheFirstAndStopsWithTheLast(RedisTopology redis) {
        List<HavenEvent> eventsA = new CopyOnWriteArrayList<>();
        List<HavenEvent> eventsB = new CopyOnWriteArrayList<>();
        HavenRedisClient a = ItSupport.ready(ItSupport.sentinelClient(redis).listener(eventsA::add).build(), 1);
        HavenRedisClient b;
        try {
            b = ItSupport.ready(ItSupport.sentinelClient(redis).defaultConsistency(dev.haven.Consistency.boundedStaleness(Duration.ofSeconds(5))).listener(eventsB::add).build(), 1);
            assertThatThrownBy(() -> ItSupport.sentinelClient(redis).probeTimeout(Duration.ofSeconds(2)).build()) // ItSupport clients probe with 1 s
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("haven.redis.probe-timeout is 2s here, but redis cluster 'it'");
        } catch (RuntimeException | Error e) {
            a.close();
            throw e;
        }
        try {
            long threads = monitorThreads();
            long onPrimary = probeConnections(redis.primary());
            long onReplica = probeConnections(redis.replicas().get(0));
            System.out.printf("[SharedMonitorIT] 2 clients: %d monitor thread(s), probe connections primary=%d replica=%d%n",
                    threads, onPrimary, onReplica);
            assertThat(threads).isEqualTo(1);
            assertThat(onPrimary).isEqualTo(1);
            assertThat(onReplica).isEqualTo(1);

            a.close(); // the client that started the monitor
            try (HavenRedisConnection c = b.connect()) {
                c.sync().set("shared", "1");
                assertThat(c.reads(Consistency.STRONG).get("shared")).isEqualTo("1");
            }
            assertThat(monitorThreads()).isEqualTo(1);
            assertThat(probeConnections(redis.primary())).as("still probed for b").isEqualTo(1);

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
            // the monitor publishes its snapshot before the round's events: under load the event may come a moment later
            long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (eventsB.stream().noneMatch(e -> e instanceof HavenEvent.FailoverCompleted) && System.nanoTime() < until) {
                ItSupport.sleep(Duration.ofMillis(20));
            }
            assertThat(eventsB).anyMatch(e -> e instanceof HavenEvent.FailoverCompleted);
            assertThat(eventsA).as("a closed client hears nothing more").hasSize(eventsOfA);
        } finally {
            b.close();
        }
        assertThat(monitorThreads()).isZero();
        for (RedisNode n : redis.nodes()) {
            awaitProbeConnections(n, 0);
        }
    }
}
