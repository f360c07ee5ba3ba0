package dev.haven.redis.internal;

import dev.haven.Endpoint;
import dev.haven.engine.EndpointState;
import dev.haven.engine.EventBus;
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

    /** The shared connection to {@code e}. */
    NodeLink link(Endpoint e);

    /** A command on {@code s} failed with {@code kind}: count it in its breaker, make the monitor re-probe it. */
    default void onNodeFailure(EndpointState s, RuntimeException e, RedisErrors.Kind kind) {
        s.breaker().onError(0, java.util.concurrent.TimeUnit.NANOSECONDS, e);
        if (RedisErrors.signalsNode(kind)) {
            monitor().signal(s.id(), kind + " " + e.getClass().getSimpleName());
        }
    }
}
