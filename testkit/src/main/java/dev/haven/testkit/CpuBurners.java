package dev.haven.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Threads that keep CPUs busy, for tests of what a loaded machine does to timeouts: each spins until {@link #close()}
 * or until {@code max} has passed, whichever comes first (a test that dies never leaves them spinning: they are daemon
 * threads and bounded in time).
 *
 * <pre>{@code
 * try (CpuBurners burners = CpuBurners.start(2, Duration.ofSeconds(90))) {
 *     runWorkloadFor(Duration.ofSeconds(60));
 * }
 * }</pre>
 */
public final class CpuBurners implements AutoCloseable {

    private final AtomicBoolean run = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();
    private volatile long sink;

    private CpuBurners(int n, Duration max) {
        long end = System.nanoTime() + max.toNanos();
        for (int i = 0; i < n; i++) {
            Thread t = new Thread(() -> {
                long x = 0;
                while (run.get() && System.nanoTime() < end) {
                    x += System.nanoTime() % 7;
                }
                sink = x;
            }, "cpu-burner-" + i);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
    }

    /** {@code n} (1..64) busy threads for at most {@code max}. */
    public static CpuBurners start(int n, Duration max) {
        if (n < 1 || n > 64) {
            throw new IllegalArgumentException("burner threads must be in 1..64: was " + n);
        }
        return new CpuBurners(n, max);
    }

    /** Stops the threads and waits for them (at most 5 s each). */
    @Override
    public void close() throws InterruptedException {
        run.set(false);
        for (Thread t : threads) {
            t.join(5_000);
        }
    }

    @Override
    public String toString() {
        return "CpuBurners{" + threads.size() + " threads, sink=" + sink + "}";
    }
}
