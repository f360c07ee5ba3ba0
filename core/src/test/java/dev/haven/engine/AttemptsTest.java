package dev.haven.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.HavenFailure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The one retry loop of the engine, on a virtual clock: what every store's reads and writes do after a failure. */
class AttemptsTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final RetryBudget plenty = new RetryBudget(1.0, 1000, now::get);
    private final RetryPolicy threeTries = new RetryPolicy(3, Duration.ofMillis(10), Duration.ofMillis(500), Duration.ofSeconds(2));

    @Test
    void aReadGetsThreeTriesInAllThenGivesUp() {
        Attempts a = new Attempts(threeTries, plenty, now::get);
        int sent = 1;
        while (a.failed(Fault.OUTCOME_UNKNOWN, false) && a.mayRetry()) {
            sent++;
        }
        assertThat(sent).isEqualTo(3);
        assertThat(a.attempts()).isEqualTo(3);
        assertThat(a.retries()).isEqualTo(2);
    }

    @Test
    void aWriteWhoseOutcomeIsUnknownIsNeverTriedAgainButOneThatWasNotAppliedIs() {
        Attempts unknown = new Attempts(threeTries, plenty, now::get);
        assertThat(unknown.failed(Fault.OUTCOME_UNKNOWN, true)).isFalse();
        for (Fault f : List.of(Fault.NOT_SENT, Fault.REFUSED, Fault.THROTTLED)) {
            Attempts a = new Attempts(threeTries, plenty, now::get);
            assertThat(a.failed(f, true)).as(f.name()).isTrue();
            assertThat(a.mayRetry()).as(f.name()).isTrue();
        }
        for (Fault f : List.of(Fault.APPLICATION, Fault.INTERRUPTED)) {
            assertThat(new Attempts(threeTries, plenty, now::get).failed(f, false)).as(f.name()).isFalse();
        }
    }

    @Test
    void aTryThatNeverReachedAServerCostsNoAttemptOnlyBudgetAndTime() {
        Attempts a = new Attempts(threeTries, plenty, now::get);
        int sent = 1;
        // five connect failures (the node is down; the router moves on), then two timeouts on live nodes
        for (int i = 0; i < 5; i++) {
            assertThat(a.failed(Fault.NOT_SENT, false)).isTrue();
            assertThat(a.mayRetry()).isTrue();
            sent++;
        }
        assertThat(a.attempts()).isEqualTo(1);
        while (a.failed(Fault.OUTCOME_UNKNOWN, false) && a.mayRetry()) {
            sent++;
        }
        assertThat(sent).isEqualTo(5 + 3);
    }

    @Test
    void noRetryStartsAfterTheDeadline() {
        Attempts a = new Attempts(threeTries, plenty, now::get);
        now.addAndGet(Duration.ofSeconds(2).toNanos());
        assertThat(a.failed(Fault.NOT_SENT, false)).isTrue();
        assertThat(a.mayRetry()).isFalse();
        assertThat(a.nanosLeft()).isLessThanOrEqualTo(0);
    }

    @Test
    void aSpentBudgetEndsTheOperationAndAGrantedRetryTakesOneToken() {
        RetryBudget none = new RetryBudget(0.0, 0, now::get);
        Attempts a = new Attempts(threeTries, none, now::get);
        assertThat(a.failed(Fault.REFUSED, false)).isTrue();
        assertThat(a.mayRetry()).isFalse();

        RetryBudget one = new RetryBudget(0.0, 1, now::get); // a reserve of one token
        long before = one.available();
        Attempts b = new Attempts(threeTries, one, now::get);
        b.failed(Fault.REFUSED, false);
        assertThat(b.mayRetry()).isTrue();
        assertThat(one.available()).isEqualTo(before - 1);
        b.failed(Fault.REFUSED, false);
        assertThat(b.mayRetry()).isFalse();
    }

    @Test
    void backoffIsFullJitterDoublingToTheCapAndNeverMoreThanHalfWhatIsLeft() {
        RetryPolicy many = new RetryPolicy(20, Duration.ofMillis(10), Duration.ofMillis(500), Duration.ofSeconds(30));
        Attempts a = new Attempts(many, plenty, now::get);
        List<Long> ceilings = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            a.failed(Fault.THROTTLED, true);
            assertThat(a.mayRetry()).isTrue();
            ceilings.add(a.backoffNanos(0.999_999) / 1_000_000L);
        }
        assertThat(ceilings).containsExactly(9L, 19L, 39L, 79L, 159L, 319L, 499L, 499L);

        Attempts late = new Attempts(many, plenty, now::get);
        now.addAndGet(Duration.ofMillis(29_900).toNanos()); // 100 ms left
        late.failed(Fault.THROTTLED, true);
        late.failed(Fault.THROTTLED, true);
        assertThat(late.mayRetry()).isTrue();
        late.failed(Fault.THROTTLED, true);
        assertThat(late.mayRetry()).isTrue();
        late.failed(Fault.THROTTLED, true);
        assertThat(late.mayRetry()).isTrue(); // third retry: ceiling 40 ms, under the 50 ms half
        assertThat(late.backoffNanos(0.999)).isLessThan(Duration.ofMillis(50).toNanos());
        late.failed(Fault.THROTTLED, true);
        assertThat(late.mayRetry()).isTrue();
        late.failed(Fault.THROTTLED, true);
        assertThat(late.mayRetry()).isTrue(); // fifth retry: ceiling 160 ms > 100 ms left: half of what is left
        assertThat(late.backoffNanos(0.999)).isEqualTo(Duration.ofMillis(50).toNanos());
    }

    @Test
    void aStoreWithoutBackoffKeysRetriesAtOnce() {
        Attempts a = new Attempts(new RetryPolicy(3, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(5)), plenty, now::get);
        a.failed(Fault.OUTCOME_UNKNOWN, false);
        assertThat(a.mayRetry()).isTrue();
        assertThat(a.backoffNanos(0.999)).isZero();
    }

    @Test
    void whatTheApplicationIsToldWhenHavenGivesUpOnAWrite() {
        assertThat(Fault.OUTCOME_UNKNOWN.surfacedAs()).isEqualTo(HavenFailure.Kind.OUTCOME_UNKNOWN);
        assertThat(List.of(Fault.NOT_SENT, Fault.REFUSED, Fault.THROTTLED)).allSatisfy(f ->
                assertThat(f.surfacedAs()).isEqualTo(HavenFailure.Kind.UNAVAILABLE));
        assertThat(Fault.APPLICATION.surfacedAs()).isNull();
        assertThat(Fault.THROTTLED.endpointFault()).isFalse();
        assertThat(Fault.OUTCOME_UNKNOWN.endpointFault()).isTrue();
    }

    /**
     * 10,000 seeded random fault schedules (store-neutral: faults, clock jumps, budget): after every decision, the
     * promises of the retry loop hold. A failure prints its seed; {@code -Dhaven.sim.seed=N} replays one.
     */
    @Test
    void randomFaultSchedulesNeverBreakTheRetryPromises() {
        long base = Long.getLong("haven.sim.seed", 20261130L);
        int schedules = Long.getLong("haven.sim.seed") != null ? 1 : 10_000;
        Fault[] faults = Fault.values();
        for (int n = 0; n < schedules; n++) {
            long seed = base + n;
            java.util.Random rnd = new java.util.Random(seed);
            AtomicLong clock = new AtomicLong(rnd.nextLong() / 2);
            RetryBudget budget = new RetryBudget(rnd.nextDouble() * 0.2, rnd.nextInt(3), clock::get);
            for (int i = rnd.nextInt(50); i > 0; i--) {
                budget.onRequest();
            }
            RetryPolicy policy = new RetryPolicy(1 + rnd.nextInt(5), Duration.ofMillis(rnd.nextInt(50)),
                    Duration.ofMillis(50 + rnd.nextInt(500)), Duration.ofMillis(1 + rnd.nextInt(3000)));
            boolean write = rnd.nextBoolean();
            Attempts a = new Attempts(policy, budget, clock::get);
            int costly = 1; // tries that reached a server, the first included
            int sent = 1;
            while (true) {
                clock.addAndGet(rnd.nextInt(400) * 1_000_000L); // the try took up to 400 ms
                Fault f = faults[rnd.nextInt(faults.length)];
                long before = budget.available();
                boolean retryable = a.failed(f, write);
                if (write && f == Fault.OUTCOME_UNKNOWN) {
                    assertThat(retryable).as("seed %d: a write with an unknown outcome is never sent again", seed).isFalse();
                }
                if (!f.costsAttempt()) {
                    costly--;
                }
                if (!retryable) {
                    break;
                }
                boolean again = a.mayRetry();
                if (!again) {
                    break;
                }
                assertThat(a.nanosLeft()).as("seed %d: no retry starts at or after the deadline", seed).isPositive();
                assertThat(budget.available()).as("seed %d: a retry takes one token", seed).isLessThanOrEqualTo(before);
                long backoff = a.backoffNanos(rnd.nextDouble());
                assertThat(backoff).as("seed %d: backoff within [0, max] and at most half of what is left", seed)
                        .isBetween(0L, Math.max(policy.maxBackoff().toNanos(), 0));
                assertThat(backoff).as("seed %d", seed).isLessThanOrEqualTo(Math.max(policy.maxBackoff().toNanos(), a.nanosLeft()));
                clock.addAndGet(backoff);
                costly++;
                sent++;
                assertThat(costly).as("seed %d: tries that reached a server <= retry.max-attempts", seed)
                        .isLessThanOrEqualTo(policy.maxAttempts());
                assertThat(a.retries()).as("seed %d", seed).isEqualTo(sent - 1);
                assertThat(sent).as("seed %d: bounded", seed).isLessThan(10_000);
            }
        }
    }
}
