package dev.haven.testkit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.testkit.redis.internal.Resp;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Sentinel's automatic failover, the testkit's planned failover, and what a Sentinel-aware client (Lettuce) sees. */
class RedisFailoverIT {

    private static final Duration T = Duration.ofSeconds(5);

    @Test
    void sentinelElectsANewPrimaryAfterTheKillAndTheOtherReplicaFollowsIt() throws IOException {
        try (RedisTopology redis = RedisTopology.start(2)) {
            RedisNode old = redis.primary();
            RedisClient client = RedisClient.create(RedisURI.create(redis.sentinelUri()));
            try (StatefulRedisConnection<String, String> c = client.connect()) {
                c.setTimeout(T);
                assertThat(c.sync().set("before", "1")).isEqualTo("OK");
            }
            redis.awaitReplicated(T);

            RedisNode next = redis.killPrimaryAndAwaitFailover(Duration.ofSeconds(60));
            System.out.printf("Sentinel failover after SIGKILL of the primary: new primary %s reported by all 3 Sentinels after %d ms%n",
                    next.name(), redis.lastFailoverTime().toMillis());
            assertThat(next).isNotSameAs(old);
            assertThat(old.isRunning()).isFalse();
            assertThat(redis.lastFailoverTime()).isLessThan(Duration.ofSeconds(30));

            // Checked against the Sentinels' settled answer: on a loaded machine they can fail the promoted primary over too.
            RedisNode primary = redis.discoverPrimary();
            List<SentinelFailover> failovers = redis.sentinelFailovers();
            System.out.printf("Sentinels settled on %s after %d failover(s): %s%n", primary.name(), failovers.size(), failovers);
            assertThat(primary).isNotSameAs(old).isSameAs(redis.primary());
            assertThat(failovers).as("failovers the Sentinels logged").isNotEmpty();
            assertThat(failovers.get(0).from()).isSameAs(old);
            assertThat(failovers.get(failovers.size() - 1).to()).isSameAs(primary);

            RedisNode other = redis.replicas().stream().filter(n -> n != old).findFirst().orElseThrow();
            redis.awaitReplicated(T); // every running replica follows the settled primary
            Map<String, String> info = RedisReplicationIT.info(other);
            assertThat(info).containsEntry("role", "slave").containsEntry("master_port", Integer.toString(primary.port()))
                    .containsEntry("master_link_status", "up");

            // a client that asks Sentinel now writes to the new primary, through its proxy
            try (StatefulRedisConnection<String, String> c = client.connect()) {
                c.setTimeout(T);
                assertThat(c.sync().get("before")).isEqualTo("1");
                assertThat(c.sync().set("after", "2")).isEqualTo("OK");
            }
            assertThat(Resp.once("127.0.0.1", primary.directPort(), null, T, "GET", "after")).isEqualTo("2");
            redis.awaitReplicated(T);
            assertThat(RedisReplicationIT.call(other, "GET", "after")).isEqualTo("2");
            client.shutdown();
        }
    }

    @Test
    void plannedSentinelFailoverDemotesTheOldPrimary() throws IOException {
        try (RedisTopology redis = RedisTopology.start(1)) {
            RedisNode old = redis.primary();
            long t0 = System.nanoTime();
            RedisNode next = redis.failover();
            System.out.printf("SENTINEL FAILOVER: %s primary after %d ms, old primary following after %d ms%n", next.name(),
                    redis.lastFailoverTime().toMillis(), (System.nanoTime() - t0) / 1_000_000);
            assertThat(next).isNotSameAs(old);
            assertThat(RedisReplicationIT.info(old)).containsEntry("role", "slave").containsEntry("master_port", Integer.toString(next.port()));
            assertThat(RedisReplicationIT.call(next, "SET", "k", "v")).isEqualTo("OK");
            redis.awaitReplicated(T);
            assertThat(RedisReplicationIT.call(old, "GET", "k")).isEqualTo("v");
        }
    }
}
