package dev.haven.testkit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.testkit.internal.ServerProcesses;
import dev.haven.testkit.redis.internal.Resp;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Global Datastore mode: two regions chained to one global primary, a paused cross-region link, and a region
 * promotion (planned: nothing acknowledged is lost; unplanned: what the region had not received is lost).
 */
class GlobalDatastoreModeIT {

    private static final Duration T = Duration.ofSeconds(5);
    private static final String EAST = "us-east-1";
    private static final String WEST = "eu-west-1";

    @Test
    void chainReplicatesPausesAndPromotesAndLeavesNoProcessBehind() throws Exception {
        List<Long> pids;
        try (RedisTopology gds = RedisTopology.builder().replicas(1).globalDatastore(EAST, WEST).password("s3cret").start()) {
            pids = new ArrayList<>(gds.pids());
            assertThat(pids).as("2 regions x (primary + 1 replica), no Sentinel").hasSize(4);
            assertThat(gds.sentinels()).isEmpty();
            RedisNode east = gds.regionPrimary(EAST);
            RedisNode west = gds.regionPrimary(WEST);
            RedisNode westReplica = gds.regionNodes(WEST).get(1);
            assertThat(gds.primary()).isSameAs(east);
            assertThat(gds.primaryRegion()).isEqualTo(EAST);
            assertThat(gds.regionNodes(EAST)).allMatch(n -> n.region().equals(EAST));

            // the chain: west's primary replicates from the global primary, west's replica from west's primary
            assertThat(info(east)).containsEntry("role", "master").containsEntry("connected_slaves", "2");
            assertThat(info(west)).containsEntry("role", "slave").containsEntry("master_port", Integer.toString(east.port()))
                    .containsEntry("connected_slaves", "1");
            assertThat(info(westReplica)).containsEntry("role", "slave").containsEntry("master_port", Integer.toString(west.port()));
            call(east, "SET", "k1", "v1");
            long written = gds.replicationOffset(east);
            gds.awaitReplicated(T);
            assertThat(call(westReplica, "GET", "k1")).isEqualTo("v1");
            // between the SET's offset and the global primary's now (which a replication PING may have moved on since)
            assertThat(gds.replicationOffset(westReplica)).as("one offset space along the chain")
                    .isBetween(written, gds.replicationOffset(east));

            // a paused cross-region link holds back the whole region, not the primary region's replica
            gds.pauseRegionReplication(WEST);
            call(east, "SET", "k2", "v2");
            RedisNode eastReplica = gds.regionNodes(EAST).get(1);
            awaitValue(eastReplica, "k2", "v2");
            Thread.sleep(300);
            assertThat(call(west, "GET", "k2")).isNull();
            assertThat(call(westReplica, "GET", "k2")).isNull();
            assertThat(gds.replicationOffset(westReplica)).isLessThan(gds.replicationOffset(east));
            assertThatThrownBy(() -> gds.pauseRegionReplication(EAST)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("primary region");
            gds.resumeRegionReplication(WEST);
            gds.awaitReplicated(T);
            assertThat(call(westReplica, "GET", "k2")).isEqualTo("v2");

            // planned promotion: the old primary region becomes a secondary region; nothing acknowledged is lost
            assertThatThrownBy(gds::failover).isInstanceOf(IllegalStateException.class).hasMessageContaining("promoteRegion");
            RedisNode next = gds.promoteRegion(WEST);
            System.out.printf("Global Datastore testkit: promoted %s (%s) in %d ms%n", WEST, next.name(), gds.lastFailoverTime().toMillis());
            assertThat(next).isSameAs(west);
            assertThat(gds.primary()).isSameAs(west);
            assertThat(gds.primaryRegion()).isEqualTo(WEST);
            assertThat(info(west)).containsEntry("role", "master");
            assertThat(info(east)).containsEntry("role", "slave").containsEntry("master_port", Integer.toString(west.port()));
            assertThat(info(eastReplica)).containsEntry("role", "slave").containsEntry("master_port", Integer.toString(east.port()));
            assertThat(info(westReplica)).containsEntry("master_port", Integer.toString(west.port()));
            assertThat(call(west, "GET", "k2")).isEqualTo("v2");
            call(west, "SET", "k3", "v3");
            gds.awaitReplicated(T);
            for (RedisNode n : gds.nodes()) {
                assertThat(call(n, "GET", "k3")).as(n.name()).isEqualTo("v3");
            }

            // unplanned promotion back while east's link is paused: the write east had not received is lost everywhere
            gds.pauseRegionReplication(EAST);
            call(west, "SET", "unreplicated", "x");
            gds.promoteRegion(EAST, false);
            assertThat(gds.primaryRegion()).isEqualTo(EAST);
            gds.awaitReplicated(T);
            for (RedisNode n : gds.nodes()) {
                assertThat(call(n, "GET", "unreplicated")).as(n.name() + ": a write the promoted region never received").isNull();
                assertThat(call(n, "GET", "k3")).as(n.name() + ": a write it had received").isEqualTo("v3");
            }
        }
        assertThat(pids.stream().filter(p -> ProcessHandle.of(p).map(ServerProcesses::isRunning).orElse(false)))
                .as("processes alive after close").isEmpty();
    }

    @Test
    void regionAccessorsExistOnlyInGlobalDatastoreMode() {
        try (RedisTopology single = RedisTopology.builder().replicas(0).sentinels(0).start()) {
            assertThat(single.globalDatastoreMode()).isFalse();
            assertThat(single.primary().region()).isEmpty();
            assertThatThrownBy(single::regions).isInstanceOf(IllegalStateException.class).hasMessageContaining("globalDatastore");
        }
    }

    private static Map<String, String> info(RedisNode n) throws IOException {
        return Resp.parseInfo(String.valueOf(call(n, "INFO", "replication")));
    }

    private static Object call(RedisNode n, String... command) throws IOException {
        return Resp.once("127.0.0.1", n.directPort(), "s3cret", T, command);
    }

    private static void awaitValue(RedisNode n, String key, String value) throws Exception {
        long deadline = System.nanoTime() + T.toNanos();
        while (!value.equals(call(n, "GET", key)) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(call(n, "GET", key)).isEqualTo(value);
    }
}
