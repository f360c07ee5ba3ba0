package dev.haven.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.Endpoint;
import dev.haven.Role;
import dev.haven.event.HavenEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventBusTest {

    private static final long MS = 1_000_000L;
    private final Endpoint r1 = Endpoint.of("r1", 1).withRole(Role.READER);
    private final Endpoint r2 = Endpoint.of("r2", 1).withRole(Role.READER);

    @Test
    void aLagSpikeOfThreeThousandDivertedReadsAsecondIsOneEventPerReplicaPerSecondAndNoReadGoesUncounted() {
        List<HavenEvent> seen = new ArrayList<>();
        EventBus bus = new EventBus(List.of(seen::add));
        long t0 = 1_000_000 * MS;
        for (int i = 0; i < 3000; i++) { // one second of a lag spike: 3,000 reads passed over r1, 30 over r2
            long now = t0 + i * MS / 3;
            bus.staleReplicaSkipped("c", new Router.Skip(r1, (1500 + i % 10) * MS, 1000 * MS), Instant.EPOCH, now);
            if (i % 100 == 0) {
                bus.staleReplicaSkipped("c", new Router.Skip(r2, Long.MAX_VALUE, 1000 * MS), Instant.EPOCH, now);
            }
            if (i % 300 == 0) {
                bus.flushSkips("c", Instant.EPOCH, now); // monitor rounds inside the window publish nothing new
            }
        }
        assertThat(seen).hasSize(2); // the first skip of each replica, at once
        bus.flushSkips("c", Instant.EPOCH, t0 + 1000 * MS);
        List<HavenEvent.StaleReplicaSkipped> events = seen.stream().map(HavenEvent.StaleReplicaSkipped.class::cast).toList();
        assertThat(events).hasSize(4);
        assertThat(events.stream().filter(e -> e.endpoint().equals(r1)).mapToLong(HavenEvent.StaleReplicaSkipped::reads).sum())
                .isEqualTo(3000);
        assertThat(events.stream().filter(e -> e.endpoint().equals(r2)).mapToLong(HavenEvent.StaleReplicaSkipped::reads).sum())
                .isEqualTo(30);
        HavenEvent.StaleReplicaSkipped lastR1 = events.stream().filter(e -> e.endpoint().equals(r1)).reduce((a, b) -> b).orElseThrow();
        assertThat(lastR1.staleness()).as("the largest staleness among the reads it stands for").isEqualTo(Duration.ofMillis(1509));
        assertThat(lastR1.bound()).isEqualTo(Duration.ofSeconds(1));
        assertThat(events.stream().filter(e -> e.endpoint().equals(r2)).findFirst().orElseThrow().staleness())
                .as("unknown staleness").isNull();

        bus.flushSkips("c", Instant.EPOCH, t0 + 5000 * MS);
        assertThat(seen).as("nothing left to publish").hasSize(4);
    }

    @Test
    void withoutListenersNothingIsCounted() {
        EventBus bus = new EventBus(List.of());
        bus.staleReplicaSkipped("c", new Router.Skip(r1, MS, MS), Instant.EPOCH, 0);
        List<HavenEvent> seen = new ArrayList<>();
        bus.add(seen::add);
        bus.flushSkips("c", Instant.EPOCH, 10_000 * MS);
        assertThat(seen).isEmpty();
    }
}
