package dev.haven.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.internal.Ewma;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BackoffAndBudgetTest {

    @Test
    void fullJitterStaysBelowTheExponentialCeilingAndTheCap() {
        long base = 10_000_000L, cap = 1_000_000_000L;
        assertThat(Backoff.fullJitterNanos(0, base, cap, 0.999)).isLessThan(base);
        assertThat(Backoff.fullJitterNanos(3, base, cap, 0.5)).isEqualTo(40_000_000L); // 0.5 * 80 ms
        assertThat(Backoff.fullJitterNanos(20, base, cap, 0.5)).isEqualTo(500_000_000L); // capped at 1 s
        assertThat(Backoff.fullJitterNanos(100, base, cap, 0.5)).isEqualTo(500_000_000L); // no overflow
        assertThat(Backoff.fullJitterNanos(5, base, cap, 0.0)).isZero();
        assertThatThrownBy(() -> Backoff.fullJitterNanos(-1, base, cap, 0.5)).hasMessageContaining("attempt");
    }

    @Test
    void retriesAreCappedAtTheRatioOfTraffic() {
        AtomicLong now = new AtomicLong();
        RetryBudget budget = new RetryBudget(0.1, 0, now::get);
        for (int i = 0; i < 1000; i++) {
            budget.onRequest();
        }
        int granted = 0;
        for (int i = 0; i < 1000; i++) {
            if (budget.tryAcquire()) {
                granted++;
            }
        }
        // 1000 requests at 10 % buy at most 100 retries (the balance cap may hold it lower).
        assertThat(granted).isBetween(10, 100);
    }

    @Test
    void reserveAllowsAQuietClientToRetryAndRefillsOverTime() {
        AtomicLong now = new AtomicLong();
        RetryBudget budget = new RetryBudget(0.1, 5, now::get);
        int granted = 0;
        while (budget.tryAcquire()) {
            granted++;
        }
        assertThat(granted).isEqualTo(5);
        now.addAndGet(200_000_000L); // 200 ms refill 1 token
        assertThat(budget.tryAcquire()).isTrue();
        assertThat(budget.tryAcquire()).isFalse();
        now.addAndGet(10_000_000_000L); // never more than one second's reserve
        assertThat(budget.available()).isEqualTo(5);
    }

    @Test
    void ewmaSeedsWithFirstSampleAndMovesTowardsNewOnes() {
        Ewma e = new Ewma(0.5);
        assertThat(e.value(-1)).isEqualTo(-1);
        e.update(100);
        assertThat(e.value(0)).isEqualTo(100);
        e.update(200);
        assertThat(e.value(0)).isEqualTo(150);
    }
}
