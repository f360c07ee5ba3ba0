package dev.haven.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The load of the lag-bound tests: one thread writes 1, 2, 3... to the row {@code heartbeat(id = 1)} every 10 ms and
 * records when each value was acknowledged; four threads read it back on read-only connections with the port of the
 * server that answered. A read is beyond a staleness bound when a value acknowledged the bound or longer before the
 * read started is missing from it.
 */
final class Heartbeat implements AutoCloseable {

    record Read(long startNanos, long seq, int port) {}

    private static final int MAX_SEQ = 100_000;

    private final AtomicLongArray ackedAt = new AtomicLongArray(MAX_SEQ); // seq -> nanoTime of its acknowledgement
    private final AtomicBoolean run = new AtomicBoolean(true);
    private final List<Read> reads = new CopyOnWriteArrayList<>();
    private final List<Throwable> errors = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new ArrayList<>();

    private Heartbeat() {
    }

    /**
     * Starts the writer and the readers on a {@code heartbeat (id int PRIMARY KEY, seq bigint)} table holding
     * {@code (1, 0)}; {@code readSql} selects {@code seq} and the server's port, e.g. {@code SELECT seq, @@port FROM heartbeat}.
     */
    static Heartbeat start(HavenDataSource ds, String readSql) {
        Heartbeat h = new Heartbeat();
        h.threads.add(new Thread(() -> {
            try (Connection c = ds.getConnection();
                    PreparedStatement ps = c.prepareStatement("UPDATE heartbeat SET seq = ? WHERE id = 1")) {
                for (int n = 1; n < MAX_SEQ && h.run.get(); n++) {
                    ps.setLong(1, n);
                    ps.executeUpdate();
                    h.ackedAt.set(n, System.nanoTime());
                    Thread.sleep(10);
                }
            } catch (Exception e) {
                h.errors.add(e);
            }
        }, "heartbeat-writer"));
        for (int i = 0; i < 4; i++) {
            h.threads.add(new Thread(() -> {
                while (h.run.get()) {
                    long t0 = System.nanoTime();
                    try (Connection c = ds.getConnection()) {
                        c.setReadOnly(true);
                        try (ResultSet rs = c.createStatement().executeQuery(readSql)) {
                            rs.next();
                            h.reads.add(new Read(t0, rs.getLong(1), rs.getInt(2)));
                        }
                    } catch (Exception e) {
                        h.errors.add(e);
                    }
                }
            }, "heartbeat-reader-" + i));
        }
        h.threads.forEach(Thread::start);
        return h;
    }

    /** How long before {@code r} started the first value it missed was acknowledged; 0 if it missed none. */
    long stalenessNanos(Read r) {
        long missed = r.seq() + 1;
        long at = missed < MAX_SEQ ? ackedAt.get((int) missed) : 0; // 0: not acknowledged (yet)
        return at != 0 && at < r.startNanos() ? r.startNanos() - at : 0;
    }

    /** True when {@code r} missed a value acknowledged {@code bound} or more before it started. */
    boolean beyond(Read r, Duration bound) {
        return stalenessNanos(r) >= bound.toNanos();
    }

    List<Read> reads() {
        return reads;
    }

    List<Throwable> errors() {
        return errors;
    }

    /** Stops the threads; in-flight statements end within the data source's deadline. */
    @Override
    public void close() throws InterruptedException {
        run.set(false);
        for (Thread t : threads) {
            t.join(10_000);
        }
    }
}
