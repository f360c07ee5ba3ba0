package dev.haven;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class HavenFailureTest {

    static final class Unknown extends RuntimeException implements HavenFailure {
        @Override
        public Kind kind() {
            return Kind.OUTCOME_UNKNOWN;
        }

        @Override
        public String cluster() {
            return "orders";
        }

        @Override
        public Endpoint endpoint() {
            return Endpoint.of("db-1", 5432);
        }
    }

    @Test
    void findLooksThroughWrappersAndStopsAtTheFirstFailure() {
        Unknown u = new Unknown();
        assertThat(HavenFailure.find(u)).containsSame(u);
        assertThat(HavenFailure.find(new CompletionException(u))).containsSame(u);
        assertThat(HavenFailure.find(new ExecutionException(new RuntimeException("translated", u)))).containsSame(u);
        assertThat(HavenFailure.find(new IllegalStateException("no haven failure"))).isEmpty();
        assertThat(HavenFailure.find(null)).isEmpty();
        assertThat(u.mayHaveBeenApplied()).isTrue();
    }
}
