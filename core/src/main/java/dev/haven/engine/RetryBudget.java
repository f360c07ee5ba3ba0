package dev.haven.engine;

import dev.haven.Ticker;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Caps retries to a fraction of the traffic so that retries cannot multiply the load of an outage
 * (the retry-budget idea of Finagle and gRPC). Every first attempt deposits {@code ratio} of a token;
 * every retry withdraws a whole one. A small reserve refilled per second lets a quiet client still
 * retry. Lock-free; called on the request path.
 */
public final class RetryBudget {

    private static final long SCALE = 1000; // milli-tokens

    private final long depositPerRequest;
    private final long maxBalance;
    private final long reservePerSecond;
    private final Ticker ticker;
    private final AtomicLong balance;
    private final AtomicLong lastRefillNanos;

    /**
     * @param ratio            extra load allowed, e.g. 0.1 = at most ~10 % more requests from retries
     * @param reservePerSecond retries always allowed per second, whatever the traffic
     */
    public RetryBudget(double ratio, int reservePerSecond, Ticker ticker) {
        if (!(ratio >= 0 && ratio <= 1)) {
            throw new IllegalArgumentException("retry budget ratio must be in [0, 1]: was " + ratio);
        }
        if (reservePerSecond < 0) {
            throw new IllegalArgumentException("retry budget reserve must be >= 0: was " + reservePerSecond);
        }
        this.depositPerRequest = Math.round(ratio * SCALE);
        this.reservePerSecond = reservePerSecond * SCALE;
        this.maxBalance = Math.max(10 * SCALE, this.reservePerSecond * 10);
        this.ticker = ticker;
        this.balance = new AtomicLong(this.reservePerSecond);
        this.lastRefillNanos = new AtomicLong(ticker.nanoTime());
    }

    /** Call once per first attempt. */
    public void onRequest() {
        add(depositPerRequest);
    }

    /** Takes a token for one retry; {@code false} means the budget is spent and the call must not retry. */
    public boolean tryAcquire() {
        refill();
        while (true) {
            long b = balance.get();
            if (b < SCALE) {
                return false;
            }
            if (balance.compareAndSet(b, b - SCALE)) {
                return true;
            }
        }
    }

    /** Whole retries available now. */
    public long available() {
        refill();
        return balance.get() / SCALE;
    }

    private void refill() {
        if (reservePerSecond == 0) {
            return;
        }
        long now = ticker.nanoTime();
        long last = lastRefillNanos.get();
        long elapsed = now - last;
        if (elapsed < TimeUnit.MILLISECONDS.toNanos(10)) {
            return;
        }
        if (lastRefillNanos.compareAndSet(last, now)) {
            long refill = (long) (reservePerSecond * (elapsed / 1e9));
            // The reserve tops the balance up to one second's worth, never beyond.
            while (true) {
                long b = balance.get();
                long target = Math.max(b, Math.min(b + refill, reservePerSecond));
                if (target == b || balance.compareAndSet(b, target)) {
                    return;
                }
            }
        }
    }

    private void add(long amount) {
        while (true) {
            long b = balance.get();
            long target = Math.min(maxBalance, b + amount);
            if (target == b || balance.compareAndSet(b, target)) {
                return;
            }
        }
    }
}
