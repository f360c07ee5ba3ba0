package dev.haven.benchmarks.failover;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * Writer and reader threads driving one {@link Target}, paced (an operation every few ms per thread) and bounded in
 * count; every operation is recorded and analysed afterwards ({@link Analysis}). Writer {@code w} inserts
 * {@code (w, 1), (w, 2), ...}; a reader picks a writer and reads the highest sequence number of it that it can see,
 * so a read can be checked against the times at which the writes were acknowledged.
 */
final class Workload implements AutoCloseable {

    /** One operation: times from {@link System#nanoTime()}, {@code error} null when it succeeded. */
    record Op(boolean write, int writer, long seq, long start, long end, String error) {
    }

    private final Target target;
    private final int writers;
    private final long writeEveryNanos;
    private final long readEveryNanos;
    private final int maxOpsPerThread;
    private final List<Thread> threads = new ArrayList<>();
    private final List<List<Op>> ops = new ArrayList<>();
    /** Per thread: start of the operation in progress, 0 between operations. */
    private final AtomicLongArray inFlightSince;
    private volatile boolean stopping;
    final long startNanos;
    private long stopNanos;

    Workload(Target target, int writers, int readers, Duration writeEvery, Duration readEvery, int maxOpsPerThread) {
        this.target = target;
        this.writers = writers;
        this.writeEveryNanos = writeEvery.toNanos();
        this.readEveryNanos = readEvery.toNanos();
        this.maxOpsPerThread = maxOpsPerThread;
        this.inFlightSince = new AtomicLongArray(writers + readers);
        this.startNanos = System.nanoTime();
        for (int i = 0; i < writers + readers; i++) {
            List<Op> mine = new ArrayList<>();
            ops.add(mine);
            int index = i;
            boolean writer = i < writers;
            Thread t = new Thread(() -> loop(index, writer, mine),
                    "failover-" + target.name() + (writer ? "-writer-" + i : "-reader-" + (i - writers)));
            t.setDaemon(true);
            threads.add(t);
        }
        threads.forEach(Thread::start);
    }

    private void loop(int index, boolean writer, List<Op> mine) {
        long seq = 0;
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int n = 0; n < maxOpsPerThread && !stopping; n++) {
            long t0 = System.nanoTime();
            inFlightSince.set(index, t0);
            String error = null;
            int w = writer ? index : random.nextInt(writers);
            long s = 0;
            try {
                if (writer) {
                    s = ++seq;
                    target.write(w, s);
                } else {
                    s = target.read(w);
                }
            } catch (SQLException | RuntimeException e) {
                error = kind(e);
            }
            long t1 = System.nanoTime();
            inFlightSince.set(index, 0);
            synchronized (mine) {
                mine.add(new Op(writer, w, s, t0, t1, error));
            }
            long wait = t0 + (writer ? writeEveryNanos : readEveryNanos) - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
        }
    }

    /** The exception's class and SQLState (what an application would branch on), and its root cause's class. */
    static String kind(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return state(e) + (root == e ? "" : " <- " + state(root));
    }

    private static String state(Throwable e) {
        return e.getClass().getSimpleName() + (e instanceof SQLException s && s.getSQLState() != null
                ? " (" + s.getSQLState() + ")" : "");
    }

    /** What {@link #stop} saw. */
    record Stop(int blockedAfterGrace, List<String> blockedStacks, long lastEndedMs) {
    }

    /**
     * Asks every thread to stop after its current operation and waits: after {@code grace}, counts the threads still
     * inside an operation (with where they wait); then waits up to {@code max} for them to end. {@code lastEndedMs}:
     * when the last thread ended after the stop, or -1 if one was still running after {@code max}.
     */
    Stop stop(Duration grace, Duration max) throws InterruptedException {
        stopNanos = System.nanoTime();
        stopping = true;
        joinAll(stopNanos + grace.toNanos());
        int blocked = 0;
        List<String> stacks = new ArrayList<>();
        for (int i = 0; i < threads.size(); i++) {
            Thread t = threads.get(i);
            if (t.isAlive() && inFlightSince.get(i) != 0) {
                blocked++;
                StringBuilder sb = new StringBuilder(t.getName()).append(", in its operation for ")
                        .append((System.nanoTime() - inFlightSince.get(i)) / 1_000_000).append(" ms:");
                // the innermost frame, then the callers above the JDK's socket code: the driver, the pool, Haven
                StackTraceElement[] st = t.getStackTrace();
                int shown = 0;
                for (int k = 0; k < st.length && shown < 16; k++) {
                    if (k == 0 || !st[k].getClassName().startsWith("java.") && !st[k].getClassName().startsWith("sun.")) {
                        sb.append("\n  at ").append(st[k]);
                        shown++;
                    }
                }
                stacks.add(sb.toString());
            }
        }
        joinAll(stopNanos + max.toNanos());
        long last = threads.stream().anyMatch(Thread::isAlive) ? -1 : (System.nanoTime() - stopNanos) / 1_000_000;
        return new Stop(blocked, stacks, last);
    }

    private void joinAll(long deadline) throws InterruptedException {
        for (Thread t : threads) {
            TimeUnit.NANOSECONDS.timedJoin(t, Math.max(1, deadline - System.nanoTime()));
        }
    }

    long stopNanos() {
        return stopNanos;
    }

    /** Waits up to {@code timeout} for every thread to end (after the target was closed); returns those still alive. */
    int awaitThreads(Duration timeout) throws InterruptedException {
        stopping = true;
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Thread t : threads) {
            TimeUnit.NANOSECONDS.timedJoin(t, Math.max(1, deadline - System.nanoTime()));
        }
        return (int) threads.stream().filter(Thread::isAlive).count();
    }

    /** Every operation recorded so far. */
    List<Op> ops() {
        List<Op> all = new ArrayList<>();
        for (List<Op> mine : ops) {
            synchronized (mine) {
                all.addAll(mine);
            }
        }
        return all;
    }

    int writers() {
        return writers;
    }

    /** Interrupts threads still running (they are daemons, and the target is closed by then). */
    @Override
    public void close() {
        stopping = true;
        for (Thread t : threads) {
            if (t.isAlive()) {
                t.interrupt();
            }
        }
    }
}
