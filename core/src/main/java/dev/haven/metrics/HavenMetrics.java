package dev.haven.metrics;

import dev.haven.Role;
import dev.haven.Topology;
import dev.haven.event.HavenEvent;
import dev.haven.event.HavenEventListener;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Micrometer meters for one Haven data source or client, fed by its events. Needs
 * {@code io.micrometer:micrometer-core} on the class path (an optional dependency of Haven).
 *
 * <pre>{@code
 * HavenMetrics metrics = new HavenMetrics("orders", dataSource::topology);
 * dataSource.addListener(metrics);
 * metrics.bindTo(meterRegistry);
 * }</pre>
 *
 * <p>Meters (all tagged {@code cluster}): {@code haven.failovers} and {@code haven.failover.duration}
 * (timer), {@code haven.endpoint.down} (+ {@code endpoint}), {@code haven.retries} (+ {@code endpoint}),
 * {@code haven.hedges} (+ {@code endpoint}), {@code haven.stale.replica.skipped} (+ {@code endpoint}),
 * {@code haven.topology.changes}, and the gauges {@code haven.topology.version} and
 * {@code haven.endpoints} (+ {@code role}).
 */
public final class HavenMetrics implements MeterBinder, HavenEventListener {

    private final String cluster;
    private final Supplier<Topology> topology;
    private volatile MeterRegistry registry;
    private volatile Timer failoverDuration;

    public HavenMetrics(String cluster, Supplier<Topology> topology) {
        this.cluster = Objects.requireNonNull(cluster, "cluster");
        this.topology = Objects.requireNonNull(topology, "topology");
    }

    @Override
    public void bindTo(MeterRegistry r) {
        Tags tags = Tags.of("cluster", cluster);
        Gauge.builder("haven.topology.version", topology, t -> t.get().version()).tags(tags)
                .description("Version of the current topology snapshot").register(r);
        for (Role role : Role.values()) {
            Gauge.builder("haven.endpoints", topology, t -> t.get().endpoints().stream().filter(e -> e.role() == role).count())
                    .tags(tags.and("role", role.name().toLowerCase(java.util.Locale.ROOT)))
                    .description("Endpoints of the cluster by role (unknown = down or fenced)").register(r);
        }
        failoverDuration = Timer.builder("haven.failover.duration").tags(tags)
                .description("Time from losing the writer to knowing the new one").register(r);
        registry = r;
    }

    @Override
    public void onEvent(HavenEvent event) {
        MeterRegistry r = registry;
        if (r == null) {
            return;
        }
        if (event instanceof HavenEvent.FailoverCompleted f) {
            r.counter("haven.failovers", "cluster", cluster).increment();
            failoverDuration.record(f.duration());
        } else if (event instanceof HavenEvent.EndpointDown d) {
            r.counter("haven.endpoint.down", "cluster", cluster, "endpoint", d.endpoint().id()).increment();
        } else if (event instanceof HavenEvent.RetryAttempted a) {
            r.counter("haven.retries", "cluster", cluster, "endpoint", a.endpoint().id()).increment();
        } else if (event instanceof HavenEvent.HedgeSent h) {
            r.counter("haven.hedges", "cluster", cluster, "endpoint", h.endpoint().id()).increment();
        } else if (event instanceof HavenEvent.StaleReplicaSkipped s) {
            r.counter("haven.stale.replica.skipped", "cluster", cluster, "endpoint", s.endpoint().id()).increment(s.reads());
        } else if (event instanceof HavenEvent.TopologyChanged) {
            r.counter("haven.topology.changes", "cluster", cluster).increment();
        }
    }
}
