package dev.haven.redis.internal;

import dev.haven.Endpoint;
import dev.haven.engine.EndpointState;
import dev.haven.engine.EventBus;
import dev.haven.engine.Fault;
import dev.haven.engine.RetryBudget;
import dev.haven.engine.Router;
import dev.haven.engine.TopologyMonitor;

/**
 * What one routed call needs from the engine: the monitor's snapshots, the router, the retry budget, events and the
 * per-node connections. {@link RedisRouting} is the real one; unit tests of {@link ReadAttempt}, {@link WriteAttempt}
 * and {@link AsyncRouting} give a fake topology and fake node links.
 */
interface RouteContext {

    RedisSettings settings();

    TopologyMonitor monitor();

    Router router();

    RetryBudget budget();

    EventBus events();

    boolean isClosed();

    /** A uniform random number in [0, 1) for the router's choice among equal nodes (seeded in the simulator). */
    default double random() {
        return java.util.concurrent.ThreadLocalRandom.current().nextDouble();
    }

    /** The shared connection to {@code e}. */
    NodeLink link(Endpoint e);

    /**
     * A command sent to {@code s} at {@code t0} failed with {@code fault}: its in-flight count and breaker
     * ({@link EndpointState#failed}), and the monitor re-probes a node at fault.
     */
    default void onNodeFailure(EndpointState s, long t0, RuntimeException e, Fault fault) {
        s.failed(t0, settings().ticker().nanoTime(), fault, e);
        if (fault.endpointFault()) {
            monitor().signal(s.id(), fault + " " + e.getClass().getSimpleName());
        }
    }
}
