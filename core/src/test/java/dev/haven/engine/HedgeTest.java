package dev.haven.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The engine's hedging decisions: how many hedges the budget lets out, and one decision per race. */
class HedgeTest {

    private static final long MS = 1_000_000;

    @Test
    void hedgesStayWithinTheBudgetShareOfReads() {
        AtomicLong now = new AtomicLong();
        HedgePolicy p = new HedgePolicy(true, null, 3.0, Duration.ofMillis(5), Duration.ofSeconds(1),
                new RetryBudget(0.05, 1, now::get));
        int hedges = 0;
        for (int i = 0; i < 10_000; i++) {
            assertThat(p.onRead(false, 2)).isTrue();
            if (p.tryHedge()) {
                hedges++;
            }
        }
        // 5 % of 10,000 reads plus the one-per-second reserve held at the start; no time passes
        assertThat(hedges).isBetween(499, 501);
    }

    @Test
    void strongReadsAndSingleEndpointReadsAreNeverHedgedNorWhenDisabled() {
        RetryBudget budget = new RetryBudget(1.0, 1, () -> 0);
        HedgePolicy on = new HedgePolicy(true, null, 3.0, Duration.ofMillis(5), Duration.ofSeconds(1), budget);
        HedgePolicy off = new HedgePolicy(false, null, 3.0, Duration.ofMillis(5), Duration.ofSeconds(1), budget);
        assertThat(on.onRead(true, 3)).isFalse();
        assertThat(on.onRead(false, 1)).isFalse();
        assertThat(on.onRead(false, 2)).isTrue();
        assertThat(off.onRead(false, 3)).isFalse();
        assertThat(off.enabled()).isFalse();
        assertThat(on.fixedDelay()).isNull();
    }

    @Test
    void delayIsFixedOrAdaptiveWithinFloorAndCap() {
        assertThat(HedgePolicy.delayNanos(-1, 10 * MS, 3, 5 * MS, 700 * MS)).isEqualTo(30 * MS);
        assertThat(HedgePolicy.delayNanos(-1, 1 * MS, 3, 5 * MS, 700 * MS)).isEqualTo(5 * MS); // floor
        assertThat(HedgePolicy.delayNanos(-1, 0, 3, 5 * MS, 700 * MS)).isEqualTo(5 * MS); // never measured
        assertThat(HedgePolicy.delayNanos(-1, 900 * MS, 3, 5 * MS, 700 * MS)).isEqualTo(700 * MS);
        assertThat(HedgePolicy.delayNanos(20 * MS, 900 * MS, 3, 5 * MS, 700 * MS)).isEqualTo(20 * MS); // fixed
        assertThat(HedgePolicy.delayNanos(2 * MS, 900 * MS, 3, 5 * MS, 700 * MS)).isEqualTo(2 * MS); // fixed: no floor
    }

    /** The timer and the first try race to decide whether the hedge goes out: exactly one of them decides, every time. */
    @Test
    void exactlyOneSideDecidesTheLaunchAndExactlyOneAnswerWins() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            int launched = 0;
            int closed = 0;
            for (int i = 0; i < 5_000; i++) {
                HedgeRace race = new HedgeRace();
                CountDownLatch go = new CountDownLatch(1);
                // bit 1: this side decided the launch; bit 2: this side's answer won
                Future<Integer> timer = pool.submit(() -> {
                    go.await();
                    return (race.launch() ? 1 : 0) | (race.secondWins() ? 2 : 0);
                });
                Future<Integer> first = pool.submit(() -> {
                    go.await();
                    return (race.closeLaunch() ? 1 : 0) | (race.firstWins() ? 2 : 0);
                });
                go.countDown();
                int t = timer.get(10, TimeUnit.SECONDS);
                int f = first.get(10, TimeUnit.SECONDS);
                assertThat((t & 1) + (f & 1)).as("race %d: sides that decided the launch", i).isEqualTo(1);
                assertThat((t & 2) + (f & 2)).as("race %d: answers that won", i).isEqualTo(2);
                assertThat(race.open()).isFalse();
                launched += t & 1;
                closed += f & 1;
            }
            assertThat(launched + closed).isEqualTo(5_000);
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }
}
