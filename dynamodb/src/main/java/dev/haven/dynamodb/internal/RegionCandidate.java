package dev.haven.dynamodb.internal;

import dev.haven.Endpoint;
import dev.haven.Position;
import dev.haven.Role;
import dev.haven.engine.EndpointState;
import dev.haven.engine.RouteCandidate;

/**
 * A region as the core {@code Router} sees it for reads. The home region is the monitor's WRITER; for reads it is
 * presented as a READER that is always fresh, so that the router's nearness tiers (local region first, then by
 * latency) apply to every region alike &mdash; an application running in the home region reads there.
 */
final class RegionCandidate implements RouteCandidate.Decorator {

    /** The home region has every write: a position covering every heartbeat sequence. */
    private static final Position HOME = Position.offset(Long.MAX_VALUE);

    private final EndpointState state;
    private final Endpoint asReader;
    private final boolean home;

    RegionCandidate(EndpointState state, boolean home) {
        this.state = state;
        this.home = home;
        this.asReader = state.endpoint().withRole(state.role() == Role.WRITER ? Role.READER : state.role());
    }

    @Override
    public EndpointState state() {
        return state;
    }

    boolean home() {
        return home;
    }

    @Override
    public Endpoint endpoint() {
        return asReader;
    }

    @Override
    public long freshAsOfNanos() {
        return home ? Long.MAX_VALUE : state.freshAsOfNanos();
    }

    @Override
    public Position position() {
        return home ? HOME : state.position();
    }

    @Override
    public boolean saturated() {
        return false;
    }
}
