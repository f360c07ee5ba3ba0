package dev.haven.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.Consistency;
import dev.haven.Endpoint;
import dev.haven.Role;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An endpoint that answers nothing while calls outwait their expected time is demoted: routed after the others, never
 * out of routing, and back as soon as a probe or a request sent after the demotion answers.
 */
class EndpointDemotionTest {

    private static final long MS = 1_000_000;

    private static EndpointState state(String host, String region) {
        return new EndpointState(new Endpoint(host, host, 1, Role.READER, region, ""),
                CircuitBreaker.of(host, CircuitBreakerConfig.ofDefaults()), true);
    }

    @Test
    void threeSilentWaitsInARowDemoteAndAnAnswerInBetweenStartsOver() {
        EndpointState e = state("a", "r1");
        e.up(true);
        e.answered(0);
        assertThat(e.outpaced(10 * MS, 20 * MS)).isFalse();
        assertThat(e.outpaced(11 * MS, 21 * MS)).isFalse();
        e.answered(22 * MS); // it answers: one slow period, not silence
        assertThat(e.outpaced(30 * MS, 40 * MS)).isFalse();
        assertThat(e.outpaced(31 * MS, 41 * MS)).isFalse();
        assertThat(e.demoted()).isFalse();
        assertThat(e.outpaced(32 * MS, 42 * MS)).as("the third in a row demotes").isTrue();
        assertThat(e.demoted()).isTrue();
        assertThat(e.outpaced(33 * MS, 43 * MS)).as("demoted once").isFalse();
        assertThat(e.available()).as("still routable: writes and reads only it serves").isTrue();
        assertThat(e.breaker().getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(e.toString()).contains("demoted");
    }

    /**
     * From its first wait with no answer (before any demotion) until it answers again, an endpoint is silent: a caller
     * does not run a call there on its own thread, which a cancel may not free.
     */
    @Test
    void anEndpointIsSilentFromItsFirstUnansweredWaitUntilItAnswers() {
        EndpointState e = state("a", "r1");
        e.answered(0);
        assertThat(e.silent()).isFalse();
        e.outpaced(10 * MS, 20 * MS);
        assertThat(e.demoted()).isFalse();
        assertThat(e.silent()).as("one wait with no answer").isTrue();
        e.answered(21 * MS);
        assertThat(e.silent()).isFalse();
        e.outpaced(15 * MS, 25 * MS); // it answered during this wait: slow, not silent
        assertThat(e.silent()).isFalse();

        EndpointState d = demoted(100 * MS);
        assertThat(d.silent()).isTrue();
        d.probeAnswered(101 * MS);
        assertThat(d.demoted()).isFalse();
        assertThat(d.silent()).as("a probe lifts the demotion; the waits of requests stay until one answers").isTrue();
        d.begin();
        d.succeeded(102 * MS, 103 * MS);
        assertThat(d.silent()).isFalse();
    }

    @Test
    void aWaitDuringWhichTheEndpointAnsweredOthersDoesNotCount() {
        EndpointState e = state("a", "r1");
        for (int i = 0; i < 10; i++) {
            e.answered((100 + i) * MS);
            assertThat(e.outpaced((100 + i) * MS - MS / 2, (110 + i) * MS)).isFalse(); // answered within the wait
        }
        assertThat(e.demoted()).isFalse();
    }

    @Test
    void aProbeOrARequestSentAfterTheDemotionLiftsIt() {
        EndpointState e = demoted(100 * MS);
        e.probeAnswered(90 * MS); // sent before the demotion: says nothing about now
        assertThat(e.demoted()).isTrue();
        e.succeeded(95 * MS, 120 * MS); // a request sent before it, answered late
        assertThat(e.demoted()).isTrue();
        e.probeAnswered(101 * MS);
        assertThat(e.demoted()).isFalse();

        EndpointState f = demoted(100 * MS);
        f.begin();
        f.succeeded(101 * MS, 105 * MS);
        assertThat(f.demoted()).isFalse();
    }

    private static EndpointState demoted(long at) {
        EndpointState e = state("a", "r1");
        for (int i = 0; i < EndpointState.OUTPACED_TO_DEMOTE; i++) {
            e.outpaced(at - 10 * MS, at);
        }
        assertThat(e.demoted()).isTrue();
        return e;
    }

    @Test
    void theRouterTriesADemotedEndpointAfterTheOthersEvenInTheLocalRegion() {
        EndpointState local = state("local", "r1");
        EndpointState far = state("far", "r2");
        local.up(true); // the monitor's verdict: both up (it has not probed since)
        far.up(true);
        Router router = new Router("r1", "");
        List<EndpointState> both = List.of(local, far);
        assertThat(router.forRead(both, Consistency.EVENTUAL, null, false, 0, 0.3, null))
                .extracting(Endpoint::id).containsExactly("local", "far");
        for (int i = 0; i < EndpointState.OUTPACED_TO_DEMOTE; i++) {
            local.outpaced(0, 10 * MS);
        }
        for (double r : new double[] {0.0, 0.3, 0.7, 0.99}) {
            assertThat(router.forRead(both, Consistency.EVENTUAL, null, false, 0, r, null))
                    .extracting(Endpoint::id).containsExactly("far", "local");
            assertThat(router.firstForRead(both, Consistency.EVENTUAL, null, false, 0, r, null).id()).isEqualTo("far");
        }
        // the only candidate: still chosen
        assertThat(router.firstForRead(List.of(local), Consistency.EVENTUAL, null, false, 0, 0.5, null).id())
                .isEqualTo("local");
    }
}
