package dev.haven.jdbc.internal;

import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;

/**
 * What differs between the drivers Haven speaks through, chosen by the URL's scheme: the server family (PostgreSQL or
 * MySQL/MariaDB), the driver that takes the URL, the units of its timeouts, and how a session is made to refuse writes.
 * Everything else (routing, retries, classification) is one code path.
 *
 * <ul>
 *   <li>{@code jdbc:postgresql:} pgjdbc: timeouts in seconds;</li>
 *   <li>{@code jdbc:mariadb:} MariaDB Connector/J (3.x): timeouts in milliseconds;</li>
 *   <li>{@code jdbc:mysql:} MySQL Connector/J ({@code com.mysql:mysql-connector-j}), or MariaDB Connector/J with
 *       {@code permitMysqlScheme}: timeouts in milliseconds.</li>
 * </ul>
 */
public enum SqlDialect {
    POSTGRESQL("jdbc:postgresql", "pgjdbc (org.postgresql:postgresql)"),
    MARIADB("jdbc:mariadb", "MariaDB Connector/J (org.mariadb.jdbc:mariadb-java-client)"),
    MYSQL("jdbc:mysql", "MySQL Connector/J (com.mysql:mysql-connector-j)");

    private final String scheme;
    private final String driverName;

    SqlDialect(String scheme, String driverName) {
        this.scheme = scheme;
        this.driverName = driverName;
    }

    /** The dialect of a URL scheme ({@code jdbc:postgresql}), or {@code null} for a scheme Haven has no provider for. */
    public static SqlDialect of(String scheme) {
        for (SqlDialect d : values()) {
            if (d.scheme.equals(scheme)) {
                return d;
            }
        }
        return null;
    }

    public String scheme() {
        return scheme;
    }

    /** The driver library the scheme needs, for messages. */
    public String driverName() {
        return driverName;
    }

    /** MySQL or MariaDB server. */
    public boolean mysqlFamily() {
        return this != POSTGRESQL;
    }

    /**
     * The driver that takes {@code url}: pgjdbc directly (Haven depends on it), for the MySQL family whichever
     * registered driver accepts it (the application brings MariaDB or MySQL Connector/J).
     *
     * @throws SQLException (08001) naming the library to add when no driver on the class path accepts the URL
     */
    public Driver driver(String url) throws SQLException {
        if (this == POSTGRESQL) {
            return new org.postgresql.Driver();
        }
        try {
            return DriverManager.getDriver(url);
        } catch (SQLException e) {
            throw new SQLException("no JDBC driver on the class path accepts " + scheme + ": URLs; add " + driverName,
                    "08001", e);
        }
    }

    /** A timeout in the unit of this driver's {@code connectTimeout}/{@code socketTimeout}, rounded up, at least 1. */
    public String timeoutValue(Duration d) {
        long ms = Math.max(1, d.toMillis());
        return this == POSTGRESQL ? Long.toString(Math.max(1, (ms + 999) / 1000)) : Long.toString(ms);
    }

    /**
     * Properties of a probe connection: connect, login and socket timeouts of {@code timeout}, TCP keepalive, and
     * (pgjdbc) an application name and no server-side prepared statements.
     */
    public Properties probeProperties(Duration timeout) {
        Properties p = new Properties();
        String t = timeoutValue(timeout);
        p.setProperty("connectTimeout", t);
        p.setProperty("socketTimeout", t);
        p.setProperty("tcpKeepAlive", "true");
        if (this == POSTGRESQL) {
            p.setProperty("loginTimeout", t);
            p.setProperty("ApplicationName", "haven-probe");
            p.setProperty("prepareThreshold", "0");
        }
        return p;
    }

    /**
     * Makes the session refuse writes (a read that fell back to the writer), so that re-running it elsewhere stays
     * safe: the drivers enforce {@code setReadOnly(true)} only inside transactions, or not at all.
     */
    public String enforceReadOnlySql() {
        return this == POSTGRESQL ? "SET default_transaction_read_only = on" : "SET SESSION TRANSACTION READ ONLY";
    }

    /** Undoes {@link #enforceReadOnlySql()} before the connection goes back to its pool. */
    public String resetReadOnlySql() {
        return this == POSTGRESQL ? "RESET default_transaction_read_only" : "SET SESSION TRANSACTION READ WRITE";
    }
}
