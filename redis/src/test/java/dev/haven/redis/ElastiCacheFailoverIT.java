package dev.haven.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.Consistency;
import dev.haven.testkit.redis.HavenRedis;
import dev.haven.testkit.redis.HostAndPort;
import dev.haven.testkit.redis.RedisNode;
import dev.haven.testkit.redis.RedisTopology;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** ElastiCache mode: the primary endpoint is re-pointed to the promoted replica under load. */
@HavenRedis(replicas = 2, elastiCacheMode = true)
class ElastiCacheFailoverIT {

    @Test
    void elastiCachePrimaryEndpointFlipIsFollowed(RedisTopology redis) throws Exception {
        HostAndPort endpoint = redis.primaryEndpoint();
        try (HavenRedisClient client = ItSupport.ready(ItSupport.sharedMachine(HavenRedisClient.builder())
                .elastiCache(endpoint.host() + ":" + endpoint.port(), null).clusterName("ec").build(), 2)) {
            FailoverLoad load = new FailoverLoad(client);
            ItSupport.sleep(Duration.ofSeconds(1));
            RedisNode old = redis.primary();
            long t0 = System.nanoTime();
            RedisNode next = redis.failover();
            long flipMillis = (System.nanoTime() - t0) / 1_000_000;
            ItSupport.sleep(Duration.ofSeconds(2));
            long tEnd = System.nanoTime();
            load.stop();
            long back = load.longestWriteGapMillis(t0, tEnd);

            long setsOnNew;
            try (HavenRedisConnection c = client.connect()) {
                c.sync().set("after-failover", "yes");
                setsOnNew = ItSupport.direct(next, conn -> "yes".equals(conn.sync().get("after-failover"))
                        && conn.sync().info("replication").contains("role:master")) ? 1 : 0;
            }
            System.out.printf("ElastiCache failover IT: %s -> %s, flip took %d ms, longest write gap after flip start %d ms, writes %d, "
                    + "reads %d, read errors %d, unknown %d, unavailable %d, write after failover on the new primary (direct check) %d, acked %d%n",
                    old.name(), next.name(), flipMillis, back, load.writes.get(), load.reads.get(),
                    load.readErrors.size(), load.unknown.get(), load.unavailable.get(), setsOnNew, load.acked.size());
            assertThat(load.readErrors).as("read errors surfaced").isEmpty();
            assertThat(load.otherWriteErrors).isEmpty();
            assertThat(back).as("ms without a successful write after the failover started (flip took " + flipMillis + " ms)")
                    .isLessThanOrEqualTo(flipMillis + 1000);
            assertThat(setsOnNew).as("a write after the failover is on the promoted node, which is master").isEqualTo(1);
            try (HavenRedisConnection c = client.connect()) {
                var strong = c.reads(Consistency.STRONG);
                long missing = load.acked.entrySet().stream().filter(e -> !e.getValue().equals(strong.get(e.getKey()))).count();
                assertThat(missing).as("acknowledged writes missing, of " + load.acked.size()).isZero();
            }
        }
    }
}
