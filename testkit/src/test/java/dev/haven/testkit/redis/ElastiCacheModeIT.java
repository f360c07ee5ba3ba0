package dev.haven.testkit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.testkit.redis.internal.Resp;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** ElastiCache mode: no Sentinel, a primary endpoint that failover() re-points like ElastiCache's DNS flip. */
class ElastiCacheModeIT {

    private static final Duration T = Duration.ofSeconds(5);

    @Test
    void failoverFlipsThePrimaryEndpointToTheNewPrimary() throws IOException {
        try (RedisTopology redis = RedisTopology.builder().replicas(2).elastiCacheMode(true).password("s3cret").start()) {
            assertThat(redis.sentinels()).isEmpty();
            HostAndPort endpoint = redis.primaryEndpoint();
            RedisNode old = redis.primary();
            try (Resp c = Resp.connect(endpoint.host(), endpoint.port(), "s3cret", T)) {
                assertThat(c.call("SET", "before", "1")).isEqualTo("OK");
                assertThat(port(c)).isEqualTo(old.directPort());
            }

            RedisNode next = redis.failover();
            System.out.printf("ElastiCache-mode failover: %s promoted in %d ms, endpoint %s flipped%n", next.name(),
                    redis.lastFailoverTime().toMillis(), endpoint);
            assertThat(next).isNotSameAs(old);
            assertThat(redis.primaryEndpoint()).isEqualTo(endpoint);

            try (Resp c = Resp.connect(endpoint.host(), endpoint.port(), "s3cret", T)) {
                assertThat(port(c)).as("server behind the endpoint").isEqualTo(next.directPort());
                assertThat(c.call("GET", "before")).as("no acknowledged write lost").isEqualTo("1");
                assertThat(c.call("SET", "after", "2")).isEqualTo("OK");
            }
            assertThat(Resp.once("127.0.0.1", next.directPort(), "s3cret", T, "GET", "after")).isEqualTo("2");
            redis.awaitReplicated(T);
            for (RedisNode r : redis.replicas()) {
                Map<String, String> info = Resp.parseInfo(String.valueOf(Resp.once("127.0.0.1", r.directPort(), "s3cret", T, "INFO", "replication")));
                assertThat(info).as(r.name()).containsEntry("role", "slave").containsEntry("master_port", Integer.toString(next.port()));
                assertThat(Resp.once("127.0.0.1", r.directPort(), "s3cret", T, "GET", "after")).isEqualTo("2");
            }
            assertThatThrownBy(redis::sentinelUri).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void killingThePrimaryPromotesTheMostAdvancedReplicaAndARestartedOldPrimaryComesBackAsReplica() throws IOException {
        try (RedisTopology redis = RedisTopology.builder().replicas(2).elastiCacheMode(true).start()) {
            RedisNode old = redis.primary();
            RedisNode behind = redis.replicas().get(0);
            redis.pauseReplication(behind);
            assertThat(Resp.once("127.0.0.1", redis.primaryEndpoint().port(), null, T, "SET", "k", "v")).isEqualTo("OK");
            RedisNode ahead = redis.replicas().get(1);
            long target = redis.replicationOffset(old);
            long deadline = System.nanoTime() + T.toNanos();
            while (redis.replicationOffset(ahead) < target && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(redis.replicationOffset(ahead)).isGreaterThan(redis.replicationOffset(behind));

            RedisNode next = redis.killPrimaryAndAwaitFailover(Duration.ofSeconds(30));
            assertThat(next).as("the most advanced replica").isSameAs(ahead);
            redis.resumeReplication(behind);
            redis.restart(old);
            redis.awaitReplicated(T);
            assertThat(Resp.once("127.0.0.1", old.directPort(), null, T, "GET", "k")).isEqualTo("v");
            assertThat(Resp.once("127.0.0.1", behind.directPort(), null, T, "GET", "k")).isEqualTo("v");
        }
    }

    private static long port(Resp c) throws IOException {
        return Long.parseLong(Resp.parseInfo(String.valueOf(c.call("INFO", "server"))).get("tcp_port"));
    }
}
