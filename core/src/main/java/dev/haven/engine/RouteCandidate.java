package dev.haven.engine;

import dev.haven.Endpoint;
import dev.haven.Position;

/**
 * What the {@link Router} needs to know about one endpoint at the moment of a decision. Implemented by
 * the live per-endpoint state (volatile reads, no allocation) and by plain records in tests.
 */
public interface RouteCandidate {

    Endpoint endpoint();

    /** Up by the last probe and its circuit breaker admits calls. */
    boolean available();

    /** From {@link LagTracker#freshAsOf(Position)} for replicas; ignored for the writer. */
    long freshAsOfNanos();

    /** Last replayed (replica) or written (writer) position, {@code null} when unknown. */
    Position position();

    /** Smoothed round-trip latency in nanoseconds. */
    double latencyNanos();

    /** Requests running on this endpoint now. */
    int inFlight();

    /** Whether it is at its capacity (pool exhausted): spill elsewhere if possible. */
    boolean saturated();

    /**
     * Whether the request path has seen it answer nothing while calls to it waited past their expected time
     * ({@link EndpointState#outpaced}): it is tried after every other qualifying endpoint, like a saturated one, until
     * it answers again.
     */
    default boolean demoted() {
        return false;
    }

    /**
     * A candidate that presents an {@link EndpointState} with some answers of its own (a store's view: a pool that is
     * saturated, a home region presented as a reader): every method not overridden asks the state.
     */
    interface Decorator extends RouteCandidate {

        /** The live state decorated. */
        EndpointState state();

        @Override
        default Endpoint endpoint() {
            return state().endpoint();
        }

        @Override
        default boolean available() {
            return state().available();
        }

        @Override
        default long freshAsOfNanos() {
            return state().freshAsOfNanos();
        }

        @Override
        default Position position() {
            return state().position();
        }

        @Override
        default double latencyNanos() {
            return state().latencyNanos();
        }

        @Override
        default int inFlight() {
            return state().inFlight();
        }

        @Override
        default boolean saturated() {
            return state().saturated();
        }

        @Override
        default boolean demoted() {
            return state().demoted();
        }
    }
}
