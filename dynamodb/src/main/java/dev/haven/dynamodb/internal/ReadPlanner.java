package dev.haven.dynamodb.internal;

import dev.haven.Consistency;
import dev.haven.Endpoint;
import dev.haven.HavenSession;
import dev.haven.Position;
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
    <Q> Route<Q> plan(Q request, ReadShape<Q> shape, Consistency consistency, HavenSession session) {
        Consistency asked = shape.asksConsistent(request) ? Consistency.STRONG : consistency;
        long now = settings.ticker().nanoTime();
        boolean isSession = asked.level() == Consistency.Level.SESSION;
        // Only a SESSION read needs the session's mark and the wall clock: no Instant on the path of other reads.
        Consistency routed = routedConsistency(asked, isSession && session != null ? session.mark(settings.clusterName()).orElse(null)
                : null, isSession ? micros(settings.clock().instant()) : 0, settings.lagMargin().toNanos());
        if (routed.level() == Consistency.Level.BOUNDED_STALENESS) {
            monitor.lagDemand();
        }
        Q req = asked.level() == Consistency.Level.EVENTUAL ? request : shape.consistent(request);
        List<Endpoint> order = route(routed, now);
        if (order.isEmpty()) {
            throw new HavenRegionUnavailableException(noRegionMessage(asked), settings.clusterName(), null, null);
        }
        // counted for the hedge budget here; the retry budget counts it when its Attempts start. A demoted region
        // (last in the order) is still a hedge target: demoted for a stall that has ended, it is what answers a slow
        // first region's reads; silent still, a hedge there is cancelled with the first answer and drew on the budget.
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
        return router.forRead(v.candidates(), c, null, false, now, ThreadLocalRandom.current().nextDouble(), skipped);
    }

    private void publishSkip(Router.Skip s) {
        events.staleReplicaSkipped(settings.clusterName(), s, settings.clock().instant(), settings.ticker().nanoTime());
    }

    /**
     * The session mark of a write acknowledged now: the wall-clock time of the acknowledgement in microseconds
     * (epoch 0). The wall clock, not the ticker: a mark travels in session tokens to other processes, whose clocks are
     * synchronized with this one's (on AWS, to well under a millisecond; {@code lag-margin} absorbs the skew).
     */
    static HavenSession.Mark writeMark(DynamoDbSettings settings) {
        return new HavenSession.Mark(0, Position.offset(micros(settings.clock().instant())));
    }

    private static long micros(java.time.Instant t) {
        return t.getEpochSecond() * 1_000_000L + t.getNano() / 1_000;
    }

    /**
     * The consistency a read is routed with: SESSION becomes "fresh as of the session's last write", i.e. a
     * staleness bound of {@code now - lastWrite}; a session without writes here reads like EVENTUAL.
     *
     * @param mark      the session's mark for this cluster ({@link #writeMark}), or null
     * @param nowMicros the wall clock now, in the marks' unit
     */
    static Consistency routedConsistency(Consistency c, HavenSession.Mark mark, long nowMicros, long marginNanos) {
        long bound;
        if (c.level() == Consistency.Level.SESSION) {
            if (mark == null) {
                return Consistency.EVENTUAL;
            }
            if (mark.epoch() != 0 || !(mark.position() instanceof Position.Offset written)) {
                return Consistency.STRONG; // not a mark this store writes (a token of another store's cluster name)
            }
            long ageMicros = Math.max(0, nowMicros - written.value()); // a mark from the future: only home has it
            bound = ageMicros >= Long.MAX_VALUE / 1_000 ? Long.MAX_VALUE : ageMicros * 1_000;
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
