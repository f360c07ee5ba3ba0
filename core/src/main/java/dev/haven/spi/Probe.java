package dev.haven.spi;

import dev.haven.Endpoint;
import dev.haven.Position;
import dev.haven.Role;
import java.util.List;
import java.util.Objects;

/**
 * The answer of one endpoint to a probe.
 *
 * @param role       what the endpoint says it is
 * @param epoch      writer lineage (PostgreSQL timeline, Redis replication id generation...): of two
 *                   endpoints that both claim {@link Role#WRITER}, only the one with the higher epoch is
 *                   trusted; 0 when the store has none
 * @param position   replication position: written (writer) or replayed (reader), comparable within
 *                   one writer lineage ({@link Position#covers}); {@code null} when unknown
 * @param discovered other endpoints this one reports (e.g. replicas attached to a writer)
 * @param roundTripNanos see the canonical constructor
 * @param reportedLagNanos see the canonical constructor
 */
public record Probe(Role role, long epoch, Position position, List<Endpoint> discovered, long roundTripNanos,
        long reportedLagNanos) {

    /**
     * @param roundTripNanos   the time of the probe's query alone, without connection set-up, or -1 to let the
     *                         monitor time the whole call: a first probe that also connects (TLS, SCRAM) would
     *                         otherwise make a new endpoint look several times farther away than it is
     * @param reportedLagNanos for a reader: how far behind the writer the store itself says it is, as of the probe
     *                         (Aurora's {@code replica_lag_in_msec} plus the age of that figure), or -1 when the store
     *                         reports none. The monitor uses it only when {@code position} is unknown: a staleness
     *                         Haven measures from positions is preferred to one a store reports.
     */
    public Probe {
        Objects.requireNonNull(role, "role");
        discovered = discovered == null ? List.of() : List.copyOf(discovered);
    }

    /** A probe without a reported lag. */
    public Probe(Role role, long epoch, Position position, List<Endpoint> discovered, long roundTripNanos) {
        this(role, epoch, position, discovered, roundTripNanos, -1);
    }

    /** A probe whose round trip the monitor measures. */
    public Probe(Role role, long epoch, Position position, List<Endpoint> discovered) {
        this(role, epoch, position, discovered, -1);
    }
}
