package dev.haven.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.Position;
import org.junit.jupiter.api.Test;

class LagTrackerTest {

    private static Position at(long position) {
        return Position.offset(position);
    }


    private static final long S = 1_000_000_000L;

    @Test
    void replicaCaughtUpWithAnIdleWriterIsFreshAsOfTheNewestSample() {
        LagTracker lag = new LagTracker(10);
        lag.record(0, at(100));
        lag.record(1 * S, at(100));
        lag.record(2 * S, at(100));
        assertThat(lag.freshAsOf(at(100))).isEqualTo(2 * S);
        // Staleness keeps growing only until the next sample; an idle writer never makes replicas look stale.
        assertThat(LagTracker.stalenessNanos(lag.freshAsOf(at(100)), 2 * S + 300_000_000L)).isEqualTo(300_000_000L);
    }

    @Test
    void laggingReplicaIsAsStaleAsTheNewestWriterSampleItHasReached() {
        LagTracker lag = new LagTracker(10);
        for (int i = 0; i <= 5; i++) {
            lag.record(i * S, at(1000 + i * 10));
        }
        // Replica replayed up to 1025: it has everything the writer had at t=2 s (1020), not at t=3 s (1030).
        assertThat(lag.freshAsOf(at(1025))).isEqualTo(2 * S);
        assertThat(LagTracker.stalenessNanos(lag.freshAsOf(at(1025)), 5 * S)).isEqualTo(3 * S);
    }

    @Test
    void replicaOlderThanTheHistoryIsUnknownAndTooStaleForAnyBound() {
        LagTracker lag = new LagTracker(3);
        for (int i = 0; i < 10; i++) {
            lag.record(i * S, at(i * 10L));
        }
        assertThat(lag.size()).isEqualTo(3);
        assertThat(lag.freshAsOf(at(65))).isEqualTo(LagTracker.UNKNOWN);
        assertThat(lag.freshAsOf(at(70))).isEqualTo(7 * S);
        assertThat(LagTracker.stalenessNanos(LagTracker.UNKNOWN, 0)).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void positionGoingBackwardsStartsANewLineage() {
        LagTracker lag = new LagTracker(10);
        lag.record(0, at(500));
        lag.record(S, at(600));
        lag.record(2 * S, at(550)); // new writer on a new timeline, behind the old one
        assertThat(lag.size()).isEqualTo(1);
        assertThat(lag.freshAsOf(at(599))).isEqualTo(2 * S);
        assertThat(lag.freshAsOf(at(549))).isEqualTo(LagTracker.UNKNOWN);
    }

    @Test
    void aReplicaWithAGapInItsGtidSetIsFreshOnlyAsOfTheSampleBeforeTheGap() {
        String u = "3e11fa47-71ca-11e1-9e33-c80aa9429562:";
        LagTracker lag = new LagTracker(8);
        lag.record(0, Position.mySqlGtidSet(u + "1-10"));
        lag.record(S, Position.mySqlGtidSet(u + "1-20"));
        lag.record(2 * S, Position.mySqlGtidSet(u + "1-30"));
        // applied in parallel: 1-15 and 17-30, transaction 16 still missing
        assertThat(lag.freshAsOf(Position.mySqlGtidSet(u + "1-15:17-30"))).isEqualTo(0);
        assertThat(lag.freshAsOf(Position.mySqlGtidSet(u + "1-30"))).isEqualTo(2 * S);
        // a writer set that does not cover the last sample is a new lineage: the history starts over
        lag.record(3 * S, Position.mySqlGtidSet(u + "1-5"));
        assertThat(lag.size()).isEqualTo(1);
        assertThat(lag.freshAsOf(Position.mySqlGtidSet(u + "1-15:17-30"))).isEqualTo(3 * S);
    }
}
