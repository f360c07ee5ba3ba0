package dev.haven.redis;


import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/** 4 writer threads (SET + WAIT 1) and 4 reader threads through one client while the primary goes away. */
final class FailoverLoad {
    final AtomicBoolean run = new AtomicBoolean(true);
    final Map<String, String> acked = new ConcurrentHashMap<>();
    final AtomicLong writes = new AtomicLong();
    final AtomicLong reads = new AtomicLong();
    final AtomicLong unknown = new AtomicLong();
    /** The messages of the first 20 outcome-unknown errors. */
    final List<String> unknownCauses = new CopyOnWriteArrayList<>();
    final AtomicLong unavailable = new AtomicLong();
    final AtomicLong notReplicated = new AtomicLong();
    final List<Throwable> readErrors = new CopyOnWriteArrayList<>();
    final List<Throwable> otherWriteErrors = new CopyOnWriteArrayList<>();
    final List<Long> writeOkAt = new CopyOnWriteArrayList<>();
    final List<Thread> threads = new ArrayList<>();

    FailoverLoad(HavenRedisClient client) {
        for (int t = 0; t < 4; t++) {
            int id = t;
            threads.add(new Thread(() -> {
                try (HavenRedisConnection c = client.connect()) {
                    for (long n = 0; run.get(); n++) {
                        String key = "w" + id + ":" + n;
                        try {
                            c.sync().set(key, Long.toString(n));
                            writes.incrementAndGet();
                            writeOkAt.add(System.nanoTime());
                            if (c.awaitReplicas(1, Duration.ofMillis(500)) >= 1) {
                                acked.put(key, Long.toString(n));
                            } else {
                                notReplicated.incrementAndGet();
                            }
                        } catch (HavenRedisWriteOutcomeUnknownException e) {
                            if (unknown.incrementAndGet() <= 20) {
                                unknownCauses.add(e.getMessage());
                            }
                        } catch (HavenRedisUnavailableException e) {
                            unavailable.incrementAndGet();
                        } catch (Throwable e) {
                            otherWriteErrors.add(e);
                        }
                    }
                }
            }, "writer-" + t));
            threads.add(new Thread(() -> {
                try (HavenRedisConnection c = client.connect()) {
                    while (run.get()) {
                        try {
                            c.sync().get("w" + id + ":0");
                            reads.incrementAndGet();
                        } catch (Throwable e) {
                            readErrors.add(e);
                        }
                    }
                }
            }, "reader-" + t));
        }
        threads.forEach(Thread::start);
    }

    void stop() throws InterruptedException {
        run.set(false);
        for (Thread t : threads) {
            t.join(15_000);
        }
    }

    /**
     * The write outage: the longest time, in ms, between two successive successful writes (any thread) from
     * {@code fromNanos} on, the last one counted up to {@code toNanos}.
     */
    long longestWriteGapMillis(long fromNanos, long toNanos) {
        return longestGapMillis(writeOkAt, fromNanos, toNanos);
    }

    /** The longest time, in ms, between successive instants of {@code okAt} from {@code fromNanos} to {@code toNanos}. */
    static long longestGapMillis(List<Long> okAt, long fromNanos, long toNanos) {
        long[] ts = okAt.stream().mapToLong(Long::longValue).filter(t -> t >= fromNanos).sorted().toArray();
        long prev = fromNanos;
        long gap = 0;
        for (long t : ts) {
            gap = Math.max(gap, t - prev);
            prev = t;
        }
        gap = Math.max(gap, toNanos - prev);
        return gap / 1_000_000;
    }

    /** First successful write acknowledged after {@code t0}, in ms after it. */
    long firstWriteAfterMillis(long t0) {
        return writeOkAt.stream().filter(t -> t > t0).mapToLong(t -> (t - t0) / 1_000_000).min().orElse(Long.MAX_VALUE);
    }
}
