package dev.haven.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.Consistency;
import dev.haven.Endpoint;
import dev.haven.Position;
import dev.haven.Role;
import dev.haven.engine.LagTracker;
import dev.haven.engine.RouteCandidate;
import dev.haven.engine.Router;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Routing decisions with Redis replication offsets as positions, driven by a fake ticker: what the core router and lag
 * tracker decide from what {@link RedisTopologyProvider} reports.
 */
class RedisRoutingDecisionTest {

    record Node(Endpoint endpoint, boolean available, long freshAsOfNanos, long offset) implements RouteCandidate {
        public Position position() {
            return at(offset);
        }

        public double latencyNanos() {
            return 100_000;
        }

        public int inFlight() {
            return 0;
        }

        public boolean saturated() {
            return false;
        }
    }

    static final Endpoint PRIMARY = Endpoint.of("127.0.0.1", 7000).withRole(Role.WRITER);
    static final Endpoint R1 = Endpoint.of("127.0.0.1", 7001).withRole(Role.READER);
    static final Endpoint R2 = Endpoint.of("127.0.0.1", 7002).withRole(Role.READER);
    static final long MS = 1_000_000L;

    private final Router router = new Router("", "");

    /** A Redis offset as a position; {@code Long.MIN_VALUE}: none. */
    static Position at(long offset) {
        return offset == Long.MIN_VALUE ? null : Position.offset(offset);
    }

    @Test
    void pausedReplicaFallsOutOfTheLagBoundWhileTheOtherKeepsServing() {
        LagTracker lag = new LagTracker(256);
        long now = 0;
        long offset = 1000;
        long pausedAt = 0;
        // The primary writes 100 bytes per 100 ms probe round; R2's replication is paused at t = 1 s.
        for (int round = 0; round <= 30; round++) {
            now = round * 100 * MS;
            offset += 100;
            lag.record(now, at(offset));
            if (round == 10) {
                pausedAt = offset;
            }
        }
        long r1 = offset;
        long r2 = pausedAt;
        List<Node> nodes = List.of(new Node(PRIMARY, true, 0, offset),
                new Node(R1, true, lag.freshAsOf(at(r1)), r1), new Node(R2, true, lag.freshAsOf(at(r2)), r2));
        Consistency bound = Consistency.boundedStaleness(Duration.ofMillis(500));
        for (double random = 0; random < 1; random += 0.01) {
            assertThat(router.firstForRead(nodes, bound, at(Long.MIN_VALUE), true, now, random, null)).isEqualTo(R1);
        }
        assertThat(router.forRead(nodes, bound, at(Long.MIN_VALUE), true, now, 0.5, null)).containsExactly(R1, PRIMARY);
        // EVENTUAL still uses the lagging replica.
        assertThat(router.forRead(nodes, Consistency.EVENTUAL, at(Long.MIN_VALUE), false, now, 0.5, null)).containsExactlyInAnyOrder(R1, R2);
    }

    @Test
    void sessionReadsGoOnlyWhereTheSessionsWriteOffsetIsReached() {
        long written = 5000; // master_repl_offset read after the session's write
        List<Node> nodes = List.of(new Node(PRIMARY, true, 0, 5000), new Node(R1, true, 0, 5000), new Node(R2, true, 0, 4999));
        for (double random = 0; random < 1; random += 0.01) {
            assertThat(router.firstForRead(nodes, Consistency.SESSION, at(written), true, 0, random, null)).isEqualTo(R1);
        }
        List<Node> allBehind = List.of(new Node(PRIMARY, true, 0, 5000), new Node(R1, true, 0, 10), new Node(R2, true, 0, 4999));
        assertThat(router.forRead(allBehind, Consistency.SESSION, at(written), true, 0, 0.3, null)).containsExactly(PRIMARY);
        // Unknown position (the offset could not be read after the write): only the primary qualifies.
        assertThat(router.forRead(nodes, Consistency.SESSION, at(Long.MAX_VALUE), true, 0, 0.3, null)).containsExactly(PRIMARY);
        // No write yet: any replica.
        assertThat(router.forRead(allBehind, Consistency.SESSION, at(Long.MIN_VALUE), true, 0, 0.3, null)).contains(R1, R2);
    }

    @Test
    void strongReadsAndWritesUseThePrimaryOnly() {
        List<Node> nodes = List.of(new Node(PRIMARY, true, 0, 1), new Node(R1, true, 0, 1));
        assertThat(router.forRead(nodes, Consistency.STRONG, at(Long.MIN_VALUE), false, 0, 0.5, null)).containsExactly(PRIMARY);
        assertThat(router.forWrite(nodes)).isEqualTo(PRIMARY);
        List<Node> primaryDown = List.of(new Node(PRIMARY, false, 0, 1), new Node(R1, true, 0, 1));
        assertThat(router.forWrite(primaryDown)).isNull();
    }
}
