package dev.haven.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.Endpoint;
import dev.haven.Role;
import org.junit.jupiter.api.Test;

class ReplicationInfoTest {

    // Captured from Redis 6.2.11 (the testkit's binary): a primary with two replicas, one of them paused.
    static final String MASTER = """
            # Replication\r
            role:master\r
            connected_slaves:2\r
            slave0:ip=127.0.0.1,port=41001,state=online,offset=262913,lag=0\r
            slave1:ip=127.0.0.1,port=41002,state=wait_bgsave,offset=0,lag=5\r
            master_failover_state:no-failover\r
            master_replid:8c1f9d1c3e7c4a4e9d1f2b3c4d5e6f708192a3b4\r
            master_replid2:0000000000000000000000000000000000000000\r
            master_repl_offset:263001\r
            second_repl_offset:-1\r
            repl_backlog_active:1\r
            """;

    static final String REPLICA = """
            # Replication\r
            role:slave\r
            master_host:127.0.0.1\r
            master_port:41000\r
            master_link_status:up\r
            master_last_io_seconds_ago:0\r
            master_sync_in_progress:0\r
            slave_repl_offset:262913\r
            slave_priority:100\r
            slave_read_only:1\r
            replica_announced:1\r
            connected_slaves:0\r
            master_replid:8c1f9d1c3e7c4a4e9d1f2b3c4d5e6f708192a3b4\r
            master_repl_offset:262913\r
            """;

    @Test
    void masterReportsItsWrittenOffsetAndItsReplicasAnnouncedAddresses() {
        ReplicationInfo i = ReplicationInfo.parse(MASTER);
        assertThat(i.role()).isEqualTo(Role.WRITER);
        assertThat(i.offset()).isEqualTo(263001);
        assertThat(i.replicas()).extracting(Endpoint::id).containsExactly("127.0.0.1:41001", "127.0.0.1:41002");
        assertThat(i.replicas()).allMatch(e -> e.role() == Role.READER);
        assertThat(i.onlineReplicas()).isEqualTo(1);
        assertThat(i.masterLinkUp()).isTrue();
        assertThat(i.replicationId()).isEqualTo("8c1f9d1c3e7c4a4e9d1f2b3c4d5e6f708192a3b4");
    }

    @Test
    void replicaReportsTheOffsetItProcessedNotItsMastersOffset() {
        ReplicationInfo i = ReplicationInfo.parse(REPLICA);
        assertThat(i.role()).isEqualTo(Role.READER);
        assertThat(i.offset()).isEqualTo(262913);
        assertThat(i.replicas()).isEmpty();
        assertThat(i.masterLinkUp()).isTrue();
        assertThat(ReplicationInfo.parse(REPLICA.replace("master_link_status:up", "master_link_status:down")).masterLinkUp()).isFalse();
    }

    @Test
    void missingOrGarbledFieldsAreUnknownNotZero() {
        ReplicationInfo i = ReplicationInfo.parse("role:slave\nslave_repl_offset:abc\n");
        assertThat(i.offset()).isEqualTo(Long.MIN_VALUE);
        ReplicationInfo m = ReplicationInfo.parse("role:master\nslave0:ip=,port=0,state=online\n");
        assertThat(m.replicas()).isEmpty();
        assertThat(m.offset()).isEqualTo(Long.MIN_VALUE);
        assertThat(ReplicationInfo.parse("role:sentinel\n").role()).isEqualTo(Role.UNKNOWN);
        assertThatThrownBy(() -> ReplicationInfo.parse("# Replication\r\n")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no role line");
    }
}
