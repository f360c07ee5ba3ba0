package dev.haven.testkit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.testkit.redis.internal.Resp;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Replication through the testkit's topology, and lag injected with pauseReplication, measured in bytes. */
class RedisReplicationIT {

    private static final Duration T = Duration.ofSeconds(5);

    @Test
    @SuppressWarnings("unchecked")
    void writesOnThePrimaryReachEveryReplicaAndSentinelsHandOutProxiedAddresses() throws IOException {
        try (RedisTopology redis = RedisTopology.start(2)) {
            System.out.printf("Redis primary + 2 replicas + 3 Sentinels ready in %d ms (%s)%n",
                    redis.startupTime().toMillis(), redis.binarySource());
            assertThat(redis.startupTime()).isLessThan(Duration.ofSeconds(30));

            assertThat(call(redis.primary(), "SET", "greeting", "hello")).isEqualTo("OK");
            long written = redis.replicationOffset(redis.primary());
            redis.awaitReplicated(T);
            for (RedisNode r : redis.replicas()) {
                assertThat(call(r, "GET", "greeting")).as(r.name()).isEqualTo("hello");
                // between the SET's offset and the primary's now, not equal to it: the Sentinels' hello messages are
                // published on the primary and replicated too, so its offset keeps moving (~1 kB between two reads seen)
                assertThat(redis.replicationOffset(r)).as(r.name() + "'s offset")
                        .isBetween(written, redis.replicationOffset(redis.primary()));
            }

            // what Sentinel tells clients: the proxied addresses
            RedisNode sentinel = redis.sentinels().get(0);
            List<Object> master = (List<Object>) Resp.once(sentinel.host(), sentinel.port(), null, T, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", "haven");
            assertThat(master).containsExactly((Object) "127.0.0.1", Integer.toString(redis.primary().port()));
            List<?> replicas = (List<?>) Resp.once(sentinel.host(), sentinel.port(), null, T, "SENTINEL", "REPLICAS", "haven");
            assertThat(replicas.stream().map(r -> Resp.pairs(r).get("port")).collect(Collectors.toSet()))
                    .containsExactlyInAnyOrderElementsOf(redis.replicas().stream().map(r -> Integer.toString(r.port())).collect(Collectors.toList()));
            assertThat(redis.sentinelUri()).matches("redis-sentinel://127\\.0\\.0\\.1:\\d+,127\\.0\\.0\\.1:\\d+,127\\.0\\.0\\.1:\\d+#haven");
        }
    }

    @Test
    void pausedReplicaFallsBehindWhileThePrimaryKeepsWritingAndCatchesUpOnResume() throws IOException {
        try (RedisTopology redis = RedisTopology.builder().replicas(2).sentinels(0).start()) {
            RedisNode primary = redis.primary();
            RedisNode paused = redis.replicas().get(0);
            RedisNode other = redis.replicas().get(1);
            redis.awaitReplicated(T);
            long before = redis.replicationOffset(paused);

            redis.pauseReplication(paused);
            String value = "x".repeat(100);
            try (Resp c = Resp.connect(primary.host(), primary.port(), null, T)) {
                for (int i = 0; i < 2000; i++) {
                    assertThat(c.call("SET", "k" + i, value)).isEqualTo("OK");
                }
            }
            long primaryOffset = redis.replicationOffset(primary);
            long written = primaryOffset - before;
            Thread.sleep(500); // give the paused link every chance to deliver something
            long lag = primaryOffset - redis.replicationOffset(paused);
            System.out.printf("pauseReplication: primary wrote %d bytes of replication stream, paused replica %d bytes behind%n", written, lag);
            assertThat(written).isGreaterThan(2000L * 100);
            assertThat(lag).isGreaterThanOrEqualTo(written);
            assertThat(call(paused, "GET", "k1999")).as("stale read on the paused replica").isNull();
            assertThat(call(paused, "DBSIZE")).isEqualTo(0L);

            assertThatThrownBy(() -> redis.awaitReplicated(Duration.ofMillis(500)))
                    .isInstanceOf(RedisTopologyException.class).hasMessageContaining(paused.name()).hasMessageContaining("bytes behind");
            assertThat(redis.replicationOffset(other)).as("the other replica is not paused").isGreaterThanOrEqualTo(primaryOffset);

            long t0 = System.nanoTime();
            redis.resumeReplication(paused);
            redis.awaitReplicated(Duration.ofSeconds(10));
            System.out.printf("resumeReplication: caught up %d bytes in %d ms%n", lag, (System.nanoTime() - t0) / 1_000_000);
            assertThat(call(paused, "GET", "k1999")).isEqualTo(value);
            assertThat(call(paused, "DBSIZE")).isEqualTo(2000L);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static Object call(RedisNode n, String... command) throws IOException {
        return Resp.once(n.host(), n.port(), null, T, command);
    }

    static Map<String, String> info(RedisNode n) throws IOException {
        return Resp.parseInfo(String.valueOf(Resp.once(n.host(), n.directPort(), null, T, "INFO", "replication")));
    }
}
