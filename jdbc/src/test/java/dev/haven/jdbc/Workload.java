package dev.haven.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bounded mixed workload for integration tests: threads alternate autocommit inserts (unique ids)
 * and read-only queries through a {@link HavenDataSource}, and record every outcome with its time.
 */
final class Workload implements AutoCloseable {

    record Op(boolean write, long startNanos, long endNanos, Throwable error, int serverPort) {
        long millis() {
            return TimeUnit.NANOSECONDS.toMillis(endNanos - startNanos);
        }
    }

    private final HavenDataSource ds;
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong ids = new AtomicLong(ThreadLocalRandom.current().nextLong(1, 1L << 40));
    final Queue<Op> ops = new ConcurrentLinkedQueue<>(); // not copy-on-write: thousands of ops per second
    final Set<Long> acknowledged = ConcurrentHashMap.newKeySet();
    final Map<Integer, AtomicLong> readsByPort = new ConcurrentHashMap<>();

    /**
     * Creates the table, idempotently, repeating it after a documented Haven failure: a data source with an aggressive
     * probe timeout (250 ms) can take a writer starved by a loaded machine for a dead one before the test's fault.
     */
    static void createSchema(HavenDataSource ds) throws SQLException {
        for (int attempt = 1; ; attempt++) {
            try (Connection c = ds.getConnection()) {
                c.createStatement().execute("CREATE TABLE IF NOT EXISTS items (id bigint PRIMARY KEY, payload text,"
                        + " written_at timestamptz DEFAULT clock_timestamp())");
                return;
            } catch (SQLException e) {
                if (!(e instanceof dev.haven.HavenFailure) || attempt == 5) {
                    throw e;
                }
                System.out.printf("createSchema: attempt %d failed (%s), repeated%n", attempt, e);
            }
        }
    }

    /** The same table on MySQL/MariaDB, repeated after a documented Haven failure as {@link #createSchema} is. */
    static void createSchemaMySql(HavenDataSource ds) throws SQLException {
        for (int attempt = 1; ; attempt++) {
            try (Connection c = ds.getConnection()) {
                c.createStatement().execute("CREATE TABLE IF NOT EXISTS items (id bigint PRIMARY KEY, payload text,"
                        + " written_at timestamp(6) DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB");
                return;
            } catch (SQLException e) {
                if (!(e instanceof dev.haven.HavenFailure) || attempt == 5) {
                    throw e;
                }
                System.out.printf("createSchemaMySql: attempt %d failed (%s), repeated%n", attempt, e);
            }
        }
    }

    /** A workload in MySQL/MariaDB's SQL ({@code @@port}, no {@code RETURNING}). */
    static Workload mysql(HavenDataSource ds, int threadCount, double writeShare, long maxOps) {
        Workload w = new Workload(ds, threadCount, writeShare, maxOps);
        w.mysql = true;
        return w;
    }

    private volatile boolean mysql;

    Workload(HavenDataSource ds, int threadCount, double writeShare, long maxOps) {
        this.ds = ds;
        for (int i = 0; i < threadCount; i++) {
            Thread t = new Thread(() -> loop(writeShare, maxOps / threadCount), "workload-" + i);
            t.setDaemon(true);
            threads.add(t);
        }
    }

    Workload start() {
        threads.forEach(Thread::start);
        return this;
    }

    private void loop(double writeShare, long maxOps) {
        for (long n = 0; n < maxOps && running.get(); n++) {
            boolean write = ThreadLocalRandom.current().nextDouble() < writeShare;
            long t0 = System.nanoTime();
            Throwable error = null;
            int port = -1;
            try {
                port = write ? write() : read();
            } catch (Throwable e) {
                error = e;
            }
            ops.add(new Op(write, t0, System.nanoTime(), error, port));
            if (error != null) {
                try {
                    Thread.sleep(5); // do not spin on a failure
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private int write() throws SQLException {
        long id = ids.incrementAndGet();
        if (mysql) {
            try (Connection c = ds.getConnection();
                    PreparedStatement ps = c.prepareStatement("INSERT INTO items(id, payload) VALUES (?, ?)")) {
                ps.setLong(1, id);
                ps.setString(2, "w");
                ps.executeUpdate();
                acknowledged.add(id);
                try (ResultSet rs = c.createStatement().executeQuery("SELECT @@port")) {
                    rs.next();
                    return rs.getInt(1); // the same connection: the server that took the insert
                } catch (SQLException e) {
                    return -1; // acknowledged; only the port is unknown
                }
            }
        }
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("INSERT INTO items(id, payload) VALUES (?, ?) RETURNING inet_server_port()")) {
            ps.setLong(1, id);
            ps.setString(2, "w");
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                acknowledged.add(id);
                return rs.getInt(1);
            }
        }
    }

    private int read() throws SQLException {
        try (Connection c = ds.getConnection()) {
            c.setReadOnly(true);
            try (PreparedStatement ps = c.prepareStatement(mysql ? "SELECT count(*), @@port FROM items WHERE id > ?"
                    : "SELECT count(*), inet_server_port() FROM items WHERE id > ?")) {
                ps.setLong(1, 0);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    int port = rs.getInt(2);
                    readsByPort.computeIfAbsent(port, p -> new AtomicLong()).incrementAndGet();
                    return port;
                }
            }
        }
    }

    /** The acknowledged writes whose rows {@code c} (the surviving writer) does not have. */
    Set<Long> missingOn(Connection c) throws SQLException {
        Set<Long> missing = new java.util.HashSet<>(acknowledged);
        try (ResultSet rs = c.createStatement().executeQuery("SELECT id FROM items")) {
            while (rs.next()) {
                missing.remove(rs.getLong(1));
            }
        }
        return missing;
    }

    List<Op> reads() {
        return ops.stream().filter(o -> !o.write()).toList();
    }

    List<Op> writes() {
        return ops.stream().filter(Op::write).toList();
    }

    /** When the first successful write on the server at {@code serverPort} ended (nanoTime); fails if there was none. */
    long firstWriteOn(int serverPort) {
        return writes().stream().filter(o -> o.error() == null && o.serverPort() == serverPort).mapToLong(Op::endNanos).min()
                .orElseThrow(() -> new AssertionError("no successful write on the server at port " + serverPort));
    }

    List<Op> failures(boolean write) {
        return ops.stream().filter(o -> o.write() == write && o.error() != null).toList();
    }

    /** Stops the threads, waiting at most 30 s for in-flight operations. */
    @Override
    public void close() throws InterruptedException {
        running.set(false);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (Thread t : threads) {
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            if (t.isAlive()) {
                t.interrupt();
                throw new AssertionError("workload thread " + t.getName() + " still blocked 30 s after stop");
            }
        }
    }

    static String describe(List<Op> ops) {
        Map<String, Long> byType = new java.util.TreeMap<>();
        for (Op o : ops) {
            if (o.error() != null) {
                byType.merge(o.error().getClass().getSimpleName() + ": " + firstLine(o.error().getMessage()), 1L, Long::sum);
            }
        }
        return byType.toString();
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl));
    }
}
