package dev.haven.jdbc.internal;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * The data source a per-server HikariCP pool makes its physical connections with: the driver's, plus a report of
 * every failed attempt. HikariCP connects in the background and tells a waiting thread nothing until its
 * {@code connectionTimeout}; this report turns "connection refused" into a passive signal the moment it happens.
 *
 * <p>It is also the pool's thread factory, so that it knows the pool's connection-adder thread (the one thread of the
 * pool that connects) and can stop it when the pool closes: HikariCP's adder retries a server that refuses with a
 * backoff growing to 5 s, and {@code HikariPool.shutdown()} waits for it only for the login timeout (the connection
 * timeout, rounded up to seconds) without interrupting it; closing the pool of a dead server then blocked for that
 * long and logged "Timed-out waiting for add connection executor to shutdown". {@link #closing()} refuses further
 * attempts and interrupts the adder, whose loop ends on an interrupt ({@code Thread.interrupted()} is one of its
 * conditions; a backoff sleep or pgjdbc's login wait end at once).
 *
 * <p>Until the pool has read its server's default transaction isolation once, its connections carry a thin guard of
 * {@code getTransactionIsolation()}. HikariCP reads that level on the first connection it sets up, within its
 * {@code validationTimeout} (Haven's probe timeout); when that read times out on a slow or loaded server HikariCP logs
 * it, keeps a level of -1, never reads it again, and every later connection of the pool fails with "Transaction
 * isolation level -1 not supported": the pool is broken for good. The guard turns such a connection-class failure
 * ({@code 08xxx}, which HikariCP swallows there) into one HikariCP rethrows, so the connection is discarded and the
 * next one reads the level again. The first connection whose read succeeds carries the guard (a reflective hop per
 * {@code Connection} call) until it first comes back from the application: Haven then evicts it
 * ({@link #retiring(Connection)}), and the pool's connections are the driver's own from then on (a guarded connection
 * kept for its whole life cost up to 13 % of Haven's CPU per statement at 4 threads).
 */
final class ConnectFailureSignal implements DataSource, ThreadFactory {

    private final DataSource driver;
    private final Consumer<SQLException> onFailure;
    private final String poolName;
    private final AtomicInteger threads = new AtomicInteger();
    private volatile boolean closing;
    private volatile Thread adder;
    private volatile boolean isolationRead;

    ConnectFailureSignal(DataSource driver, String poolName, Consumer<SQLException> onFailure) {
        this.driver = driver;
        this.poolName = poolName;
        this.onFailure = onFailure;
    }

    /** The pool's threads, named as HikariCP names its own, and known to this pool. */
    private final class PoolThread extends Thread {
        PoolThread(Runnable r) {
            super(r, poolName + ":worker-" + threads.incrementAndGet());
            setDaemon(true);
        }

        ConnectFailureSignal owner() {
            return ConnectFailureSignal.this;
        }
    }

    @Override
    public Thread newThread(Runnable r) {
        return new PoolThread(r);
    }

    /** The pool is about to close: no new connection is made, and its adder stops retrying now. */
    void closing() {
        closing = true;
        Thread t = adder;
        if (t != null && t.isAlive()) {
            t.interrupt();
        }
    }

    private void connecting() throws SQLException {
        if (closing) {
            throw new SQLException("Pool " + poolName + " is closing", "08003");
        }
        if (Thread.currentThread() instanceof PoolThread t && t.owner() == this) {
            adder = t;
        }
    }

    private void failed(SQLException e) {
        if (!closing) {
            onFailure.accept(e);
        }
    }

    @Override
    public Connection getConnection() throws SQLException {
        connecting();
        try {
            AbortableSockets.connecting();
            Connection c = guarded(driver.getConnection());
            AbortableSockets.connected(c);
            return c;
        } catch (SQLException e) {
            failed(e);
            throw e;
        }
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        connecting();
        try {
            AbortableSockets.connecting();
            Connection c = guarded(driver.getConnection(username, password));
            AbortableSockets.connected(c);
            return c;
        } catch (SQLException e) {
            failed(e);
            throw e;
        }
    }

    /** What a guarded connection is, besides a {@link Connection}: Haven asks it whether it may retire. */
    interface Guarded {
        /** Whether the pool has read its isolation level: this connection's guard is no longer needed. */
        boolean guardDone();
    }

    /**
     * Whether {@code physical} (a pooled connection's delegate) is a guarded connection whose pool no longer needs
     * the guard: Haven evicts it rather than give it back, and the pool replaces it with an unguarded one.
     */
    static boolean retiring(Connection physical) {
        return physical instanceof Guarded g && g.guardDone();
    }

    private Connection guarded(Connection c) {
        if (isolationRead || c == null) {
            return c;
        }
        return (Connection) Proxy.newProxyInstance(Guarded.class.getClassLoader(), new Class<?>[] {Connection.class,
                Guarded.class}, (proxy, method, args) -> {
                    if (args == null) {
                        if (method.getName().equals("getTransactionIsolation")) {
                            return isolation(c);
                        }
                        if (method.getName().equals("guardDone")) {
                            return isolationRead;
                        }
                    } else if (args.length == 1 && method.getName().equals("equals")) {
                        return proxy == args[0];
                    }
                    try {
                        return method.invoke(c, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private int isolation(Connection c) throws SQLException {
        try {
            int level = c.getTransactionIsolation();
            isolationRead = true;
            return level;
        } catch (SQLException e) {
            String state = e.getSQLState();
            if (isolationRead || state == null || !state.startsWith("08")) {
                throw e;
            }
            // HikariCP swallows 08xxx here and keeps an isolation level of -1 for the pool's life: make it a failure
            // of this connection's set-up instead, so that the next connection reads the level again.
            throw new SQLException(poolName + ": the server did not tell this new connection its default transaction"
                    + " isolation (" + e.getMessage() + "); the connection is dropped and the pool asks again", "HY000", e);
        }
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return driver.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        driver.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        driver.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return driver.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return driver.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        return driver.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return iface.isInstance(this) || driver.isWrapperFor(iface);
    }
}
