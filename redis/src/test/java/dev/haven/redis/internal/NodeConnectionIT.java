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
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A shared node connection on which a command timed out with nothing at all coming back since it was sent, and that
 * has been silent for more than twice the command timeout, is presumed dead and replaced (what a connection killed
 * behind a proxy, or half-open, looks like); a slow command on a connection that is still answering is not a reason
 * to reconnect.
 */
@HavenRedis(replicas = 0, sentinels = 0)
class NodeConnectionIT {

    @Test
    void aTimeoutWithNoReplySinceReplacesTheConnectionAndAnAnsweringOneIsKept(RedisTopology redis) throws InterruptedException {
        RedisNode n = redis.primary();
        RedisClient client = RedisClient.create();
        // The connection's decisions run on a ticker moved by hand: how long it has been silent is then exactly what the
        // test says, whatever a loaded machine does to this thread between two lines. The command timeout (1 s) only
        // has to be longer than a PING takes on a loaded machine.
        AtomicLong now = new AtomicLong(1_000_000_000L);
        Ticker ticker = now::get;
        long timeout = Duration.ofSeconds(1).toNanos();
        try (NodeConnection node = new NodeConnection(new Endpoint(n.name(), n.host(), n.port(), Role.WRITER, "", ""), client,
                RedisURI.builder().withHost(n.host()).withPort(n.port()).withTimeout(Duration.ofNanos(timeout)).build(),
                Duration.ofSeconds(5), ticker)) {
            StatefulRedisConnection<String, String> first = connect(node);
            assertThat(first.sync().ping()).isEqualTo("PONG");
            node.replied(first, now.addAndGet(5_000_000L));

            // The node's proxy lets nothing through (a connection killed behind a proxy, or half-open): a command times
            // out, and nothing has come back since it was sent.
            redis.freeze(n);
            try {
                long sent = now.addAndGet(1_000_000L);
                assertThatThrownBy(() -> first.sync().get("k")).isInstanceOf(RedisCommandTimeoutException.class);
                now.set(sent + timeout);
                node.timedOut(first, sent);
                assertThat(first.isOpen()).as("silent for one command timeout only: could be a stall, kept").isTrue();
                now.set(sent + 2 * timeout + 1_000_000L);
                node.timedOut(first, sent);
                long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                while (first.isOpen() && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertThat(first.isOpen()).as("silent for more than twice the command timeout: closed").isFalse();
            } finally {
                redis.unfreeze(n);
            }
            StatefulRedisConnection<String, String> second = connect(node);
            assertThat(second).as("a new connection").isNotSameAs(first);
            assertThat(second.sync().ping()).isEqualTo("PONG");

            // A timeout on a connection that answered something after the command was sent: kept, however long ago.
            long sentEarlier = now.get();
            node.replied(second, now.addAndGet(5_000_000L));
            now.addAndGet(Duration.ofSeconds(10).toNanos());
            node.timedOut(second, sentEarlier);
            assertThat(node.get()).isSameAs(second);
        } finally {
            client.shutdown();
        }
    }

    /** {@code node.get()}, again for up to 10 s if it fails: its handshake can time out on a loaded machine. */
    private static StatefulRedisConnection<String, String> connect(NodeConnection node) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            try {
                return node.get();
            } catch (RedisConnectionException slow) {
                if (System.nanoTime() > deadline) {
                    throw slow;
                }
                Thread.sleep(60); // past the 50 ms for which a failed connect is remembered
            }
        }
    }
}
