package dev.haven.jdbc.internal;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.function.Consumer;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * The data source a per-server HikariCP pool makes its physical connections with: the driver's, plus a report of
 * every failed attempt. HikariCP connects in the background and tells a waiting thread nothing until its
 * {@code connectionTimeout}; this report turns "connection refused" into a passive signal the moment it happens.
 */
final class ConnectFailureSignal implements DataSource {

    private final DataSource driver;
    private final Consumer<SQLException> onFailure;

    ConnectFailureSignal(DataSource driver, Consumer<SQLException> onFailure) {
        this.driver = driver;
        this.onFailure = onFailure;
    }

    @Override
    public Connection getConnection() throws SQLException {
        try {
            return driver.getConnection();
        } catch (SQLException e) {
            onFailure.accept(e);
            throw e;
        }
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        try {
            return driver.getConnection(username, password);
        } catch (SQLException e) {
            onFailure.accept(e);
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
