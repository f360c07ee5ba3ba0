package dev.haven.engine;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The state of one hedged read, shared by the thread (or callback) of its first try and the timer that may send the
 * hedge: whether the hedge goes out is decided once ({@link #launch()} by the timer, or {@link #closeLaunch()} by the
 * first try ending first), and which answer wins is decided once. Thread-safe, lock-free, no I/O; a store extends it
 * with what it needs to cancel the loser.
 */
public class HedgeRace {

    private static final int OPEN = 0;
    private static final int LAUNCHED = 1;
    private static final int CLOSED = 2;

    private final AtomicInteger launch = new AtomicInteger(OPEN);
    private final AtomicInteger winner = new AtomicInteger();

    /** Whether neither the timer nor the first try has decided yet. */
    public final boolean open() {
        return launch.get() == OPEN;
    }

    /** The timer's claim to send the hedge; {@code false} when the first try has ended already. */
    public final boolean launch() {
        return launch.compareAndSet(OPEN, LAUNCHED);
    }

    /** The first try's claim that no hedge will be sent; {@code false} when the timer has claimed it already. */
    public final boolean closeLaunch() {
        return launch.compareAndSet(OPEN, CLOSED);
    }

    /** The first try's answer is the read's answer; {@code false} when the hedge's came first. */
    public final boolean firstWins() {
        return winner.compareAndSet(0, 1);
    }

    /** The hedge's answer is the read's answer; {@code false} when the first try's came first. */
    public final boolean secondWins() {
        return winner.compareAndSet(0, 2);
    }
}
