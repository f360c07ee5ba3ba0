package dev.haven.benchmarks.stub;

import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverPropertyInfo;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Properties;
import java.util.logging.Logger;

/**
 * A JDBC driver that does no I/O: every connection answers any query with one row holding the integer 1,
 * so a benchmark over it measures only what sits between the application and the driver (HikariCP,
 * Haven's routing and proxies).
 *
 * <p>It accepts every {@code jdbc:postgresql:} URL, because Haven builds per-server PostgreSQL URLs. It is
 * deliberately <em>not</em> registered with {@link java.sql.DriverManager} (no static initializer, no
 * {@code META-INF/services} entry), so it never shadows pgjdbc in the same JVM; HikariCP instantiates it
 * from {@code driverClassName}.
 *
 * <pre>{@code
 * HikariConfig config = new HikariConfig();
 * config.setDriverClassName(StubDriver.class.getName());
 * config.setJdbcUrl("jdbc:postgresql://127.0.0.1:1/db");
 * }</pre>
 */
public final class StubDriver implements Driver {

    static final String PREFIX = "jdbc:postgresql:";

    @Override
    public Connection connect(String url, Properties info) {
        return acceptsURL(url) ? new StubConnection(url) : null; // null: "not my URL", per the Driver contract
    }

    @Override
    public boolean acceptsURL(String url) {
        return url != null && url.startsWith(PREFIX);
    }

    @Override
    public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) {
        return new DriverPropertyInfo[0];
    }

    @Override
    public int getMajorVersion() {
        return 1;
    }

    @Override
    public int getMinorVersion() {
        return 0;
    }

    @Override
    public boolean jdbcCompliant() {
        return false;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException("StubDriver does not log");
    }
}
