package dev.haven.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.Endpoint;
import dev.haven.Role;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Global Datastore discovery: the writer reports the whole chain below it, every node located in its region. */
class ReplicationChainTest {

    // Shaped like Redis 6.2.11's INFO replication of a secondary region's primary in the testkit: a replica of the
    // global primary (port 41000) that has a replica of its own (port 41003).
    static final String SECONDARY_PRIMARY = """
            # Replication\r
            role:slave\r
            master_host:127.0.0.1\r
            master_port:41000\r
            master_link_status:up\r
            master_last_io_seconds_ago:0\r
            master_sync_in_progress:0\r
            slave_repl_offset:5120\r
            slave_priority:100\r
            slave_read_only:1\r
            replica_announced:1\r
            connected_slaves:1\r
            slave0:ip=127.0.0.1,port=41003,state=online,offset=5120,lag=0\r
            master_failover_state:no-failover\r
            master_replid:8c1f9d1c3e7c4a4e9d1f2b3c4d5e6f708192a3b4\r
            master_replid2:0000000000000000000000000000000000000000\r
            master_repl_offset:5120\r
            second_repl_offset:-1\r
            """;

    static final String GLOBAL_PRIMARY = """
            # Replication\r
            role:master\r
            connected_slaves:2\r
            slave0:ip=127.0.0.1,port=41001,state=online,offset=5120,lag=0\r
            slave1:ip=127.0.0.1,port=41002,state=online,offset=5120,lag=1\r
            master_replid:8c1f9d1c3e7c4a4e9d1f2b3c4d5e6f708192a3b4\r
            master_repl_offset:5120\r
            """;

    private static final Endpoint EAST = Endpoint.of("127.0.0.1", 41000).withLocation("us-east-1", "");
    private static final Endpoint EAST_REPLICA = Endpoint.of("127.0.0.1", 41001);
    private static final Endpoint WEST = Endpoint.of("127.0.0.1", 41002).withLocation("eu-west-1", "");
    private static final Endpoint WEST_REPLICA = Endpoint.of("127.0.0.1", 41003);
    private static final Map<String, List<Endpoint>> CONFIG = Map.of("us-east-1", List.of(EAST), "eu-west-1", List.of(WEST));

    @Test
    void aSecondaryRegionsPrimaryIsAReaderInTheGlobalOffsetSpaceThatListsItsOwnReplicas() {
        ReplicationInfo info = ReplicationInfo.parse(SECONDARY_PRIMARY);
        assertThat(info.role()).isEqualTo(Role.READER);
        assertThat(info.offset()).as("processed offset, comparable with the global primary's master_repl_offset").isEqualTo(5120);
        assertThat(info.replicas()).extracting(Endpoint::id).containsExactly(WEST_REPLICA.id());
        assertThat(ReplicationInfo.parse(GLOBAL_PRIMARY).replicas()).extracting(Endpoint::id)
                .as("the global primary does not list the sub-replica").containsExactly(EAST_REPLICA.id(), WEST.id());
    }

    @Test
    void theWriterReportsSubReplicasLocatedInTheRegionOfTheNodeTheyReplicateFrom() {
        ReplicationChain chain = new ReplicationChain(CONFIG);
        chain.reported(EAST.id(), ReplicationInfo.parse(GLOBAL_PRIMARY).replicas());
        chain.reported(WEST.id(), ReplicationInfo.parse(SECONDARY_PRIMARY).replicas());
        chain.reported(WEST_REPLICA.id(), List.of());

        List<Endpoint> below = chain.below(EAST);
        assertThat(below).extracting(Endpoint::id).containsExactly(EAST_REPLICA.id(), WEST.id(), WEST_REPLICA.id());
        assertThat(below).extracting(Endpoint::region).containsExactly("us-east-1", "eu-west-1", "eu-west-1");
        assertThat(below).extracting(Endpoint::role).containsOnly(Role.READER);
    }

    @Test
    void afterARegionPromotionTheOldPrimaryRegionHangsBelowTheNewWriter() {
        Map<String, List<Endpoint>> reported = Map.of(
                WEST.id(), List.of(WEST_REPLICA, EAST),
                EAST.id(), List.of(EAST_REPLICA));
        List<Endpoint> below = ReplicationChain.below(WEST, reported, Map.of(EAST.id(), "us-east-1", WEST.id(), "eu-west-1"));
        assertThat(below).extracting(e -> e.id() + "@" + e.region()).containsExactly(
                WEST_REPLICA.id() + "@eu-west-1", EAST.id() + "@us-east-1", EAST_REPLICA.id() + "@us-east-1");
    }

    @Test
    void aNodeThatStoppedAnsweringNoLongerVouchesForItsReplicas() {
        ReplicationChain chain = new ReplicationChain(CONFIG);
        chain.reported(EAST.id(), List.of(WEST));
        chain.reported(WEST.id(), List.of(WEST_REPLICA));
        chain.forget(WEST.id());
        assertThat(chain.below(EAST)).extracting(Endpoint::id).containsExactly(WEST.id());
    }

    @Test
    void aCycleSeenInMidChangeEnds() {
        Map<String, List<Endpoint>> reported = Map.of(EAST.id(), List.of(WEST), WEST.id(), List.of(EAST, WEST_REPLICA));
        assertThat(ReplicationChain.below(EAST, reported, Map.of())).extracting(Endpoint::id).containsExactly(WEST.id(), WEST_REPLICA.id());
    }
}
