package dev.haven.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.Endpoint;
import dev.haven.Role;
import dev.haven.Topology;
import dev.haven.event.HavenEvent;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class HavenMetricsTest {

    @Test
    void countsEventsAndExposesTopologyGauges() {
        Endpoint w = Endpoint.of("w", 1).withRole(Role.WRITER);
        Endpoint r = Endpoint.of("r", 1).withRole(Role.READER);
        AtomicReference<Topology> topology = new AtomicReference<>(Topology.of(4, List.of(w, r)));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        HavenMetrics metrics = new HavenMetrics("orders", topology::get);
        metrics.onEvent(new HavenEvent.EndpointDown("orders", Instant.now(), w, "ignored before bind"));
        metrics.bindTo(registry);

        metrics.onEvent(new HavenEvent.EndpointDown("orders", Instant.now(), w, "probe timed out"));
        metrics.onEvent(new HavenEvent.FailoverCompleted("orders", Instant.now(), w, r, Duration.ofMillis(640)));
        metrics.onEvent(new HavenEvent.StaleReplicaSkipped("orders", Instant.now(), r, Duration.ofSeconds(2), Duration.ofSeconds(1)));
        metrics.onEvent(new HavenEvent.StaleReplicaSkipped("orders", Instant.now(), r, Duration.ofSeconds(2), Duration.ofSeconds(1)));

        assertThat(registry.get("haven.endpoint.down").tag("endpoint", "w:1").counter().count()).isEqualTo(1);
        assertThat(registry.get("haven.failovers").counter().count()).isEqualTo(1);
        assertThat(registry.get("haven.failover.duration").timer().totalTime(TimeUnit.MILLISECONDS)).isEqualTo(640);
        assertThat(registry.get("haven.stale.replica.skipped").tag("endpoint", "r:1").counter().count()).isEqualTo(2);
        assertThat(registry.get("haven.topology.version").gauge().value()).isEqualTo(4);
        assertThat(registry.get("haven.endpoints").tag("role", "reader").gauge().value()).isEqualTo(1);
        topology.set(Topology.of(5, List.of(w.withRole(Role.UNKNOWN), r.withRole(Role.WRITER))));
        assertThat(registry.get("haven.endpoints").tag("role", "writer").gauge().value()).isEqualTo(1);
        assertThat(registry.get("haven.endpoints").tag("role", "unknown").gauge().value()).isEqualTo(1);
    }
}
