package dev.haven.testkit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;

/**
 * A UTC clock a test moves by hand (token expiry, refresh schedules, a simulated hour), safe to read from other
 * threads. Hand it to the code under test wherever that takes a {@link Clock}.
 */
public final class SettableClock extends Clock {

    private volatile Instant now;

    public SettableClock(Instant start) {
        this.now = Objects.requireNonNull(start, "start");
    }

    /** Moves the clock to {@code instant} (backwards too). */
    public void set(Instant instant) {
        this.now = Objects.requireNonNull(instant, "instant");
    }

    /** Moves the clock on by {@code d}. */
    public void advance(Duration d) {
        this.now = now.plus(d);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public Instant instant() {
        return now;
    }
}
