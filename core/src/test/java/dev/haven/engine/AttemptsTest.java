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
}
