package dev.haven.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.Endpoint;
import dev.haven.Role;
import dev.haven.engine.EventBus;
import dev.haven.engine.MonitorSettings;
import dev.haven.engine.SimulatedMonitor;
import dev.haven.engine.TopologyMonitor;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.lettuce.core.RedisCommandTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Which node {@link RedisTopologyProvider} lets the monitor trust as the primary under Sentinel, from scripted
 * {@code INFO replication} answers and a scripted Sentinel: the one the Sentinels name, and no other, also when the
 * named one cannot be reached (found by {@code RedisSimulationTest}, seed 3).
 */
class SentinelWriterTest {

    static final Endpoint A = Endpoint.of("10.0.0.1", 6379);
    static final Endpoint B = Endpoint.of("10.0.0.2", 6379);
    static final Endpoint C = Endpoint.of("10.0.0.3", 6379);

    private final Map<String, String> info = new HashMap<>(); // null: the node does not answer
    private SentinelView.Master named;

    private final RedisTopologyProvider.InfoSource nodes = new RedisTopologyProvider.InfoSource() {
        @Override
        public ReplicationInfo info(Endpoint endpoint, Duration timeout) {
            String text = info.get(endpoint.id());
            if (text == null) {
                throw new RedisCommandTimeoutException("Command timed out after 100 millisecond(s)");
            }
            return ReplicationInfo.parse(text);
        }

        @Override
        public void discard(Endpoint endpoint) {
        }

        @Override
        public void close() {
        }
    };

    private SentinelView.Master namedByOthers; // null: the other Sentinels say what Sentinel 0 says

    private final SentinelView.Fetcher sentinel = new SentinelView.Fetcher() {
        @Override
        public SentinelView.Master fetch(int index, long nowNanos) {
            SentinelView.Master m = index > 0 && namedByOthers != null ? namedByOthers : named; // 0: in use
            return new SentinelView.Master(m.host(), m.port(), m.configEpoch(), m.replicas(), nowNanos, m.failingOver());
        }

        @Override
        public void drop(int index) {
        }

        @Override
        public List<CompletableFuture<Void>> closeConnections() {
            return List.of();
        }
    };

    private final SentinelView view = new SentinelView(sentinel, 3, "mymaster", Duration.ZERO);
    private final RedisTopologyProvider provider = new RedisTopologyProvider(nodes, view, null, null, () -> 0);

    static String master(long offset) {
        return "# Replication\r\nrole:master\r\nconnected_slaves:0\r\nmaster_repl_offset:" + offset + "\r\n";
    }

    static String replica(long offset) {
        return "# Replication\r\nrole:slave\r\nmaster_host:10.0.0.2\r\nmaster_port:6379\r\nmaster_link_status:up\r\n"
                + "slave_repl_offset:" + offset + "\r\n";
    }

    static SentinelView.Master names(Endpoint e, long epoch) {
        return new SentinelView.Master(e.host(), e.port(), epoch, List.of(), 0);
    }

    @Test
    void aNodeClaimingMasterThatTheSentinelsDoNotNameIsNotTheWriterEvenWhenTheNamedOneIsUnreachable() throws Exception {
        // Sentinel failed over from A to B (config epoch 2); the client cannot reach B; A, restarted, still says
        // role:master until the Sentinels reconfigure it. Before the fix A was reported as a writer of epoch 1 and,
        // the only writer answering, trusted: writes went to the old primary and were lost at its reconfiguration.
        named = names(B, 2);
        info.put(A.id(), master(174));
        info.put(C.id(), replica(174));
        assertThat(provider.probe(A, Duration.ofMillis(100)).role()).isNotEqualTo(Role.WRITER);

        TopologyMonitor monitor = SimulatedMonitor.create(new MonitorSettings("unit", List.of(A, B, C), e -> e,
                Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofSeconds(5), Duration.ofMillis(100),
                64, CircuitBreakerConfig.ofDefaults(), () -> 0, Clock.systemUTC()), provider, new EventBus(List.of()));
        try {
            for (int round = 0; round < 5; round++) {
                SimulatedMonitor.round(monitor);
                assertThat(monitor.snapshot().writer()).as("writer after round %d", round).isNull();
            }
            info.put(B.id(), master(180)); // B reachable again: the named primary is the writer at once
            SimulatedMonitor.round(monitor);
            assertThat(monitor.snapshot().writer().id()).isEqualTo(B.id());
            assertThat(monitor.snapshot().state(A.id()).role()).isNotEqualTo(Role.WRITER);
        } finally {
            monitor.close();
        }
    }

    @Test
    void aReplicaJustPromotedIsTheWriterOnceAnySentinelAnnouncesIt() throws Exception {
        // A is dead; Sentinel 1 switched to B (config epoch 2) and published +switch-master; Sentinel 0, in use, still
        // names A (epoch 1) for up to its hello period (~2 s). Under the "named master only" rule B waited for Sentinel
        // 0 (a slower failover, RedisTlsIT: 5.8 s without writes after the kill, the first Sentinel named B 4.4 s after
        // it); Sentinel 1's +switch-master makes the next refresh ask Sentinel 1.
        named = names(A, 1);
        namedByOthers = names(B, 2);
        info.put(B.id(), master(180));
        info.put(C.id(), replica(180));
        assertThat(provider.probe(B, Duration.ofMillis(100)).role()).as("before the message").isNotEqualTo(Role.WRITER);
        view.switched(1);
        var probe = provider.probe(B, Duration.ofMillis(100));
        assertThat(probe.role()).as("after +switch-master to B").isEqualTo(Role.WRITER);
        assertThat(probe.epoch()).isEqualTo(2);
        info.put(A.id(), master(170)); // A restarted, still claiming master, and still named by Sentinel 0
        assertThat(provider.probe(A, Duration.ofMillis(100)).role()).as("A, no longer named").isNotEqualTo(Role.WRITER);
    }

    @Test
    void theMasterNamedByTheLeaderOfAFailoverInProgressIsNotTheWriter() throws Exception {
        // From the promotion on, the leader answers with the new config epoch (3) but still names the old master, with
        // failover_in_progress in its flags, until it has reconfigured the replicas. The old master, back and claiming
        // master, was trusted at epoch 3 (RedisSimulationTest seed 48).
        named = new SentinelView.Master(A.host(), A.port(), 3, List.of(), 0, true);
        info.put(A.id(), master(20));
        assertThat(provider.probe(A, Duration.ofMillis(100)).role()).isNotEqualTo(Role.WRITER);
        named = names(A, 3); // failover over (e.g. aborted): A is the master again
        assertThat(provider.probe(A, Duration.ofMillis(100)).role()).isEqualTo(Role.WRITER);
    }

    @Test
    void sentinelsFlagsAreRead() {
        var m = SentinelView.parse(Map.of("ip", "10.0.0.1", "port", "6379", "config-epoch", "3", "flags",
                "master,s_down,o_down,failover_in_progress"), List.of(), 0);
        assertThat(m.failingOver()).isTrue();
        assertThat(SentinelView.parse(Map.of("ip", "10.0.0.1", "port", "6379", "flags", "master"), List.of(), 0).failingOver())
                .isFalse();
    }

    @Test
    void theMasterTheSentinelsNameIsTheWriterWithTheirConfigEpoch() throws Exception {
        named = names(A, 7);
        info.put(A.id(), master(10));
        var probe = provider.probe(A, Duration.ofMillis(100));
        assertThat(probe.role()).isEqualTo(Role.WRITER);
        assertThat(probe.epoch()).isEqualTo(7);
        info.put(B.id(), replica(10));
        assertThat(provider.probe(B, Duration.ofMillis(100)).role()).isEqualTo(Role.READER);
    }
}
