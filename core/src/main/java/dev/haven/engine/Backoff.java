package dev.haven.engine;

/**
 * Full-jitter exponential backoff (AWS Architecture Blog, "Exponential Backoff And Jitter"): a uniform
 * random wait in {@code [0, min(cap, base * 2^attempt))}. Pure: the caller supplies the random number,
 * so tests need neither sleeps nor seeds.
 */
public final class Backoff {

    private Backoff() {
    }

    /**
     * @param attempt   0 for the first retry
     * @param baseNanos wait ceiling of the first retry
     * @param capNanos  largest ceiling
     * @param random    uniform in [0, 1)
     * @return nanoseconds to wait
     */
    public static long fullJitterNanos(int attempt, long baseNanos, long capNanos, double random) {
        if (attempt < 0) {
            throw new IllegalArgumentException("attempt must be >= 0: was " + attempt);
        }
        if (random < 0 || random >= 1) {
            throw new IllegalArgumentException("random must be in [0, 1): was " + random);
        }
        long ceiling = attempt >= 62 ? capNanos : Math.min(capNanos, saturatedShift(baseNanos, attempt));
        return (long) (ceiling * random);
    }

    private static long saturatedShift(long value, int shift) {
        if (value <= 0) {
            return 0;
        }
        return Long.numberOfLeadingZeros(value) <= shift ? Long.MAX_VALUE : value << shift;
    }
}
