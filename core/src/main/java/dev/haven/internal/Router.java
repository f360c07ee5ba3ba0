package dev.haven.internal;

import dev.haven.Consistency;
import dev.haven.Endpoint;
import dev.haven.Role;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Chooses where a request goes. A pure function of the candidates' state, the read's consistency, the
 * time and a random number: no I/O, no locks, exhaustively unit-tested.
 *
 * <p>Reads: replicas that are available and satisfy the consistency are grouped into tiers by
 * nearness &mdash; same zone, same region, elsewhere, then saturated ones &mdash; so traffic stays in
 * the application's zone while the local replicas are healthy, fresh and not saturated. Within a tier
 * the first choice is made by "power of two choices" on {@code latency * (inFlight + 1)}: of two random
 * members the better one, or either at random when their scores are within 25 % (equals share the load
 * even when the application sends one request at a time); the rest follow by score, as retry candidates.
 * The writer comes last when {@code fallbackToWriter} (it always satisfies every consistency).
 *
 * <p>Writes and {@link Consistency#STRONG} reads: the writer only.
 */
public final class Router {

    private final String localRegion;
    private final String localZone;

    public Router(String localRegion, String localZone) {
        this.localRegion = localRegion == null ? "" : localRegion;
        this.localZone = localZone == null ? "" : localZone;
    }

    /**
     * Ordered candidates for a read: first the choice, then the fallbacks for retries.
     *
     * @param candidates      every endpoint of the current topology with its state
     * @param consistency     what the read requires
     * @param sessionPosition for {@link Consistency#SESSION}: the position of the session's last write
     *                        ({@code Long.MIN_VALUE} when it wrote nothing yet)
     * @param nowNanos        current ticker time
     * @param random          uniform in [0, 1)
     * @param skipped         told about replicas passed over for staleness (may be {@code null})
     */
    public List<Endpoint> forRead(List<? extends RouteCandidate> candidates, Consistency consistency,
            long sessionPosition, boolean fallbackToWriter, long nowNanos, double random,
            Consumer<Skip> skipped) {
        RouteCandidate writer = null;
        for (RouteCandidate c : candidates) {
            if (c.endpoint().role() == Role.WRITER) {
                writer = c;
            }
        }
        List<Endpoint> out = new ArrayList<>(candidates.size());
        if (consistency.allowsReplica()) {
            List<RouteCandidate> tier0 = new ArrayList<>(), tier1 = new ArrayList<>(), tier2 = new ArrayList<>(),
                    tier3 = new ArrayList<>();
            for (RouteCandidate c : candidates) {
                Endpoint e = c.endpoint();
                if (e.role() != Role.READER || !c.available()) {
                    continue;
                }
                if (!satisfies(c, consistency, sessionPosition, nowNanos, skipped)) {
                    continue;
                }
                if (c.saturated()) {
                    tier3.add(c);
                } else if (!localZone.isEmpty() && localZone.equals(e.zone())) {
                    tier0.add(c);
                } else if (!localRegion.isEmpty() && localRegion.equals(e.region())) {
                    tier1.add(c);
                } else {
                    tier2.add(c);
                }
            }
            appendTier(out, tier0, random);
            appendTier(out, tier1, random);
            appendTier(out, tier2, random);
            appendTier(out, tier3, random);
        }
        if (writer != null && writer.available() && (fallbackToWriter || !consistency.allowsReplica())) {
            out.add(writer.endpoint());
        }
        return out;
    }

    /** The writer if it is available, else {@code null}. */
    public Endpoint forWrite(List<? extends RouteCandidate> candidates) {
        for (RouteCandidate c : candidates) {
            if (c.endpoint().role() == Role.WRITER && c.available()) {
                return c.endpoint();
            }
        }
        return null;
    }

    static boolean satisfies(RouteCandidate c, Consistency consistency, long sessionPosition, long nowNanos,
            Consumer<Skip> skipped) {
        switch (consistency.level()) {
            case EVENTUAL:
                return true;
            case SESSION:
                if (sessionPosition == Long.MIN_VALUE) {
                    return true;
                }
                if (c.position() != Long.MIN_VALUE && c.position() >= sessionPosition) {
                    return true;
                }
                if (skipped != null) {
                    skipped.accept(new Skip(c.endpoint(), LagTracker.stalenessNanos(c.freshAsOfNanos(), nowNanos), 0));
                }
                return false;
            case BOUNDED_STALENESS:
                long staleness = LagTracker.stalenessNanos(c.freshAsOfNanos(), nowNanos);
                if (staleness <= consistency.maxStalenessNanos()) {
                    return true;
                }
                if (skipped != null) {
                    skipped.accept(new Skip(c.endpoint(), staleness, consistency.maxStalenessNanos()));
                }
                return false;
            default:
                return false;
        }
    }

    private static void appendTier(List<Endpoint> out, List<RouteCandidate> tier, double random) {
        int n = tier.size();
        if (n == 0) {
            return;
        }
        tier.sort((a, b) -> Double.compare(score(a), score(b)));
        if (n > 1) {
            // Power of two choices: two distinct random members, the better one first.
            int i = (int) (random * n);
            int j = (int) (fract(random * 7919.0) * (n - 1));
            if (j >= i) {
                j++;
            }
            double si = score(tier.get(i));
            double sj = score(tier.get(j));
            int pick;
            if (Math.abs(si - sj) <= EQUAL_WITHIN * Math.min(si, sj)) {
                pick = fract(random * 104729.0) < 0.5 ? i : j; // equals: spread the load
            } else {
                pick = si < sj ? i : j;
            }
            RouteCandidate first = tier.remove(pick);
            tier.add(0, first);
        }
        for (RouteCandidate c : tier) {
            out.add(c.endpoint());
        }
    }

    /** Scores within this fraction of each other count as equal (EWMA noise is not a preference). */
    static final double EQUAL_WITHIN = 0.25;

    private static double fract(double x) {
        return x - Math.floor(x);
    }

    static double score(RouteCandidate c) {
        // +50 µs keeps a never-measured endpoint (latency 0) from drawing all traffic.
        return (c.latencyNanos() + 50_000) * (c.inFlight() + 1);
    }

    /** A replica passed over for staleness: {@code stalenessNanos} is {@code Long.MAX_VALUE} when unknown. */
    public record Skip(Endpoint endpoint, long stalenessNanos, long boundNanos) {
    }
}
