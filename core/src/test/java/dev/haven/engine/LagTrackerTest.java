package dev.haven.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LagTrackerTest {

    private static final long S = 1_000_000_000L;

    @Test
    void replicaCaughtUpWithAnIdleWriterIsFreshAsOfTheNewestSample() {
        LagTracker lag = new LagTracker(10);
        lag.record(0, 100);
        lag.record(1 * S, 100);
        lag.record(2 * S, 100);
        assertThat(lag.freshAsOf(100)).isEqualTo(2 * S);
        // Staleness keeps growing only until the next sample; an idle writer never makes replicas look stale.
        assertThat(LagTracker.stalenessNanos(lag.freshAsOf(100), 2 * S + 300_000_000L)).isEqualTo(300_000_000L);
    }

    @Test
    void laggingReplicaIsAsStaleAsTheNewestWriterSampleItHasReached() {
        LagTracker lag = new LagTracker(10);
        for (int i = 0; i <= 5; i++) {
            lag.record(i * S, 1000 + i * 10);
        }
        // Replica replayed up to 1025: it has everything the writer had at t=2 s (1020), not at t=3 s (1030).
        assertThat(lag.freshAsOf(1025)).isEqualTo(2 * S);
        assertThat(LagTracker.stalenessNanos(lag.freshAsOf(1025), 5 * S)).isEqualTo(3 * S);
    }

    @Test
    void replicaOlderThanTheHistoryIsUnknownAndTooStaleForAnyBound() {
        LagTracker lag = new LagTracker(3);
        for (int i = 0; i < 10; i++) {
            lag.record(i * S, i * 10L);
        }
        assertThat(lag.size()).isEqualTo(3);
        assertThat(lag.freshAsOf(65)).isEqualTo(LagTracker.UNKNOWN);
        assertThat(lag.freshAsOf(70)).isEqualTo(7 * S);
        assertThat(LagTracker.stalenessNanos(LagTracker.UNKNOWN, 0)).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void positionGoingBackwardsStartsANewLineage() {
        LagTracker lag = new LagTracker(10);
        lag.record(0, 500);
        lag.record(S, 600);
        lag.record(2 * S, 550); // new writer on a new timeline, behind the old one
        assertThat(lag.size()).isEqualTo(1);
        assertThat(lag.freshAsOf(599)).isEqualTo(2 * S);
        assertThat(lag.freshAsOf(549)).isEqualTo(LagTracker.UNKNOWN);
    }
}
