package dev.haven.jdbc.internal;

import java.io.PrintWriter;
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
 */
final class ConnectFailureSignal implements DataSource, ThreadFactory {

    private final DataSource driver;
    private final Consumer<SQLException> onFailure;
    private final String poolName;
    private final AtomicInteger threads = new AtomicInteger();
    private volatile boolean closing;
    private volatile Thread adder;

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
            return driver.getConnection();
        } catch (SQLException e) {
            failed(e);
            throw e;
        }
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        connecting();
        try {
            return driver.getConnection(username, password);
        } catch (SQLException e) {
            failed(e);
            throw e;
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
