package dev.haven.dynamodb.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.Consistency;
import dev.haven.HavenSession;
import dev.haven.Position;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** How a SESSION read's mark (wall-clock microseconds of the write's acknowledgement) becomes a staleness bound. */
class SessionRoutingTest {

    private static final long MARGIN = Duration.ofMillis(250).toNanos();
    private static final long NOW = 1_764_500_000_000_000L; // microseconds since the epoch

    @Test
    void aSessionWithoutWritesHereReadsLikeEventual() {
        assertThat(ReadPlanner.routedConsistency(Consistency.SESSION, null, NOW, MARGIN)).isEqualTo(Consistency.EVENTUAL);
    }

    @Test
    void aWriteTwoSecondsAgoNeedsARegionAtMostTwoSecondsBehindLessTheMargin() {
        HavenSession.Mark twoSecondsAgo = new HavenSession.Mark(0, Position.offset(NOW - 2_000_000));
        assertThat(ReadPlanner.routedConsistency(Consistency.SESSION, twoSecondsAgo, NOW, MARGIN))
                .isEqualTo(Consistency.boundedStaleness(Duration.ofMillis(1_750)));
    }

    @Test
    void aRecentWriteAFutureMarkOrAForeignMarkGoHome() {
        assertThat(ReadPlanner.routedConsistency(Consistency.SESSION, new HavenSession.Mark(0, Position.offset(NOW - 100_000)), NOW, MARGIN))
                .isEqualTo(Consistency.STRONG); // 100 ms ago is inside the margin
        assertThat(ReadPlanner.routedConsistency(Consistency.SESSION, new HavenSession.Mark(0, Position.offset(NOW + 5_000_000)), NOW, MARGIN))
                .isEqualTo(Consistency.STRONG); // a writer's clock ahead of ours
        assertThat(ReadPlanner.routedConsistency(Consistency.SESSION, new HavenSession.Mark(3, Position.offset(NOW - 60_000_000)), NOW, MARGIN))
                .isEqualTo(Consistency.STRONG); // an epoch DynamoDB never writes: another store's mark under this name
        assertThat(ReadPlanner.routedConsistency(Consistency.SESSION, new HavenSession.Mark(0, Position.offset(Long.MIN_VALUE)), NOW, MARGIN))
                .isEqualTo(Consistency.STRONG); // an absurd token value never widens the bound
        assertThat(ReadPlanner.routedConsistency(Consistency.SESSION, new HavenSession.Mark(0, Position.mariaDbGtid("0-1-5")),
                NOW, MARGIN)).isEqualTo(Consistency.STRONG); // a GTID mark under this cluster's name is not DynamoDB's
    }

    @Test
    void aVeryOldWriteDoesNotOverflowTheBound() {
        Consistency c = ReadPlanner.routedConsistency(Consistency.SESSION, new HavenSession.Mark(0, Position.offset(0)), NOW, MARGIN);
        assertThat(c.level()).isEqualTo(Consistency.Level.BOUNDED_STALENESS);
        assertThat(c.maxStalenessNanos()).isGreaterThan(Duration.ofDays(365 * 50).toNanos());
    }
}
