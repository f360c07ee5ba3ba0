package dev.haven.redis;

import static dev.haven.redis.ItSupport.direct;
import static dev.haven.redis.ItSupport.ready;
import static dev.haven.redis.ItSupport.sentinelClient;
import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.Consistency;
import dev.haven.testkit.redis.RedisNode;
import dev.haven.testkit.redis.RedisTopology;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Near cache: RESP3 tracking invalidations from another client, consistency rules, failover. */
class NearCacheIT {

    private static final NearCacheConfig CONFIG = NearCacheConfig.of(1_000, Duration.ofSeconds(60));

    @Test
    void keyChangedByAnotherClientIsInvalidatedWithinTheTrackingRoundTrip() throws Exception {
        try (RedisTopology redis = RedisTopology.start(2)) {
            keyChangedByAnotherClientIsInvalidatedWithinTheTrackingRoundTrip(redis);
        }
    }

    private void keyChangedByAnotherClientIsInvalidatedWithinTheTrackingRoundTrip(RedisTopology redis) throws Exception {
        try (HavenRedisClient client = ready(sentinelClient(redis).nearCache(CONFIG).build(), 2);
             HavenRedisConnection conn = client.connect()) {
            RedisCommands<String, String> cached = conn.reads(Consistency.EVENTUAL);
            RedisClient other = RedisClient.create(RedisURI.create("127.0.0.1", redis.primary().port()));
            try (StatefulRedisConnection<String, String> o = other.connect()) {
                o.sync().set("hot", "v0");
                assertThat(cached.get("hot")).isEqualTo("v0");
                long hits0 = client.nearCacheStats().orElseThrow().hits();
                for (int i = 0; i < 100; i++) {
                    assertThat(cached.get("hot")).isEqualTo("v0");
                }
                assertThat(client.nearCacheStats().orElseThrow().hits() - hits0).isEqualTo(100); // served from memory

                List<Long> micros = new ArrayList<>();
                for (int i = 1; i <= 50; i++) {
                    assertThat(cached.get("hot")).isEqualTo("v" + (i - 1)); // cached, tracked
                    String v = "v" + i;
                    o.sync().set("hot", v);
                    long t0 = System.nanoTime();
                    while (!v.equals(cached.get("hot"))) {
                        assertThat(System.nanoTime() - t0).as("invalidation of hot=" + v).isLessThan(Duration.ofSeconds(2).toNanos());
                        Thread.onSpinWait();
                    }
                    micros.add((System.nanoTime() - t0) / 1_000);
                }
                Collections.sort(micros);
                NearCacheStats s = client.nearCacheStats().orElseThrow();
                System.out.printf("near cache invalidation after another client's SET: median %d us, p90 %d us, max %d us; %s%n",
                        micros.get(25), micros.get(45), micros.get(49), s);
                // One push message after the server applied the SET: a round trip. p90 bounds it; the max only
                // guards against a lost invalidation (a stall of the shared 2-core CI machine is not one).
                assertThat(micros.get(45)).as("p90 invalidation delay (us)").isLessThanOrEqualTo(200_000);
                assertThat(micros.get(49)).as("max invalidation delay (us)").isLessThanOrEqualTo(1_000_000);
                assertThat(s.invalidations()).isGreaterThanOrEqualTo(50);
            } finally {
                other.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            }
        }
    }

    @Test
    void consistencyDecidesWhetherAnEntryMayServe() throws Exception {
        try (RedisTopology redis = RedisTopology.start(1)) {
            consistencyDecidesWhetherAnEntryMayServe(redis);
        }
    }

    private void consistencyDecidesWhetherAnEntryMayServe(RedisTopology redis) throws Exception {
        try (HavenRedisClient client = ready(sentinelClient(redis).nearCache(CONFIG).build(), 1);
             HavenRedisConnection conn = client.connect()) {
            conn.sync().set("k", "a");
            assertThat(conn.reads(Consistency.EVENTUAL).get("k")).isEqualTo("a"); // own write evicted locally: fresh
            NearCacheStats s0 = client.nearCacheStats().orElseThrow();
            conn.reads(Consistency.STRONG).get("k");
            conn.reads(Consistency.SESSION).get("k");
            assertThat(client.nearCacheStats().orElseThrow().hits()).as("STRONG/SESSION never hit").isEqualTo(s0.hits());
            assertThat(client.nearCacheStats().orElseThrow().misses()).as("nor fill").isEqualTo(s0.misses());

            Consistency bounded = Consistency.boundedStaleness(Duration.ofMillis(100));
            conn.reads(bounded).get("k");
            NearCacheStats s1 = client.nearCacheStats().orElseThrow();
            assertThat(s1.hits()).as("young entry serves a bounded read").isEqualTo(s0.hits() + 1);
            Thread.sleep(150);
            conn.reads(bounded).get("k");
            NearCacheStats s2 = client.nearCacheStats().orElseThrow();
            assertThat(s2.hits()).as("entry older than the bound does not serve").isEqualTo(s1.hits());
            assertThat(s2.misses()).isEqualTo(s1.misses() + 1);
            conn.reads(Consistency.EVENTUAL).get("k");
            assertThat(client.nearCacheStats().orElseThrow().hits()).isEqualTo(s2.hits() + 1);

            conn.sync().set("k", "b"); // through the cached client itself: read-your-write without waiting for the push
            assertThat(conn.reads(Consistency.EVENTUAL).get("k")).isEqualTo("b");
        }
    }

    @Test
    void afterPrimaryKilledTheNearCacheHoldsNothingOlderThanTheFailover() throws Exception {
        try (RedisTopology redis = RedisTopology.start(2)) {
            afterPrimaryKilledTheNearCacheHoldsNothingOlderThanTheFailover(redis);
        }
    }

    private void afterPrimaryKilledTheNearCacheHoldsNothingOlderThanTheFailover(RedisTopology redis) throws Exception {
        try (HavenRedisClient client = ready(sentinelClient(redis).nearCache(CONFIG).build(), 2);
             HavenRedisConnection conn = client.connect()) {
            RedisCommands<String, String> cached = conn.reads(Consistency.EVENTUAL);
            conn.sync().set("f", "before");
            assertThat(cached.get("f")).isEqualTo("before");
            assertThat(cached.get("f")).isEqualTo("before");
            long hits = client.nearCacheStats().orElseThrow().hits();
            assertThat(hits).isGreaterThanOrEqualTo(1);

            RedisNode promoted = redis.killPrimaryAndAwaitFailover(Duration.ofSeconds(20));
            direct(promoted, c -> c.sync().set("f", "after"));
            redis.awaitReplicated(Duration.ofSeconds(10));
            long t0 = System.nanoTime();
            for (int i = 0; i < 200; i++) {
                assertThat(cached.get("f")).as("read %d after failover", i).isEqualTo("after");
                Thread.sleep(5);
            }
            NearCacheStats s = client.nearCacheStats().orElseThrow();
            System.out.printf("near cache after SIGKILL failover (%d ms): %s, reads over %d ms%n",
                    redis.lastFailoverTime().toMillis(), s, (System.nanoTime() - t0) / 1_000_000);
            assertThat(s.flushes()).isGreaterThanOrEqualTo(2); // connection lost / primary changed, then re-tracked
            assertThat(s.hits()).as("cache in use again after re-tracking").isGreaterThan(hits + 50);
        }
    }

    @Test
    void afterGracefulFailoverTheNearCacheHoldsNothingOlderThanTheFailover() throws Exception {
        try (RedisTopology redis = RedisTopology.start(2)) {
            afterGracefulFailoverTheNearCacheHoldsNothingOlderThanTheFailover(redis);
        }
    }

    private void afterGracefulFailoverTheNearCacheHoldsNothingOlderThanTheFailover(RedisTopology redis) throws Exception {
        try (HavenRedisClient client = ready(sentinelClient(redis).nearCache(CONFIG).build(), 2);
             HavenRedisConnection conn = client.connect()) {
            RedisCommands<String, String> cached = conn.reads(Consistency.EVENTUAL);
            conn.sync().set("g", "before");
            assertThat(cached.get("g")).isEqualTo("before");
            assertThat(cached.get("g")).isEqualTo("before");

            RedisNode promoted = redis.failover(); // the old primary stays up (now a replica): its tracked link stays open
            direct(promoted, c -> c.sync().set("g", "after"));
            redis.awaitReplicated(Duration.ofSeconds(10));
            for (int i = 0; i < 200; i++) {
                assertThat(cached.get("g")).as("read %d after failover", i).isEqualTo("after");
                Thread.sleep(5);
            }
            System.out.println("near cache after SENTINEL FAILOVER: " + client.nearCacheStats().orElseThrow());
        }
    }
}
