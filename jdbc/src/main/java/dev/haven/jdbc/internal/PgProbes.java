package dev.haven.jdbc.internal;

import dev.haven.Endpoint;
import dev.haven.spi.Probe;
import dev.haven.spi.TopologyProvider;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * The probe connections of a PostgreSQL-family topology provider: one dedicated connection per endpoint (not from the
 * application's pools, so an exhausted pool cannot hide a live server), opened with the probe timeout, tried once more
 * on a fresh connection when a cached one was cut, aborted when a probe times out. Subclasses say what to ask
 * ({@link #query}).
 */
abstract class PgProbes implements TopologyProvider {

    final JdbcUrl url;
    private final Properties baseProps;
    private final Executor abortExecutor;
    private final org.postgresql.Driver driver = new org.postgresql.Driver();
    private final Map<String, Connection> connections = new ConcurrentHashMap<>();

    private final ConnectionCredentials credentials;

    protected PgProbes(JdbcUrl url, ConnectionCredentials credentials, Executor abortExecutor) {
        this.url = url;
        this.credentials = credentials;
        this.abortExecutor = abortExecutor;
        this.baseProps = new Properties();
        baseProps.setProperty("ApplicationName", "haven-probe");
        baseProps.setProperty("tcpKeepAlive", "true");
        baseProps.setProperty("prepareThreshold", "0");
    }

    /** The probe query: one row. */
    abstract String probeSql();

    /** A configuration error the servers' answers revealed (e.g. a home region the database does not have), or null. */
    String configurationError() {
        return null;
    }

    /** The probe's answer from {@code endpoint}: the query's row ({@code rs} is on it), taken in {@code roundTripNanos}. */
    abstract Probe read(Endpoint endpoint, ResultSet rs, long roundTripNanos) throws SQLException;

    /** Asks {@code endpoint} over its probe connection {@code c}, within {@code timeout}; times the query alone. */
    private Probe query(Endpoint endpoint, Connection c, Duration timeout) throws SQLException {
        c.setNetworkTimeout(abortExecutor, (int) Math.max(1, timeout.toMillis()));
        long start = System.nanoTime();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(probeSql())) {
            long roundTrip = System.nanoTime() - start;
            rs.next();
            return read(endpoint, rs, roundTrip);
        }
    }

    @Override
    public final Probe probe(Endpoint endpoint, Duration timeout) throws SQLException {
        long start = System.nanoTime();
        Connection c = connections.get(endpoint.id());
        if (c != null) {
            try {
                return query(endpoint, c, timeout);
            } catch (SQLException e) {
                discard(endpoint);
                // A cached probe connection may have been cut (idle timeout, NAT, a reset) while the server is
                // fine: try once more on a fresh one within the same timeout before calling the server down.
                Duration left = timeout.minusNanos(System.nanoTime() - start);
                if (SqlErrors.classify(e) != SqlErrors.Kind.CONNECTION || left.toMillis() < 20) {
                    throw e;
                }
                timeout = left;
            }
        }
        c = open(endpoint, timeout);
        connections.put(endpoint.id(), c);
        try {
            return query(endpoint, c, timeout);
        } catch (SQLException | RuntimeException e) {
            discard(endpoint);
            throw e;
        }
    }

    /** A new probe connection to {@code endpoint}: connect, login and socket timeouts of {@code timeout}. */
    final Connection open(Endpoint endpoint, Duration timeout) throws SQLException {
        Properties p = new Properties();
        p.putAll(baseProps);
        int seconds = (int) Math.max(1, (timeout.toMillis() + 999) / 1000);
        p.setProperty("connectTimeout", Integer.toString(seconds));
        p.setProperty("loginTimeout", Integer.toString(seconds));
        p.setProperty("socketTimeout", Integer.toString(seconds));
        Connection c;
        try {
            c = connect(endpoint, p);
        } catch (SQLException e) {
            if (!ConnectionCredentials.loginRefused(e)) {
                throw e;
            }
            // A rotated secret, an expired token: the server is up and refused what we had. Once more with
            // credentials fetched anew, rather than calling a healthy server down (which aborts its connections).
            credentials.refused(endpoint.id());
            c = connect(endpoint, p);
        }
        if (c == null) {
            throw new SQLException("pgjdbc did not accept the URL for " + endpoint.address(), "08001");
        }
        c.setAutoCommit(true);
        return c;
    }

    private Connection connect(Endpoint endpoint, Properties p) throws SQLException {
        com.zaxxer.hikari.util.Credentials login = credentials.get(endpoint);
        if (login.getUsername() != null) {
            p.setProperty("user", login.getUsername());
        }
        if (login.getPassword() != null) {
            p.setProperty("password", login.getPassword());
        }
        return driver.connect(url.forEndpoint(endpoint), p);
    }

    @Override
    public void discard(Endpoint endpoint) {
        Connection c = connections.remove(endpoint.id());
        if (c != null) {
            try {
                c.abort(abortExecutor);
            } catch (SQLException | RuntimeException ignored) {
                // best effort: the socket is closed either way
            }
        }
    }

    @Override
    public void close() {
        for (String id : List.copyOf(connections.keySet())) {
            Connection c = connections.remove(id);
            if (c != null) {
                try {
                    c.close();
                } catch (SQLException ignored) {
                    // closing anyway
                }
            }
        }
    }
}
