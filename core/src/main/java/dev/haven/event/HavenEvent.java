package dev.haven.event;

import dev.haven.Endpoint;
import dev.haven.Topology;
import java.time.Duration;
import java.time.Instant;

/**
 * Something Haven noticed or did, as a typed value (never a log string). Delivered to every
 * {@link HavenEventListener} of a data source or client, and counted by the Micrometer binder.
 *
 * <pre>{@code
 * HavenEventListener listener = event -> {
 *     if (event instanceof HavenEvent.FailoverCompleted f) {
 *         System.out.println("writer moved to " + f.newWriter().id() + " in " + f.duration().toMillis() + " ms");
 *     }
 * };
 * }</pre>
 */
public sealed interface HavenEvent {

    /** The cluster this event is about (the name given to the data source or client). */
    String cluster();

    /** Wall-clock time the event was raised. */
    Instant at();

    /** A new topology snapshot was published. */
    record TopologyChanged(String cluster, Instant at, Topology previous, Topology current) implements HavenEvent {}

    /** The writer was lost (down, demoted or unreachable); writes wait for or fail until a new one is found. */
    record FailoverStarted(String cluster, Instant at, Endpoint oldWriter, String reason) implements HavenEvent {}

    /** A writer is known again; {@code duration} is the time since {@link FailoverStarted}. */
    record FailoverCompleted(String cluster, Instant at, Endpoint oldWriter, Endpoint newWriter, Duration duration)
            implements HavenEvent {}

    /** An endpoint stopped answering or its breaker opened; it gets no traffic until it is up again. */
    record EndpointDown(String cluster, Instant at, Endpoint endpoint, String reason) implements HavenEvent {}

    /** An endpoint answers probes again. */
    record EndpointUp(String cluster, Instant at, Endpoint endpoint) implements HavenEvent {}

    /** An operation failed retryably on {@code endpoint} and is tried again after {@code backoff}. */
    record RetryAttempted(String cluster, Instant at, Endpoint endpoint, int attempt, Duration backoff, String cause)
            implements HavenEvent {}

    /** A hedged (duplicate) read was sent to {@code endpoint} after {@code delay} without an answer. */
    record HedgeSent(String cluster, Instant at, Endpoint endpoint, Duration delay) implements HavenEvent {}

    /**
     * Reads were passed over a replica because it was staler than they allow: {@code reads} of them since the previous
     * such event for that replica (at most one per replica per second), {@code staleness} the largest seen among them
     * ({@code null} when unknown: no writer sample to measure against).
     */
    record StaleReplicaSkipped(String cluster, Instant at, Endpoint endpoint, Duration staleness, Duration bound, long reads)
            implements HavenEvent {
        /** One skipped read. */
        public StaleReplicaSkipped(String cluster, Instant at, Endpoint endpoint, Duration staleness, Duration bound) {
            this(cluster, at, endpoint, staleness, bound, 1);
        }
    }
}
