package dev.haven.engine;

import dev.haven.Ticker;
import dev.haven.config.CommonKeys;
import dev.haven.config.Settings;
import java.time.Duration;

/**
 * When a read is hedged (sent to a second endpoint when the first has not answered in time), from the {@code hedge.*}
 * keys: a decision object without I/O, one per client; it holds the hedge budget, so that hedges stay a small share of
 * the reads ({@code hedge.budget-ratio}, plus one per second). A store drives it: {@link #onRead} when it plans a
 * read, {@link #delayNanos} for the timer, {@link #tryHedge()} when the timer fires, and a {@link HedgeRace} per read.
 */
public final class HedgePolicy {

    private final boolean enabled;
    private final long fixedNanos;
    private final double multiplier;
    private final long floorNanos;
    private final long capNanos;
    private final RetryBudget budget;

    /**
     * @param enabled    {@code hedge.enabled}
     * @param fixedDelay {@code hedge.delay}, or {@code null} for the adaptive delay
     * @param multiplier {@code hedge.latency-multiplier}
     * @param minDelay   {@code hedge.min-delay}: floor of the adaptive delay
     * @param cap        no delay is longer (the attempt timeout: past it the first try has failed anyway)
     * @param budget     the hedge budget
     */
    public HedgePolicy(boolean enabled, Duration fixedDelay, double multiplier, Duration minDelay, Duration cap,
            RetryBudget budget) {
        this.enabled = enabled;
        this.fixedNanos = fixedDelay == null ? -1 : fixedDelay.toNanos();
        this.multiplier = multiplier;
        this.floorNanos = minDelay.toNanos();
        this.capNanos = cap.toNanos();
        this.budget = budget;
    }

    /** The policy of a store whose spec has the {@code hedge.*} keys; {@code cap} bounds every delay. */
    public static HedgePolicy of(Settings s, Duration cap, Ticker ticker) {
        return new HedgePolicy(s.get(CommonKeys.HEDGE_ENABLED), s.get(CommonKeys.HEDGE_DELAY),
                s.get(CommonKeys.HEDGE_LATENCY_MULTIPLIER), s.get(CommonKeys.HEDGE_MIN_DELAY), cap,
                new RetryBudget(s.get(CommonKeys.HEDGE_BUDGET_RATIO), 1, ticker));
    }

    /**
     * The delay after which a read that has not answered is hedged: the configured fixed delay if any (as given),
     * else the first endpoint's smoothed latency times {@code multiplier}, never below {@code floorNanos}; never
     * above {@code capNanos}.
     *
     * @param fixedNanos   configured delay, or {@code -1} for adaptive
     * @param latencyNanos smoothed latency of the first endpoint (0 when never measured)
     */
    public static long delayNanos(long fixedNanos, double latencyNanos, double multiplier, long floorNanos, long capNanos) {
        long d = fixedNanos >= 0 ? fixedNanos : Math.max(floorNanos, (long) Math.min(Long.MAX_VALUE / 2, latencyNanos * multiplier));
        return Math.min(d, capNanos);
    }

    /** The hedge delay of a read whose first try goes to {@code first}. */
    public long delayNanos(EndpointState first) {
        return delayNanos(fixedNanos, first.latencyNanos(), multiplier, floorNanos, capNanos);
    }

    /**
     * Whether a read may be hedged at all, and counts it for the hedge budget: hedging is on, the read is not STRONG
     * (only the writer or home region qualifies), and a second endpoint qualifies. The budget is asked separately,
     * when the delay has passed ({@link #tryHedge()}).
     */
    public boolean onRead(boolean strong, int qualifyingEndpoints) {
        budget.onRequest();
        return enabled && !strong && qualifyingEndpoints >= 2;
    }

    /** Takes one hedge from the budget: {@code false} means this read is not hedged. */
    public boolean tryHedge() {
        return budget.tryAcquire();
    }

    /** Whether hedging is on ({@code hedge.enabled}). */
    public boolean enabled() {
        return enabled;
    }

    /** The fixed delay, or {@code null} when adaptive. */
    public Duration fixedDelay() {
        return fixedNanos < 0 ? null : Duration.ofNanos(fixedNanos);
    }
}
