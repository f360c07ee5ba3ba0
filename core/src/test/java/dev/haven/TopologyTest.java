package dev.haven;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class TopologyTest {

    private final Endpoint w = Endpoint.of("10.0.0.1", 5432).withRole(Role.WRITER);
    private final Endpoint r = Endpoint.of("10.0.0.2", 5432).withRole(Role.READER);

    @Test
    void knowsItsWriterAndReaders() {
        Topology t = Topology.of(3, List.of(w, r));
        assertThat(t.version()).isEqualTo(3);
        assertThat(t.writer()).contains(w);
        assertThat(t.readers()).containsExactly(r);
        assertThat(t.endpoint("10.0.0.2:5432")).contains(r);
    }

    @Test
    void refusesTwoWriters() {
        assertThatThrownBy(() -> Topology.of(1, List.of(w, r.withRole(Role.WRITER))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("two writers");
    }

    @Test
    void nextBumpsVersionOnlyOnRealChange() {
        Topology t = Topology.of(1, List.of(w, r));
        assertThat(t.next(List.of(w, r))).isSameAs(t);
        Topology promoted = t.next(List.of(w.withRole(Role.UNKNOWN), r.withRole(Role.WRITER)));
        assertThat(promoted.version()).isEqualTo(2);
        assertThat(promoted.writer()).map(Endpoint::id).contains("10.0.0.2:5432");
    }

    @Test
    void endpointValidatesPortAndHost() {
        assertThatThrownBy(() -> Endpoint.of("h", 0)).hasMessage("endpoint port must be in 1..65535: was 0");
        assertThatThrownBy(() -> Endpoint.of(" ", 1)).hasMessageContaining("host must not be blank");
    }

    @Test
    void consistencyBoundsStaleness() {
        Consistency c = Consistency.boundedStaleness(Duration.ofSeconds(1));
        assertThat(c.allowsStaleness(Duration.ofMillis(1000))).isTrue();
        assertThat(c.allowsStaleness(Duration.ofMillis(1001))).isFalse();
        assertThat(c.maxStalenessNanos()).isEqualTo(1_000_000_000L);
        assertThat(Consistency.STRONG.allowsReplica()).isFalse();
        assertThat(Consistency.EVENTUAL.maxStalenessNanos()).isEqualTo(Long.MAX_VALUE);
        assertThat(c).isEqualTo(Consistency.boundedStaleness(Duration.ofMillis(1000)));
        assertThatThrownBy(() -> Consistency.boundedStaleness(Duration.ZERO))
                .hasMessageContaining("must be > 0").hasMessageContaining("PT0S");
    }
}
