package dev.haven;

/**
 * A monotonic source of nanoseconds, injected wherever time matters so that tests drive time by hand
 * instead of sleeping (the idea of Caffeine's {@code Ticker}).
 *
 * <pre>{@code
 * AtomicLong now = new AtomicLong();
 * Ticker fake = now::get;          // a test advances time with now.addAndGet(...)
 * Ticker real = Ticker.system();
 * }</pre>
 */
@FunctionalInterface
public interface Ticker {

    /** Nanoseconds from an arbitrary origin; only differences mean something. */
    long nanoTime();

    static Ticker system() {
        return System::nanoTime;
    }
}
