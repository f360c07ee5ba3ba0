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

    /** {@link System#nanoTime()}; always the same instance, so settings that hold it compare equal. */
    static Ticker system() {
        return SystemTicker.INSTANCE;
    }
}

/** The one system ticker. */
enum SystemTicker implements Ticker {
    INSTANCE;

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }
}
