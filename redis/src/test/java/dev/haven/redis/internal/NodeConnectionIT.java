package dev.haven.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.Endpoint;
import dev.haven.Role;
import dev.haven.Ticker;
import dev.haven.testkit.redis.HavenRedis;
import dev.haven.testkit.redis.RedisNode;
import dev.haven.testkit.redis.RedisTopology;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A shared node connection on which a command timed out with nothing at all coming back since it was sent is
 * presumed dead and replaced (what a connection killed behind a proxy, or half-open, looks like); a slow command on a
 * connection that is still answering is not a reason to reconnect.
 */
@HavenRedis(replicas = 0, sentinels = 0)
class NodeConnectionIT {

    @Test
    void aTimeoutWithNoReplySinceReplacesTheConnectionAndAnAnsweringOneIsKept(RedisTopology redis) throws InterruptedException {
        RedisNode n = redis.primary();
        RedisClient client = RedisClient.create();
        Ticker ticker = Ticker.system();
        try (NodeConnection node = new NodeConnection(new Endpoint(n.name(), n.host(), n.port(), Role.WRITER, "", ""), client,
                RedisURI.builder().withHost(n.host()).withPort(n.port()).withTimeout(Duration.ofMillis(250)).build(),
                Duration.ofSeconds(5), ticker)) {
            StatefulRedisConnection<String, String> first = node.get();
            assertThat(first.sync().ping()).isEqualTo("PONG");
            node.replied(first, ticker.nanoTime());

            // The server answers nothing for 1 s: a command times out, nothing has come back since it was sent, and the
            // connection has been silent for more than twice the 250 ms command timeout.
            try (StatefulRedisConnection<String, String> admin = client.connect(RedisURI.create(redis.redisUri(n)))) {
                admin.sync().clientPause(1_000);
            }
            long sent = ticker.nanoTime();
            assertThatThrownBy(() -> first.sync().get("k")).isInstanceOf(RedisCommandTimeoutException.class);
            node.timedOut(first, sent);
            assertThat(first.isOpen()).as("silent for ~250 ms only: could be a stall, kept").isTrue();
            Thread.sleep(300);
            node.timedOut(first, sent);
            long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            while (first.isOpen() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(first.isOpen()).as("the dead-looking connection was closed").isFalse();
            StatefulRedisConnection<String, String> second = null;
            while (second == null && System.nanoTime() < deadline + Duration.ofSeconds(3).toNanos()) {
                try {
                    second = node.get(); // connects once the pause is over (its handshake times out before)
                } catch (io.lettuce.core.RedisConnectionException stillPaused) {
                    Thread.sleep(10);
                }
            }
            assertThat(second).as("a new connection").isNotNull().isNotSameAs(first);
            assertThat(second.sync().ping()).isEqualTo("PONG");

            // A timeout while the connection answered something after the command was sent: kept.
            long sentEarlier = ticker.nanoTime();
            node.replied(second, ticker.nanoTime() + 1);
            node.timedOut(second, sentEarlier);
            assertThat(node.get()).isSameAs(second);
        } finally {
            client.shutdown();
        }
    }
}
