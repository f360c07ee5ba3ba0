package dev.haven.dynamodb.internal;

import dev.haven.Consistency;
import dev.haven.Endpoint;
import dev.haven.dynamodb.HavenDynamoDbSession;
import dev.haven.dynamodb.HavenRegionUnavailableException;
import dev.haven.engine.EndpointState;
import dev.haven.engine.EventBus;
import dev.haven.engine.HedgePolicy;
import dev.haven.engine.Router;
import dev.haven.engine.TopologyMonitor;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * Where a read goes: its consistency (the caller's, STRONG when the request asks for a consistent read, SESSION turned
 * into a staleness bound), the request to send, and the regions in the order to try them. The one planning step of
 * the sync reads ({@link RegionExecutor#read}) and the async ones ({@link RegionExecutor#planRead}).
 */
final class ReadPlanner {

    /** A planned read: the request to send (ConsistentRead added where needed) and the regions, best first. */
    record Route<Q>(Q request, List<Endpoint> order, boolean hedgeable) {
    }

    private final DynamoDbSettings settings;
    private final EventBus events;
    private final Router router;
    private final TopologyMonitor monitor;
    private final RegionView regions;
    private final HedgePolicy hedges;

    ReadPlanner(DynamoDbSettings settings, EventBus events, Router router, TopologyMonitor monitor, RegionView regions,
            HedgePolicy hedges) {
        this.settings = settings;
        this.events = events;
        this.router = router;
        this.monitor = monitor;
        this.regions = regions;
        this.hedges = hedges;
    }

    /**
     * Plans a read of {@code request} and counts it for the retry and hedge budgets.
     *
     * @throws HavenRegionUnavailableException when no region qualifies
     */
    <Q> Route<Q> plan(Q request, ReadShape<Q> shape, Consistency consistency, HavenDynamoDbSession session) {
        Consistency asked = shape.asksConsistent(request) ? Consistency.STRONG : consistency;
        long now = settings.ticker().nanoTime();
        Consistency routed = routedConsistency(asked, session, now, settings.lagMargin().toNanos());
        if (routed.level() == Consistency.Level.BOUNDED_STALENESS) {
            monitor.lagDemand();
        }
        Q req = asked.level() == Consistency.Level.EVENTUAL ? request : shape.consistent(request);
        List<Endpoint> order = route(routed, now);
        if (order.isEmpty()) {
            throw new HavenRegionUnavailableException(noRegionMessage(asked), settings.clusterName(), null, null);
        }
        // counted for the hedge budget here; the retry budget counts it when its Attempts start
        boolean hedgeable = hedges.onRead(routed.level() == Consistency.Level.STRONG, order.size());
        return new Route<>(req, order, hedgeable);
    }

    /**
     * Regions for a read, best first; empty when none qualifies. Pure but for the snapshot read: STRONG is the home
     * region alone; SESSION has already been turned into a staleness bound by the caller.
     */
    List<Endpoint> route(Consistency c, long now) {
        RegionView.View v = regions.current();
        if (c.level() == Consistency.Level.STRONG) {
            return v.home() != null && v.home().available() ? List.of(v.home().endpoint()) : List.of();
        }
        Consumer<Router.Skip> skipped = events.hasListeners() ? this::publishSkip : null;
        return router.forRead(v.candidates(), c, Long.MIN_VALUE, false, now, ThreadLocalRandom.current().nextDouble(), skipped);
    }

    private void publishSkip(Router.Skip s) {
        events.staleReplicaSkipped(settings.clusterName(), s, settings.clock().instant(), settings.ticker().nanoTime());
    }

    /**
     * The consistency a read is routed with: SESSION becomes "fresh as of the session's last write", i.e. a
     * staleness bound of {@code now - lastWrite}; a session without writes reads like EVENTUAL.
     */
    static Consistency routedConsistency(Consistency c, HavenDynamoDbSession session, long now, long marginNanos) {
        long bound;
        if (c.level() == Consistency.Level.SESSION) {
            long t = session == null ? Long.MIN_VALUE : session.lastWriteNanos();
            if (t == Long.MIN_VALUE) {
                return Consistency.EVENTUAL;
            }
            bound = now - t;
        } else if (c.level() == Consistency.Level.BOUNDED_STALENESS) {
            bound = c.maxStalenessNanos();
        } else {
            return c;
        }
        // The heartbeat item and the caller's items replicate independently (other partitions, other tables):
        // a region may show a heartbeat before a write acknowledged just ahead of it. The margin absorbs that.
        bound -= marginNanos;
        return bound <= 0 ? Consistency.STRONG : Consistency.boundedStaleness(Duration.ofNanos(bound));
    }

    private String noRegionMessage(Consistency c) {
        RegionView.View v = regions.current();
        StringBuilder sb = new StringBuilder("No region can serve a ").append(c).append(" read now: ");
        for (RegionCandidate rc : v.candidates()) {
            EndpointState s = rc.state();
            sb.append(s.id()).append(rc.home() ? "(home)" : "").append('=')
                    .append(!s.up() ? "down" : !s.available() ? "breaker open" : "too stale").append(' ');
        }
        return sb.toString().trim();
    }
}
