package dev.haven.examples;

import dev.haven.HavenFailure;
import dev.haven.jdbc.HavenDataSource;
import dev.haven.jdbc.HavenTransactionRolledBackException;
import dev.haven.jdbc.HavenUnavailableException;
import dev.haven.jdbc.HavenWriteOutcomeUnknownException;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The demo's application: plain JDBC through a {@link HavenDataSource}, the way a service would use it.
 *
 * <ul>
 *   <li>one heartbeat writer: {@code UPDATE heartbeat SET seq = n} every ~10 ms, recording when each
 *       {@code n} was acknowledged;</li>
 *   <li>inserters: autocommit {@code INSERT}s with unique ids, recording every acknowledged id;</li>
 *   <li>readers: read-only connections (so they go to replicas within the lag bound) that read the heartbeat
 *       {@code seq}, the server's port and a recently written item.</li>
 * </ul>
 *
 * Every read carries the heartbeat {@code seq} it saw and when it started, so staleness is checked from the
 * application's side: a read is stale beyond the bound if a heartbeat acknowledged more than the bound before
 * the read started is not visible to it. Errors are kept as what the application got, by exception type.
 */
final class DemoWorkload {

    /** A successful read: when it ran, the heartbeat it saw, the server that answered (its own port). */
    record Read(long startNanos, long endNanos, long seq, int serverPort) {
    }

    /** A write attempt; {@code error} is null when it was acknowledged. */
    record Write(long startNanos, long endNanos, String error) {
        boolean ok() {
            return error == null;
        }
    }

    /** Heartbeat {@code seq} acknowledged at {@code nanos}. */
    record Ack(long seq, long nanos) {
    }

    static final Set<String> DOCUMENTED = Set.of(HavenWriteOutcomeUnknownException.class.getSimpleName(),
            HavenTransactionRolledBackException.class.getSimpleName(), HavenUnavailableException.class.getSimpleName());

    private static final long JOIN_TIMEOUT_MILLIS = 15_000;
    private static final int SCHEMA_ATTEMPTS = 5;

    private final HavenDataSource ds;
    private final String readSql;
    private final int inserters;
    private final int readers;
    private final AtomicBoolean running = new AtomicBoolean();
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLong nextId = new AtomicLong();
    private volatile long lastAckedId;

    final ConcurrentLinkedQueue<Read> reads = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<Write> writes = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<Ack> heartbeats = new ConcurrentLinkedQueue<>();
    final Set<Long> acknowledgedIds = ConcurrentHashMap.newKeySet();
    final LongAdder readsOk = new LongAdder();
    final LongAdder writesOk = new LongAdder();
    final Map<String, LongAdder> readErrors = new ConcurrentHashMap<>();
    final Map<String, LongAdder> writeErrors = new ConcurrentHashMap<>();

    /** {@code serverPortSql}: how the server names its own port ({@code inet_server_port()}, {@code @@port}). */
    DemoWorkload(HavenDataSource ds, String serverPortSql, int inserters, int readers) {
        this.ds = ds;
        this.readSql = "SELECT h.seq, " + serverPortSql + ", i.payload FROM heartbeat h LEFT JOIN items i ON i.id = ?"
                + " WHERE h.id = 1";
        this.inserters = inserters;
        this.readers = readers;
    }

    int threadCount() {
        return 1 + inserters + readers;
    }

    /**
     * The demo's two tables and the heartbeat row, in the same SQL on PostgreSQL and MariaDB (InnoDB, MariaDB's
     * default engine). Idempotent, so a failure Haven reports here is handled the documented way, by repeating it:
     * on a loaded machine the monitor's probes can time out while the statement runs, and Haven then aborts it as
     * a write of unknown outcome ({@code HavenWriteOutcomeUnknownException}, seen at a load of ~17).
     */
    static void createSchema(HavenDataSource ds, PrintStream out) throws SQLException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS items (id bigint PRIMARY KEY, payload text NOT NULL)");
                s.execute("CREATE TABLE IF NOT EXISTS heartbeat (id int PRIMARY KEY, seq bigint NOT NULL)");
                long rows;
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM heartbeat WHERE id = 1")) {
                    rs.next();
                    rows = rs.getLong(1);
                }
                if (rows == 0) {
                    s.execute("INSERT INTO heartbeat VALUES (1, 0)");
                }
                return;
            } catch (SQLException e) {
                if (HavenFailure.find(e).isEmpty() || attempt == SCHEMA_ATTEMPTS) {
                    throw e;
                }
                out.printf("Creating the tables failed (%s), repeating (attempt %d of %d)%n", type(e), attempt + 1,
                        SCHEMA_ATTEMPTS);
                TimeUnit.MILLISECONDS.sleep(200);
            }
        }
    }

    void start() {
        if (!running.compareAndSet(false, true)) {
            throw new IllegalStateException("workload already started");
        }
        threads.add(new Thread(this::heartbeatLoop, "demo-heartbeat"));
        for (int i = 0; i < inserters; i++) {
            threads.add(new Thread(this::insertLoop, "demo-insert-" + i));
        }
        for (int i = 0; i < readers; i++) {
            threads.add(new Thread(this::readLoop, "demo-read-" + i));
        }
        for (Thread t : threads) {
            t.setDaemon(true);
            t.start();
        }
    }

    /** Stops every thread; in-flight operations end within the statement deadline. Returns threads still alive. */
    List<String> stop() {
        running.set(false);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(JOIN_TIMEOUT_MILLIS);
        List<String> stuck = new ArrayList<>();
        for (Thread t : threads) {
            try {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (t.isAlive()) {
                stuck.add(t.getName());
                t.interrupt();
            }
        }
        return stuck;
    }

    long errorCount(Map<String, LongAdder> errors) {
        return errors.values().stream().mapToLong(LongAdder::sum).sum();
    }

    static Map<String, Long> snapshot(Map<String, LongAdder> errors) {
        Map<String, Long> out = new TreeMap<>();
        errors.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    // ---------------------------------------------------------------- loops

    private void heartbeatLoop() {
        for (long seq = 1; running.get(); seq++) {
            long t0 = System.nanoTime();
            String error = null;
            try (Connection c = ds.getConnection();
                    PreparedStatement ps = c.prepareStatement("UPDATE heartbeat SET seq = ? WHERE id = 1")) {
                ps.setLong(1, seq);
                ps.executeUpdate();
                heartbeats.add(new Ack(seq, System.nanoTime()));
            } catch (SQLException e) {
                error = type(e);
            } catch (RuntimeException e) {
                error = e.getClass().getSimpleName();
            }
            recordWrite(t0, error);
            if (!pause(10)) {
                return;
            }
        }
    }

    private void insertLoop() {
        while (running.get()) {
            long id = nextId.incrementAndGet();
            long t0 = System.nanoTime();
            String error = null;
            try (Connection c = ds.getConnection();
                    PreparedStatement ps = c.prepareStatement("INSERT INTO items (id, payload) VALUES (?, ?)")) {
                ps.setLong(1, id);
                ps.setString(2, "item-" + id);
                ps.executeUpdate();
                acknowledgedIds.add(id);
                lastAckedId = id;
            } catch (SQLException e) {
                error = type(e);
            } catch (RuntimeException e) {
                error = e.getClass().getSimpleName();
            }
            recordWrite(t0, error);
            if (!pause(error == null ? 2 : 10)) {
                return;
            }
        }
    }

    private void readLoop() {
        while (running.get()) {
            long t0 = System.nanoTime();
            String error = null;
            try (Connection c = ds.getConnection()) {
                c.setReadOnly(true);
                try (PreparedStatement ps = c.prepareStatement(readSql)) {
                    ps.setLong(1, lastAckedId);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (!rs.next()) {
                            throw new SQLException("heartbeat row missing");
                        }
                        reads.add(new Read(t0, System.nanoTime(), rs.getLong(1), rs.getInt(2)));
                    }
                }
            } catch (SQLException e) {
                error = type(e);
            } catch (RuntimeException e) {
                error = e.getClass().getSimpleName();
            }
            if (error == null) {
                readsOk.increment();
            } else {
                readErrors.computeIfAbsent(error, k -> new LongAdder()).increment();
            }
            if (!pause(error == null ? 1 : 10)) {
                return;
            }
        }
    }

    private void recordWrite(long t0, String error) {
        writes.add(new Write(t0, System.nanoTime(), error));
        if (error == null) {
            writesOk.increment();
        } else {
            writeErrors.computeIfAbsent(error, k -> new LongAdder()).increment();
        }
    }

    /** Haven's documented exceptions by name; anything else with its SQLState, so it stands out. */
    private static String type(SQLException e) {
        String name = e.getClass().getSimpleName();
        return DOCUMENTED.contains(name) ? name : name + "(" + e.getSQLState() + ": " + firstLine(e.getMessage()) + ")";
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        return line.length() > 80 ? line.substring(0, 80) + "..." : line;
    }

    private boolean pause(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
