package dev.haven.internal;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Exponentially weighted moving average of a latency, updated lock-free from many threads. The first
 * sample seeds the average, so a new endpoint is not assumed infinitely fast.
 */
public final class Ewma {

    private static final long EMPTY = Double.doubleToRawLongBits(Double.NaN);

    private final double alpha;
    private final AtomicLong bits = new AtomicLong(EMPTY);

    /** @param alpha weight of a new sample, in (0, 1]; 0.2 forgets a change in about 10 samples */
    public Ewma(double alpha) {
        if (!(alpha > 0 && alpha <= 1)) {
            throw new IllegalArgumentException("EWMA alpha must be in (0, 1]: was " + alpha);
        }
        this.alpha = alpha;
    }

    public void update(double sample) {
        while (true) {
            long current = bits.get();
            double old = Double.longBitsToDouble(current);
            double next = Double.isNaN(old) ? sample : old + alpha * (sample - old);
            if (bits.compareAndSet(current, Double.doubleToRawLongBits(next))) {
                return;
            }
        }
    }

    /** The average, or {@code fallback} before the first sample. */
    public double value(double fallback) {
        double v = Double.longBitsToDouble(bits.get());
        return Double.isNaN(v) ? fallback : v;
    }
}
