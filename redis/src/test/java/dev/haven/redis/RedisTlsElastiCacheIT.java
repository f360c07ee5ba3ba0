package dev.haven.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.testkit.redis.HavenRedis;
import dev.haven.testkit.redis.HostAndPort;
import dev.haven.testkit.redis.RedisNode;
import dev.haven.testkit.redis.RedisTopology;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** ElastiCache mode with in-transit encryption: the primary endpoint and the discovered replicas over TLS only. */
@HavenRedis(replicas = 1, elastiCacheMode = true, tls = true)
class RedisTlsElastiCacheIT {

    @Test
    void primaryEndpointFlipIsFollowedOverTls(RedisTopology redis) throws Exception {
        HostAndPort endpoint = redis.primaryEndpoint();
        try (HavenRedisClient client = ItSupport.ready(ItSupport.sharedMachine(HavenRedisClient.builder())
                .elastiCache(endpoint.host() + ":" + endpoint.port(), null).tls(redis.tlsCaCertificate()).clusterName("ec-tls")
                .build(), 1)) {
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
            System.out.printf("TLS ElastiCache IT: %s -> %s, flip took %d ms, longest write gap %d ms, writes %d, reads %d, "
                    + "read errors %d, unknown %d, unavailable %d%n", old.name(), next.name(), flipMillis, back, load.writes.get(),
                    load.reads.get(), load.readErrors.size(), load.unknown.get(), load.unavailable.get());
            assertThat(load.reads.get()).as("reads over TLS").isGreaterThan(100);
            assertThat(load.readErrors).as("read errors surfaced").isEmpty();
            assertThat(load.otherWriteErrors).isEmpty();
            assertThat(back).as("ms without a successful write after the failover started (flip took " + flipMillis + " ms)")
                    .isLessThanOrEqualTo(flipMillis + 1000);
        }
    }
}
