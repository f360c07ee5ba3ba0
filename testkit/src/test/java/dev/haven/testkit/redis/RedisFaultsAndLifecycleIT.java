package dev.haven.testkit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.testkit.internal.ServerProcesses;
import dev.haven.testkit.redis.internal.Resp;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Client-facing faults at the proxies, and the clean-up of close(). */
class RedisFaultsAndLifecycleIT {

    private static final Duration T = Duration.ofSeconds(5);

    @Test
    void frozenNodeHangsCommandsUntilTheClientTimeoutWhileItsDirectPortAndReplicationWork() throws IOException {
        try (RedisTopology redis = RedisTopology.builder().replicas(1).sentinels(0).start()) {
            RedisNode primary = redis.primary();
            RedisClient client = RedisClient.create(RedisURI.create(redis.redisUri(primary)));
            try (StatefulRedisConnection<String, String> c = client.connect()) {
                c.setTimeout(Duration.ofSeconds(1));
                assertThat(c.sync().set("a", "1")).isEqualTo("OK");

                redis.freeze(primary);
                long t0 = System.nanoTime();
                assertThatThrownBy(() -> c.sync().get("a")).isInstanceOf(RedisCommandTimeoutException.class);
                long hungMillis = (System.nanoTime() - t0) / 1_000_000;
                System.out.printf("frozen primary: GET through the proxy hung %d ms until the 1 s client timeout%n", hungMillis);
                assertThat(hungMillis).isBetween(900L, 10_000L);

                // the server itself and replication are untouched
                assertThat(Resp.once("127.0.0.1", primary.directPort(), null, T, "SET", "b", "2")).isEqualTo("OK");
                redis.awaitReplicated(T);
                assertThat(Resp.once("127.0.0.1", redis.replicas().get(0).directPort(), null, T, "GET", "b")).isEqualTo("2");
                // a new connection through the proxy gets nothing either
                assertThatThrownBy(() -> Resp.once(primary.host(), primary.port(), null, Duration.ofMillis(500), "PING"))
                        .isInstanceOf(java.net.SocketTimeoutException.class);

                redis.unfreeze(primary);
                c.setTimeout(T);
                assertThat(c.sync().get("b")).isEqualTo("2");

                redis.latency(primary, Duration.ofMillis(200));
                t0 = System.nanoTime();
                c.sync().ping();
                long rtt = (System.nanoTime() - t0) / 1_000_000;
                redis.latency(primary, Duration.ZERO);
                System.out.printf("latency(200 ms): PING round trip %d ms%n", rtt);
                assertThat(rtt).isGreaterThanOrEqualTo(190L);

                redis.reset(primary);
                assertThat(c.sync().get("b")).as("Lettuce reconnects after reset").isEqualTo("2");
            } finally {
                client.shutdown();
            }
        }
    }

    @Test
    void closeStopsEveryProcessAndDeletesTheRunDirectory() {
        RedisTopology redis = RedisTopology.start(2);
        List<Long> pids = redis.pids();
        Path dir = redis.workDir();
        assertThat(pids).hasSize(6);
        assertThat(alive(pids)).hasSize(6);
        redis.kill(redis.replicas().get(0));
        redis.restart(redis.replicas().get(0));
        assertThat(redis.pids()).hasSize(7);

        redis.close();
        assertThat(alive(redis.pids())).as("processes alive after close").isEmpty();
        assertThat(Files.exists(dir)).as("run dir after close").isFalse();
        redis.close(); // idempotent
        assertThatThrownBy(() -> redis.kill(redis.primary())).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    private static List<Long> alive(List<Long> pids) {
        return pids.stream().filter(p -> ProcessHandle.of(p).map(ServerProcesses::isRunning).orElse(false)).toList();
    }
}
