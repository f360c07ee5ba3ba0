package dev.haven;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class HavenFailureTest {

    static final class Unknown extends RuntimeException implements HavenFailure {
        private final Details details = new Details(Kind.OUTCOME_UNKNOWN, "orders", Endpoint.of("db-1", 5432));

        @Override
        public Details details() {
            return details;
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
        assertThat(u.cluster()).isEqualTo("orders");
        assertThat(u.endpoint().port()).isEqualTo(5432);
    }

    @Test
    void aFailureSurvivesSerializationWithItsDetails() throws Exception {
        Unknown u = new Unknown();
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
            out.writeObject(u);
        }
        try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
            HavenFailure back = (HavenFailure) in.readObject();
            assertThat(back.details()).isEqualTo(u.details());
            assertThat(back.kind()).isEqualTo(HavenFailure.Kind.OUTCOME_UNKNOWN);
        }
    }
}
