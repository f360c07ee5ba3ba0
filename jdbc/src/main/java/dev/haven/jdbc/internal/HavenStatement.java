package dev.haven.jdbc.internal;

import dev.haven.engine.Attempts;
import dev.haven.engine.EndpointState;
import dev.haven.jdbc.HavenTransactionRolledBackException;
import dev.haven.jdbc.HavenWriteOutcomeUnknownException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A statement that knows what to do when its server goes away mid-call.
 *
 * <p>On a read-only autocommit connection, a statement that fails with a connection-class error has
 * returned nothing to the application, so it is re-run on another server: the statement is re-created
 * from the same SQL, its recorded parameters and settings are replayed, and it executes again, bounded
 * under the engine's {@link Attempts}: the retry attempts, the retry budget and the statement deadline, with
 * full-jitter backoff.
 *
 * <p>An autocommit write rejected by a demoted writer (PostgreSQL 25006) never ran, so it is sent to the
 * new writer the same way. Every other connection failure of a write surfaces as
 * {@link HavenWriteOutcomeUnknownException} (autocommit) or {@link HavenTransactionRolledBackException}
 * (inside a transaction): never re-sent.
 *
 * <p>Hand-written delegation (the plain methods are generated from the {@code java.sql} interfaces)
 * rather than a reflective proxy: no argument array or reflective call per JDBC call. Not thread-safe,
 * like any JDBC statement.
 */
class HavenStatement implements Statement {

    /** One recorded call, replayed on a re-created statement. */
    @FunctionalInterface
    interface Call {
        void apply(Statement s) throws SQLException;
    }

    /** One execution, re-run on a re-created statement. */
    @FunctionalInterface
    interface Exec<T> {
        T run(Statement s) throws SQLException;
    }

    // How the statement was created, to create it again on another server.
    static final byte CREATE = 0, CREATE_RS = 1, CREATE_RSH = 2, PREPARE = 3, PREPARE_KEYS = 4, PREPARE_COLUMN_INDEXES = 5,
            PREPARE_COLUMN_NAMES = 6, PREPARE_RS = 7, PREPARE_RSH = 8, CALL = 9, CALL_RS = 10, CALL_RSH = 11;

    final ConnectionHandler conn;
    private final byte kind;
    private final String sql;
    private final Object extra;
    Statement real;
    /** Calls are recorded only in autocommit: the only mode in which a statement is ever re-run. */
    final boolean record;
    private boolean replayable = true;
    private Call[] recorded;
    private int recordedLength;

    HavenStatement(ConnectionHandler conn, byte kind, String sql, Object extra, Statement real) {
        this.conn = conn;
        this.kind = kind;
        this.sql = sql;
        this.extra = extra;
        this.real = real;
        this.record = conn.autoCommit();
    }

    final void record(Call call) {
        if (recorded == null) {
            recorded = new Call[2]; // most statements have one or two parameters
        } else if (recordedLength == recorded.length) {
            recorded = Arrays.copyOf(recorded, recordedLength * 2);
        }
        recorded[recordedLength++] = call;
    }

    final void notReplayable() {
        replayable = false;
    }

    static Statement create(Connection c, byte kind, String sql, Object extra) throws SQLException {
        int[] x = extra instanceof int[] ints ? ints : null;
        switch (kind) {
            case CREATE: return c.createStatement();
            case CREATE_RS: return c.createStatement(x[0], x[1]);
            case CREATE_RSH: return c.createStatement(x[0], x[1], x[2]);
            case PREPARE: return c.prepareStatement(sql);
            case PREPARE_KEYS: return c.prepareStatement(sql, x[0]);
            case PREPARE_COLUMN_INDEXES: return c.prepareStatement(sql, x);
            case PREPARE_COLUMN_NAMES: return c.prepareStatement(sql, (String[]) extra);
            case PREPARE_RS: return c.prepareStatement(sql, x[0], x[1]);
            case PREPARE_RSH: return c.prepareStatement(sql, x[0], x[1], x[2]);
            case CALL: return c.prepareCall(sql);
            case CALL_RS: return c.prepareCall(sql, x[0], x[1]);
            case CALL_RSH: return c.prepareCall(sql, x[0], x[1], x[2]);
            default: throw new IllegalArgumentException("statement kind " + kind);
        }
    }

    final <T> T exec(Exec<T> exec) throws SQLException {
        if (conn.txBroken()) {
            throw conn.rolledBackException();
        }
        RoutingDataSource ds = conn.ds();
        long start = ds.settings().ticker().nanoTime();
        ds.budget().onRequest();
        Attempts attempts = null; // the engine's retry state, made at the first failure: nothing allocated until then
        while (true) {
            RoutingDataSource.Bound ranOn = conn.binding();
            EndpointState on = ranOn == null ? null : ranOn.state();
            try {
                T result = exec.run(real);
                conn.ran();
                if (on != null) {
                    long now = ds.settings().ticker().nanoTime();
                    on.breakerSuccess(now - start);
                    on.answered(now);
                }
                return result;
            } catch (SQLException e) {
                String id = on == null ? conn.lastEndpointId() : on.id();
                SQLException thrown = conn.failure(e, ranOn, record && replayable);
                if (thrown != null) {
                    throw thrown;
                }
                if (attempts == null) {
                    attempts = Attempts.afterFirstFailure(ds.settings().retryPolicy(), ds.budget(), ds.settings().ticker(), start);
                }
                if (!attempts.mayRetry()) {
                    throw e;
                }
                conn.unbind(false); // a demoted writer is left for the new one (after a lost connection: unbound already)
                retryOn(on, id, attempts, e);
            }
        }
    }

    private void retryOn(EndpointState failed, String failedId, Attempts attempts, SQLException cause) throws SQLException {
        RoutingDataSource ds = conn.ds();
        Duration backoff = Duration.ofNanos(attempts.backoffNanos(ThreadLocalRandom.current().nextDouble()));
        if (failed != null) {
            ds.retried(failed, attempts.retries(), backoff, cause);
        }
        RoutingDataSource.sleep(backoff);
        try {
            real.close();
        } catch (SQLException ignored) {
            // its connection is gone
        }
        conn.bind(failedId, attempts.deadline());
        real = create(conn.physical(), kind, sql, extra);
        for (int k = 0; k < recordedLength; k++) {
            recorded[k].apply(real);
        }
    }

    // ---------------------------------------------------------------- identity

    @Override
    public final Connection getConnection() {
        return conn;
    }

    @Override
    public void close() throws SQLException {
        real.close();
    }

    @Override
    public boolean isClosed() throws SQLException {
        return real.isClosed();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        return real.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return iface.isInstance(this) || real.isWrapperFor(iface);
    }

    @Override
    public String toString() {
        return "HavenStatement[" + real + "]";
    }

    /** Haven's result set over the driver's: a connection lost while it is read is classified like a statement failure. */
    final ResultSet resultSet(ResultSet rs) {
        return rs == null ? null : new HavenResultSet(this, rs, conn.binding());
    }

    // <generated by JdbcWrappers from java.sql.Statement; edit the generator, not this region>

    @Override
    public void addBatch(String a0) throws SQLException {
        if (record) {
            record(s -> s.addBatch(a0));
        }
        real.addBatch(a0);
    }

    @Override
    public void cancel() throws SQLException {
        real.cancel();
    }

    @Override
    public void clearBatch() throws SQLException {
        if (record) {
            record(s -> s.clearBatch());
        }
        real.clearBatch();
    }

    @Override
    public void clearWarnings() throws SQLException {
        if (record) {
            record(s -> s.clearWarnings());
        }
        real.clearWarnings();
    }

    @Override
    public void closeOnCompletion() throws SQLException {
        if (record) {
            record(s -> s.closeOnCompletion());
        }
        real.closeOnCompletion();
    }

    @Override
    public String enquoteIdentifier(String a0, boolean a1) throws SQLException {
        return real.enquoteIdentifier(a0, a1);
    }

    @Override
    public String enquoteLiteral(String a0) throws SQLException {
        return real.enquoteLiteral(a0);
    }

    @Override
    public String enquoteNCharLiteral(String a0) throws SQLException {
        return real.enquoteNCharLiteral(a0);
    }

    @Override
    public boolean execute(String a0) throws SQLException {
        return exec(s -> s.execute(a0));
    }

    @Override
    public boolean execute(String a0, int[] a1) throws SQLException {
        return exec(s -> s.execute(a0, a1));
    }

    @Override
    public boolean execute(String a0, String[] a1) throws SQLException {
        return exec(s -> s.execute(a0, a1));
    }

    @Override
    public boolean execute(String a0, int a1) throws SQLException {
        return exec(s -> s.execute(a0, a1));
    }

    @Override
    public int[] executeBatch() throws SQLException {
        return exec(s -> s.executeBatch());
    }

    @Override
    public long[] executeLargeBatch() throws SQLException {
        return exec(s -> s.executeLargeBatch());
    }

    @Override
    public long executeLargeUpdate(String a0) throws SQLException {
        return exec(s -> s.executeLargeUpdate(a0));
    }

    @Override
    public long executeLargeUpdate(String a0, int[] a1) throws SQLException {
        return exec(s -> s.executeLargeUpdate(a0, a1));
    }

    @Override
    public long executeLargeUpdate(String a0, String[] a1) throws SQLException {
        return exec(s -> s.executeLargeUpdate(a0, a1));
    }

    @Override
    public long executeLargeUpdate(String a0, int a1) throws SQLException {
        return exec(s -> s.executeLargeUpdate(a0, a1));
    }

    @Override
    public ResultSet executeQuery(String a0) throws SQLException {
        return resultSet(exec(s -> s.executeQuery(a0)));
    }

    @Override
    public int executeUpdate(String a0) throws SQLException {
        return exec(s -> s.executeUpdate(a0));
    }

    @Override
    public int executeUpdate(String a0, int[] a1) throws SQLException {
        return exec(s -> s.executeUpdate(a0, a1));
    }

    @Override
    public int executeUpdate(String a0, String[] a1) throws SQLException {
        return exec(s -> s.executeUpdate(a0, a1));
    }

    @Override
    public int executeUpdate(String a0, int a1) throws SQLException {
        return exec(s -> s.executeUpdate(a0, a1));
    }

    @Override
    public int getFetchDirection() throws SQLException {
        return real.getFetchDirection();
    }

    @Override
    public int getFetchSize() throws SQLException {
        return real.getFetchSize();
    }

    @Override
    public ResultSet getGeneratedKeys() throws SQLException {
        return resultSet(real.getGeneratedKeys());
    }

    @Override
    public long getLargeMaxRows() throws SQLException {
        return real.getLargeMaxRows();
    }

    @Override
    public long getLargeUpdateCount() throws SQLException {
        return real.getLargeUpdateCount();
    }

    @Override
    public int getMaxFieldSize() throws SQLException {
        return real.getMaxFieldSize();
    }

    @Override
    public int getMaxRows() throws SQLException {
        return real.getMaxRows();
    }

    @Override
    public boolean getMoreResults() throws SQLException {
        return real.getMoreResults();
    }

    @Override
    public boolean getMoreResults(int a0) throws SQLException {
        return real.getMoreResults(a0);
    }

    @Override
    public int getQueryTimeout() throws SQLException {
        return real.getQueryTimeout();
    }

    @Override
    public ResultSet getResultSet() throws SQLException {
        return resultSet(real.getResultSet());
    }

    @Override
    public int getResultSetConcurrency() throws SQLException {
        return real.getResultSetConcurrency();
    }

    @Override
    public int getResultSetHoldability() throws SQLException {
        return real.getResultSetHoldability();
    }

    @Override
    public int getResultSetType() throws SQLException {
        return real.getResultSetType();
    }

    @Override
    public int getUpdateCount() throws SQLException {
        return real.getUpdateCount();
    }

    @Override
    public SQLWarning getWarnings() throws SQLException {
        return real.getWarnings();
    }

    @Override
    public boolean isCloseOnCompletion() throws SQLException {
        return real.isCloseOnCompletion();
    }

    @Override
    public boolean isPoolable() throws SQLException {
        return real.isPoolable();
    }

    @Override
    public boolean isSimpleIdentifier(String a0) throws SQLException {
        return real.isSimpleIdentifier(a0);
    }

    @Override
    public void setCursorName(String a0) throws SQLException {
        if (record) {
            record(s -> s.setCursorName(a0));
        }
        real.setCursorName(a0);
    }

    @Override
    public void setEscapeProcessing(boolean a0) throws SQLException {
        if (record) {
            record(s -> s.setEscapeProcessing(a0));
        }
        real.setEscapeProcessing(a0);
    }

    @Override
    public void setFetchDirection(int a0) throws SQLException {
        if (record) {
            record(s -> s.setFetchDirection(a0));
        }
        real.setFetchDirection(a0);
    }

    @Override
    public void setFetchSize(int a0) throws SQLException {
        if (record) {
            record(s -> s.setFetchSize(a0));
        }
        real.setFetchSize(a0);
    }

    @Override
    public void setLargeMaxRows(long a0) throws SQLException {
        if (record) {
            record(s -> s.setLargeMaxRows(a0));
        }
        real.setLargeMaxRows(a0);
    }

    @Override
    public void setMaxFieldSize(int a0) throws SQLException {
        if (record) {
            record(s -> s.setMaxFieldSize(a0));
        }
        real.setMaxFieldSize(a0);
    }

    @Override
    public void setMaxRows(int a0) throws SQLException {
        if (record) {
            record(s -> s.setMaxRows(a0));
        }
        real.setMaxRows(a0);
    }

    @Override
    public void setPoolable(boolean a0) throws SQLException {
        if (record) {
            record(s -> s.setPoolable(a0));
        }
        real.setPoolable(a0);
    }

    @Override
    public void setQueryTimeout(int a0) throws SQLException {
        if (record) {
            record(s -> s.setQueryTimeout(a0));
        }
        real.setQueryTimeout(a0);
    }

    // </generated>
}
