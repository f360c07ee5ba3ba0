package dev.haven.benchmarks.stub;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * The stub driver as a {@link DataSource} with bean setters, for wrappers that take a target data source by class name
 * and configure it by reflection (the AWS Advanced JDBC Wrapper's {@code targetDataSourceClassName}): its connections are
 * {@link StubDriver}'s, without I/O.
 */
public final class StubDataSource implements DataSource {

    private volatile String url = StubDriver.PREFIX + "//127.0.0.1:1/db";

    public void setUrl(String url) {
        this.url = url;
    }

    public String getUrl() {
        return url;
    }

    public void setUser(String user) {
        // any user: no server
    }

    public void setPassword(String password) {
        // any password: no server
    }

    @Override
    public Connection getConnection() {
        return new StubConnection(url);
    }

    @Override
    public Connection getConnection(String username, String password) {
        return new StubConnection(url);
    }

    @Override
    public PrintWriter getLogWriter() {
        return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        // no log
    }

    @Override
    public void setLoginTimeout(int seconds) {
        // no login
    }

    @Override
    public int getLoginTimeout() {
        return 0;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException("no logging");
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws java.sql.SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        throw new java.sql.SQLException("not a wrapper of " + iface.getName());
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }
}
