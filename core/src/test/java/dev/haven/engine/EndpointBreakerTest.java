package dev.haven.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.Endpoint;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The request path stops recording successes into a breaker window that holds nothing else: the breaker must open and
 * stay closed exactly as if every call had been recorded.
 */
class EndpointBreakerTest {

    private static final long MS = 1_000_000;

    private static EndpointState endpoint(int window) {
        CircuitBreaker b = CircuitBreaker.of("e", CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED).slidingWindowSize(window)
                .minimumNumberOfCalls(window / 2).failureRateThreshold(50).waitDurationInOpenState(Duration.ofSeconds(60))
                .build());
        return new EndpointState(Endpoint.of("db", 5432), b, true);
    }

    @Test
    void aWindowFullOfSuccessesIsNotWrittenToAgainButOpensAtTheSameFailureCount() {
        EndpointState e = endpoint(20);
        for (int i = 0; i < 1_000; i++) {
            e.breakerSuccess(MS);
        }
        assertThat(e.breaker().getMetrics().getNumberOfBufferedCalls()).isEqualTo(20);
        assertThat(e.breaker().getMetrics().getNumberOfSuccessfulCalls()).as("successes recorded").isEqualTo(20);
        for (int i = 0; i < 9; i++) {
            e.breakerError(MS, new IOException("reset"));
        }
        assertThat(e.breaker().getMetrics().getFailureRate()).isEqualTo(45f);
        assertThat(e.breaker().getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        e.breakerSuccess(MS); // recorded again: the window is no longer clean
        assertThat(e.breaker().getMetrics().getNumberOfFailedCalls()).isEqualTo(9);
        assertThat(e.breaker().getMetrics().getNumberOfSuccessfulCalls()).isEqualTo(11);
        e.breakerError(MS, new IOException("reset")); // 10 failures, 10 successes in the window of 20
        assertThat(e.breaker().getMetrics().getFailureRate()).isEqualTo(50f);
        assertThat(e.breaker().getState()).isEqualTo(CircuitBreaker.State.OPEN);
    }

    @Test
    void afterTheBreakerClosesAgainSuccessesAreRecordedIntoItsNewWindow() {
        EndpointState e = endpoint(10);
        for (int i = 0; i < 100; i++) {
            e.breakerSuccess(MS);
        }
        e.breaker().transitionToOpenState();
        e.breaker().transitionToClosedState(); // a fresh, empty window
        assertThat(e.breaker().getMetrics().getNumberOfBufferedCalls()).isZero();
        for (int i = 0; i < 4; i++) {
            e.breakerSuccess(MS);
        }
        assertThat(e.breaker().getMetrics().getNumberOfSuccessfulCalls()).isEqualTo(4);
        for (int i = 0; i < 5; i++) {
            e.breakerError(MS, new IOException("reset"));
        }
        // 5 failures of 9 calls: open, as with every call recorded (the skipped successes would have made it 5 of 100)
        assertThat(e.breaker().getState()).isEqualTo(CircuitBreaker.State.OPEN);
    }

    @Test
    void aSlowSuccessIsAlwaysRecorded() {
        EndpointState e = endpoint(10);
        for (int i = 0; i < 50; i++) {
            e.breakerSuccess(MS);
        }
        e.breakerSuccess(Duration.ofSeconds(61).toNanos()); // past Resilience4j's default slow-call threshold (60 s)
        assertThat(e.breaker().getMetrics().getNumberOfSlowCalls()).isEqualTo(1);
    }
}
