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
 * The probe connections of a built-in topology provider: one dedicated connection per endpoint (not from the
 * application's pools, so an exhausted pool cannot hide a live server), opened with the probe timeout in the driver's
 * units ({@link SqlDialect}), tried once more on a fresh connection when a cached one was cut, aborted when a probe
 * times out. Subclasses say what to ask ({@link #probeSql}, or {@link #ask} for more than one statement).
 */
abstract class SqlProbes implements TopologyProvider {

    final JdbcUrl url;
    private final Executor abortExecutor;
    private final SqlDialect dialect;
    private final Map<String, Connection> connections = new ConcurrentHashMap<>();

    private final ConnectionCredentials credentials;

    protected SqlProbes(JdbcUrl url, ConnectionCredentials credentials, Executor abortExecutor) {
        this.url = url;
        this.credentials = credentials;
        this.abortExecutor = abortExecutor;
        this.dialect = url.dialect();
    }

    /** The probe query: one row. */
    abstract String probeSql();

    /** A configuration error the servers' answers revealed (e.g. a home region the database does not have), or null. */
    String configurationError() {
        return null;
    }

    /** The probe's answer from {@code endpoint}: the query's row ({@code rs} is on it), taken in {@code roundTripNanos}. */
    abstract Probe read(Endpoint endpoint, ResultSet rs, long roundTripNanos) throws SQLException;

    /** Asks {@code endpoint} over its probe connection {@code c}, within {@code timeout}. */
    private Probe query(Endpoint endpoint, Connection c, Duration timeout) throws SQLException {
        c.setNetworkTimeout(abortExecutor, (int) Math.max(1, timeout.toMillis()));
        try (Statement st = c.createStatement()) {
            return ask(endpoint, st);
        }
    }

    /** The probe: by default {@link #probeSql()}'s one row, read by {@link #read}, timing the query alone. */
    Probe ask(Endpoint endpoint, Statement st) throws SQLException {
        long start = System.nanoTime();
        try (ResultSet rs = st.executeQuery(probeSql())) {
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
        Properties p = dialect.probeProperties(timeout);
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
            throw new SQLException(dialect.driverName() + " did not accept the URL for " + endpoint.address(), "08001");
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
        String target = url.forEndpoint(endpoint);
        return dialect.driver(target).connect(target, p);
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
