package dev.haven.dynamodb.internal;

/**
 * When to send a hedged (second) read. Pure functions of the settings and the first region's latency.
 */
public final class HedgePolicy {

    private HedgePolicy() {
    }

    /**
     * The delay after which a read that has not answered is hedged: the configured fixed delay if any (as given),
     * else the first region's smoothed latency times {@code multiplier}, never below {@code floorNanos}; never
     * above {@code capNanos} (the attempt timeout: past it the attempt has failed anyway).
     *
     * @param fixedNanos   configured delay, or {@code -1} for adaptive
     * @param latencyNanos smoothed latency of the first region (0 when never measured)
     */
    public static long delayNanos(long fixedNanos, double latencyNanos, double multiplier, long floorNanos, long capNanos) {
        long d = fixedNanos >= 0 ? fixedNanos : Math.max(floorNanos, (long) Math.min(Long.MAX_VALUE / 2, latencyNanos * multiplier));
        return Math.min(d, capNanos);
    }

    /**
     * Whether a read may be hedged at all: it is not STRONG (only the home region qualifies), a second region
     * qualifies, and hedging is on. The budget is asked separately, only when the delay has passed.
     */
    public static boolean hedgeable(boolean enabled, boolean strong, int qualifyingRegions) {
        return enabled && !strong && qualifyingRegions >= 2;
    }
}
