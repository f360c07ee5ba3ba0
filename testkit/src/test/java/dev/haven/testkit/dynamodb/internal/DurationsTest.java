package dev.haven.testkit.dynamodb.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {

    @Test
    void parsesShortAndIsoForms() {
        assertThat(Durations.parse("0", "d")).isEqualTo(Duration.ZERO);
        assertThat(Durations.parse("250ms", "d")).isEqualTo(Duration.ofMillis(250));
        assertThat(Durations.parse("1s", "d")).isEqualTo(Duration.ofSeconds(1));
        assertThat(Durations.parse(" 1.5s ", "d")).isEqualTo(Duration.ofMillis(1500));
        assertThat(Durations.parse("2m", "d")).isEqualTo(Duration.ofMinutes(2));
        assertThat(Durations.parse("PT0.3S", "d")).isEqualTo(Duration.ofMillis(300));
        assertThat(Durations.parse("-1s", "d")).isEqualTo(Duration.ofSeconds(-1)); // the builder rejects it with its own message
    }

    @Test
    void rejectsGarbageNamingTheSetting() {
        assertThatThrownBy(() -> Durations.parse("1 hour", "replicationDelay"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("replicationDelay must be a duration like 0, 250ms, 1s, 2m or PT1S: was '1 hour'");
        assertThatThrownBy(() -> Durations.parse("", "replicationDelay")).isInstanceOf(IllegalArgumentException.class);
    }
}
