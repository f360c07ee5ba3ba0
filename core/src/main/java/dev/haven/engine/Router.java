package dev.haven.engine;

import dev.haven.Consistency;
import dev.haven.Endpoint;
import dev.haven.Position;
import dev.haven.Role;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Chooses where a request goes. A pure function of the candidates' state, the read's consistency, the
 * time and a random number: no I/O, no locks, exhaustively unit-tested.
 *
 * <p>Reads: replicas that are available and satisfy the consistency are grouped into tiers by
 * nearness &mdash; same zone, same region, elsewhere, then saturated or demoted ones (fallen silent while others
 * answered: {@link EndpointState#outpaced}) &mdash; so traffic stays in the application's zone while the local
 * replicas are healthy, fresh, answering and not saturated. Within a tier
 * the first choice is made by "power of two choices" on {@code latency * (inFlight + 1)}: of two random
 * members the better one, or either at random when their scores are within 25 % or 0.5 ms (equals share the load
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
     *                        ({@code null} when it wrote nothing yet)
     * @param nowNanos        current ticker time
     * @param random          uniform in [0, 1)
     * @param skipped         told about replicas passed over for staleness (may be {@code null})
     */
    public List<Endpoint> forRead(List<? extends RouteCandidate> candidates, Consistency consistency,
            Position sessionPosition, boolean fallbackToWriter, long nowNanos, double random,
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
                switch (tier(c)) {
                    case 0 -> tier0.add(c);
                    case 1 -> tier1.add(c);
                    case 2 -> tier2.add(c);
                    default -> tier3.add(c);
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

    static boolean satisfies(RouteCandidate c, Consistency consistency, Position sessionPosition, long nowNanos,
            Consumer<Skip> skipped) {
        switch (consistency.level()) {
            case EVENTUAL:
                return true;
            case SESSION:
                if (sessionPosition == null) {
                    return true;
                }
                Position at = c.position();
                if (at != null && at.covers(sessionPosition)) {
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
        // The same two-member sample firstForRead draws in its single pass (member k keyed by k, not by order of
        // arrival), so both agree on the first choice.
        long seed = Double.doubleToRawLongBits(random);
        int ia = 0;
        int ib = n > 1 ? 1 : -1;
        for (int k = 2; k < n; k++) {
            int slot = reservoirSlot(seed, k);
            if (slot == 0) {
                ia = k;
            } else if (slot == 1) {
                ib = k;
            }
        }
        int pick = ib >= 0 && takeSecond(tier.get(ia), tier.get(ib), random) ? ib : ia;
        RouteCandidate first = tier.remove(pick);
        tier.sort((a, b) -> Double.compare(score(a), score(b)));
        out.add(first.endpoint());
        for (RouteCandidate c : tier) {
            out.add(c.endpoint());
        }
    }

    // Power of two choices among the members of a tier: two distinct members drawn uniformly (reservoir sampling,
    // one pass), the better one, or either at random when they score as equals.

    /**
     * Reservoir step for member {@code k >= 2} of a tier: the slot (0 or 1) it replaces, or -1. A pure function of
     * the read's random number and {@code k}, so a single pass over live state and a pass over a copied tier draw
     * the same sample.
     */
    static int reservoirSlot(long seed, int k) {
        long h = mix(seed + (k + 1) * 0x9E3779B97F4A7C15L);
        int r = (int) (((h >>> 32) * (k + 1)) >>> 32); // uniform in [0, k]
        return r < 2 ? r : -1;
    }

    private static long mix(long z) { // SplitMix64 finaliser
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static boolean takeSecond(RouteCandidate a, RouteCandidate b, double random) {
        double sa = score(a);
        double sb = score(b);
        if (Math.abs(sa - sb) <= Math.max(EQUAL_WITHIN * Math.min(sa, sb), EQUAL_WITHIN_NANOS)) {
            return fract(random * 104729.0) >= 0.5; // equals: spread the load
        }
        return sb < sa;
    }

    /**
     * The first endpoint {@link #forRead} would return, or {@code null} &mdash; without allocating: the
     * request path asks for the ordered list only when this first choice fails.
     *
     * <p>One pass over the candidates, each one's live state (availability, freshness, saturation) read once:
     * other threads flip that state while we route (JDBC marks a pool saturated on every bind), so a decision
     * that counted in one pass and picked in a second could find a different set; this one cannot.
     */
    public Endpoint firstForRead(List<? extends RouteCandidate> candidates, Consistency consistency,
            Position sessionPosition, boolean fallbackToWriter, long nowNanos, double random, Consumer<Skip> skipped) {
        RouteCandidate writer = null;
        boolean replicas = consistency.allowsReplica();
        long seed = Double.doubleToRawLongBits(random);
        int bestTier = Integer.MAX_VALUE;
        int count = 0;
        RouteCandidate a = null;
        RouteCandidate b = null;
        for (int k = 0, size = candidates.size(); k < size; k++) {
            RouteCandidate c = candidates.get(k);
            Role role = c.endpoint().role();
            if (role == Role.WRITER) {
                writer = c;
            }
            if (!replicas || role != Role.READER || !c.available()
                    || !satisfies(c, consistency, sessionPosition, nowNanos, skipped)) {
                continue;
            }
            int t = tier(c);
            if (t > bestTier) {
                continue;
            }
            if (t < bestTier) {
                bestTier = t;
                count = 0;
                b = null;
            }
            if (count == 0) {
                a = c;
            } else if (count == 1) {
                b = c;
            } else {
                int slot = reservoirSlot(seed, count);
                if (slot == 0) {
                    a = c;
                } else if (slot == 1) {
                    b = c;
                }
            }
            count++;
        }
        if (count == 0) {
            boolean writerAllowed = fallbackToWriter || !replicas;
            return writer != null && writer.available() && writerAllowed ? writer.endpoint() : null;
        }
        return (b != null && takeSecond(a, b, random) ? b : a).endpoint();
    }

    /** 0 same zone, 1 same region, 2 elsewhere, 3 saturated or demoted. */
    private int tier(RouteCandidate c) {
        Endpoint e = c.endpoint();
        if (c.saturated() || c.demoted()) {
            return 3;
        }
        if (!localZone.isEmpty() && localZone.equals(e.zone())) {
            return 0;
        }
        if (!localRegion.isEmpty() && localRegion.equals(e.region())) {
            return 1;
        }
        return 2;
    }

    /** Scores within this fraction of each other count as equal (EWMA noise is not a preference). */
    static final double EQUAL_WITHIN = 0.25;

    /** ...or within half a millisecond: on a LAN, sub-millisecond jitter is not a reason to prefer a replica. */
    static final double EQUAL_WITHIN_NANOS = 500_000;

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
