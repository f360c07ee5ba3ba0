package dev.haven.jdbc.internal;

import dev.haven.Consistency;
import dev.haven.Endpoint;
import dev.haven.HavenSession;
import dev.haven.engine.EndpointState;
import dev.haven.jdbc.HavenConnection;
import dev.haven.jdbc.HavenTransactionRolledBackException;
import dev.haven.jdbc.HavenUnavailableException;
import dev.haven.jdbc.HavenWriteOutcomeUnknownException;
import java.sql.Array;
import java.sql.Blob;
import java.sql.CallableStatement;
import java.sql.Clob;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.NClob;
import java.sql.PreparedStatement;
import java.sql.SQLClientInfoException;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.SQLXML;
import java.sql.Savepoint;
import java.sql.ShardingKey;
import java.sql.Statement;
import java.sql.Struct;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Executor;

/**
 * The application's connection: records settings until the first statement, then binds to a server
 * chosen by the router and replays them there. Handles the failure cases of the exception model:
 *
 * <ul>
 *   <li>connection lost in autocommit on a read-only connection: the statement is re-run elsewhere
 *       ({@link HavenStatement});</li>
 *   <li>connection lost in autocommit on a writer connection: {@link HavenWriteOutcomeUnknownException};</li>
 *   <li>connection lost inside a transaction: {@link HavenTransactionRolledBackException} now and on
 *       every use until the application rolls back (or turns autocommit on);</li>
 *   <li>commit lost: {@link HavenWriteOutcomeUnknownException}.</li>
 * </ul>
 *
 * <p>Hand-written delegation (the plain methods are generated from {@link Connection}) rather than a
 * reflective proxy: no argument array or reflective call per JDBC call. Not thread-safe, like any JDBC
 * connection; {@link #abortIfBoundTo} may be called from the monitor thread and only reads the volatile
 * {@code bound} field.
 */
final class ConnectionHandler implements HavenConnection {

    private final RoutingDataSource ds;

    // Recorded state, replayed at binding.
    private boolean readOnly;
    private boolean autoCommit = true;
    private Settings more; // rarely used settings, created on first use
    private Consistency consistency;
    private boolean unmarkedWrite; // a statement ran on the writer in the open transaction of a session

    private volatile RoutingDataSource.Bound bound;
    // Links of BoundConnections' intrusive list, guarded by the stripe's lock.
    Object stripe;
    ConnectionHandler prevBound;
    ConnectionHandler nextBound;
    private boolean routedAsRead;
    private boolean enforcedReadOnly;
    private boolean txBroken;
    private boolean closed;
    private String lastEndpoint = "?";
    private Endpoint lastBound; // for the failure this connection reports (HavenFailure.endpoint())

    /** Settings few connections change, kept out of the per-connection footprint. */
    private static final class Settings {
        Integer isolation;
        String catalog;
        String schema;
        Integer holdability;
        Properties clientInfo;
        SQLException txBrokenCause;
        HavenSession session; // read-your-writes, when the application attached one
        RoutingDataSource.PendingMark pendingMark; // this connection's commits not yet turned into the session's mark
    }

    ConnectionHandler(RoutingDataSource ds) {
        this.ds = ds;
        this.consistency = ds.defaultReadConsistency();
    }

    private Settings more() {
        Settings m = more;
        if (m == null) {
            m = new Settings();
            more = m;
        }
        return m;
    }

    // ---------------------------------------------------------------- HavenConnection

    @Override
    public void consistency(Consistency c) {
        if (bound != null) {
            throw new IllegalStateException("consistency must be set before the connection's first statement");
        }
        consistency = Objects.requireNonNull(c, "consistency");
    }

    @Override
    public Consistency consistency() {
        return consistency;
    }

    @Override
    public void session(HavenSession s) {
        if (s != null || more != null) {
            Settings m = more();
            if (m.session != s) {
                m.session = s;
                m.pendingMark = s == null ? null : ds.new PendingMark();
            }
        }
    }

    @Override
    public Optional<HavenSession> session() {
        return Optional.ofNullable(session0());
    }

    private HavenSession session0() {
        Settings m = more;
        return m == null ? null : m.session;
    }

    /** A statement ran successfully on the bound server: a session records where a write landed, at its commit. */
    void ran() {
        if (routedAsRead || bound == null || session0() == null) {
            return;
        }
        if (autoCommit) {
            markSession();
        } else {
            unmarkedWrite = true;
        }
    }

    private void markSession() {
        RoutingDataSource.Bound b = bound;
        unmarkedWrite = false;
        Settings m = more;
        if (b != null && m != null && m.session != null) {
            m.pendingMark.committed(m.session);
        }
    }

    @Override
    public Optional<Endpoint> endpoint() {
        RoutingDataSource.Bound b = bound;
        return b == null ? Optional.empty() : Optional.of(b.state().endpoint());
    }

    // ---------------------------------------------------------------- lifecycle and identity

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        unbind(false); // HikariCP rolls back a dirty connection when it comes back
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        return physical().unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        RoutingDataSource.Bound b = bound;
        return iface.isInstance(this) || (b != null && b.connection().isWrapperFor(iface));
    }

    @Override
    public boolean isValid(int timeout) throws SQLException {
        RoutingDataSource.Bound b = bound;
        return !closed && (b == null || b.connection().isValid(timeout));
    }

    @Override
    public void abort(Executor executor) throws SQLException {
        closed = true;
        RoutingDataSource.Bound b = bound;
        if (b != null) {
            AbortableSockets.closeSocketOf(b.connection());
            b.connection().abort(executor);
            unbind(true);
        }
    }

    @Override
    public String toString() {
        RoutingDataSource.Bound b = bound;
        return "HavenConnection[" + (b == null ? "unbound" : b.state().id()) + "]";
    }

    private void ensureOpen() throws SQLException {
        if (closed) {
            throw new SQLException("Connection is closed", "08003");
        }
    }

    /** The physical connection for a plain delegated call: open, not in a lost transaction, bound. */
    private Connection usable() throws SQLException {
        ensureOpen();
        if (txBroken) {
            throw rolledBack();
        }
        return physical();
    }

    // ---------------------------------------------------------------- recorded state

    @Override
    public void setReadOnly(boolean value) throws SQLException {
        ensureOpen();
        if (bound != null && value != readOnly) {
            if (autoCommit && !txBroken) {
                unbind(false); // between transactions: the next statement may need another server
            } else {
                bound.connection().setReadOnly(value); // the driver refuses a change inside a transaction
            }
        }
        readOnly = value;
    }

    @Override
    public boolean isReadOnly() throws SQLException {
        ensureOpen();
        return readOnly;
    }

    @Override
    public void setAutoCommit(boolean value) throws SQLException {
        ensureOpen();
        if (value && txBroken) {
            clearBroken();
        }
        RoutingDataSource.Bound b = bound;
        if (b != null) {
            try {
                b.connection().setAutoCommit(value);
            } catch (SQLException e) {
                if (SqlErrors.classify(e) != SqlErrors.Kind.CONNECTION) {
                    throw e;
                }
                boolean wasInTx = !autoCommit;
                failed(e);
                if (wasInTx && value) {
                    // setAutoCommit(true) commits an open transaction: its outcome is unknown.
                    autoCommit = true;
                    clearBroken();
                    throw new HavenWriteOutcomeUnknownException("Connection to " + lastEndpoint + " lost while committing.",
                            ds.settings().clusterName(), lastBound, e);
                }
            }
        }
        boolean committed = value && !autoCommit && unmarkedWrite;
        autoCommit = value;
        if (committed) {
            markSession(); // setAutoCommit(true) committed the open transaction
        }
    }

    @Override
    public boolean getAutoCommit() throws SQLException {
        ensureOpen();
        return autoCommit;
    }

    @Override
    public void commit() throws SQLException {
        ensureOpen();
        if (txBroken) {
            SQLException e = rolledBack();
            clearBroken();
            throw e;
        }
        RoutingDataSource.Bound b = bound;
        if (b == null) {
            return; // nothing ran: nothing to commit
        }
        try {
            b.connection().commit();
            if (unmarkedWrite) {
                markSession();
            }
        } catch (SQLException e) {
            if (SqlErrors.classify(e) == SqlErrors.Kind.CONNECTION) {
                failed(e);
                clearBroken();
                throw new HavenWriteOutcomeUnknownException("Connection to " + lastEndpoint + " lost during commit.",
                        ds.settings().clusterName(), lastBound, e);
            }
            throw e;
        }
    }

    @Override
    public void rollback() throws SQLException {
        ensureOpen();
        unmarkedWrite = false;
        if (txBroken) {
            clearBroken(); // the server already rolled it back with the connection
            return;
        }
        RoutingDataSource.Bound b = bound;
        if (b == null) {
            return;
        }
        try {
            b.connection().rollback();
        } catch (SQLException e) {
            if (SqlErrors.classify(e) != SqlErrors.Kind.CONNECTION) {
                throw e;
            }
            failed(e);
            clearBroken(); // a lost connection rolls back by itself
        }
    }

    @Override
    public void setTransactionIsolation(int level) throws SQLException {
        ensureOpen();
        more().isolation = level;
        if (bound != null) {
            bound.connection().setTransactionIsolation(level);
        }
    }

    @Override
    public int getTransactionIsolation() throws SQLException {
        if (bound == null && more != null && more.isolation != null) {
            return more.isolation;
        }
        return usable().getTransactionIsolation();
    }

    @Override
    public void setCatalog(String catalog) throws SQLException {
        ensureOpen();
        more().catalog = catalog;
        if (bound != null) {
            bound.connection().setCatalog(catalog);
        }
    }

    @Override
    public String getCatalog() throws SQLException {
        if (bound == null && more != null && more.catalog != null) {
            return more.catalog;
        }
        return usable().getCatalog();
    }

    @Override
    public void setSchema(String schema) throws SQLException {
        ensureOpen();
        more().schema = schema;
        if (bound != null) {
            bound.connection().setSchema(schema);
        }
    }

    @Override
    public String getSchema() throws SQLException {
        if (bound == null && more != null && more.schema != null) {
            return more.schema;
        }
        return usable().getSchema();
    }

    @Override
    public void setHoldability(int holdability) throws SQLException {
        ensureOpen();
        more().holdability = holdability;
        if (bound != null) {
            bound.connection().setHoldability(holdability);
        }
    }

    @Override
    public int getHoldability() throws SQLException {
        if (bound == null && more != null && more.holdability != null) {
            return more.holdability;
        }
        return usable().getHoldability();
    }

    @Override
    public void setClientInfo(String name, String value) throws SQLClientInfoException {
        Settings m = more();
        if (m.clientInfo == null) {
            m.clientInfo = new Properties();
        }
        m.clientInfo.setProperty(name, value);
        if (bound != null) {
            bound.connection().setClientInfo(name, value);
        }
    }

    @Override
    public void setClientInfo(Properties properties) throws SQLClientInfoException {
        Settings m = more();
        if (m.clientInfo == null) {
            m.clientInfo = new Properties();
        }
        m.clientInfo.putAll(properties);
        if (bound != null) {
            bound.connection().setClientInfo(properties);
        }
    }

    @Override
    public String getClientInfo(String name) throws SQLException {
        if (bound == null && more != null && more.clientInfo != null) {
            return more.clientInfo.getProperty(name);
        }
        return usable().getClientInfo(name);
    }

    @Override
    public Properties getClientInfo() throws SQLException {
        if (bound == null && more != null && more.clientInfo != null) {
            return (Properties) more.clientInfo.clone();
        }
        return usable().getClientInfo();
    }

    @Override
    public SQLWarning getWarnings() throws SQLException {
        ensureOpen();
        RoutingDataSource.Bound b = bound;
        return b == null ? null : b.connection().getWarnings();
    }

    @Override
    public void clearWarnings() throws SQLException {
        ensureOpen();
        RoutingDataSource.Bound b = bound;
        if (b != null) {
            b.connection().clearWarnings();
        }
    }

    private SQLException rolledBack() {
        return new HavenTransactionRolledBackException("Connection to " + lastEndpoint + " was lost inside the transaction;"
                + " roll back (or set autocommit) before using this connection again.", ds.settings().clusterName(), lastBound,
                more == null ? null : more.txBrokenCause);
    }

    private void clearBroken() {
        txBroken = false;
        if (more != null) {
            more.txBrokenCause = null;
        }
    }

    // ---------------------------------------------------------------- statements

    @Override
    public Statement createStatement() throws SQLException {
        return new HavenStatement(this, HavenStatement.CREATE, null, null, usable().createStatement());
    }

    @Override
    public Statement createStatement(int type, int concurrency) throws SQLException {
        return new HavenStatement(this, HavenStatement.CREATE_RS, null, new int[] {type, concurrency},
                usable().createStatement(type, concurrency));
    }

    @Override
    public Statement createStatement(int type, int concurrency, int holdability) throws SQLException {
        return new HavenStatement(this, HavenStatement.CREATE_RSH, null, new int[] {type, concurrency, holdability},
                usable().createStatement(type, concurrency, holdability));
    }

    @Override
    public PreparedStatement prepareStatement(String sql) throws SQLException {
        return new HavenPreparedStatement(this, HavenStatement.PREPARE, sql, null, usable().prepareStatement(sql));
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int autoGeneratedKeys) throws SQLException {
        return new HavenPreparedStatement(this, HavenStatement.PREPARE_KEYS, sql, new int[] {autoGeneratedKeys},
                usable().prepareStatement(sql, autoGeneratedKeys));
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int[] columnIndexes) throws SQLException {
        return new HavenPreparedStatement(this, HavenStatement.PREPARE_COLUMN_INDEXES, sql, columnIndexes.clone(),
                usable().prepareStatement(sql, columnIndexes));
    }

    @Override
    public PreparedStatement prepareStatement(String sql, String[] columnNames) throws SQLException {
        return new HavenPreparedStatement(this, HavenStatement.PREPARE_COLUMN_NAMES, sql, columnNames.clone(),
                usable().prepareStatement(sql, columnNames));
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int type, int concurrency) throws SQLException {
        return new HavenPreparedStatement(this, HavenStatement.PREPARE_RS, sql, new int[] {type, concurrency},
                usable().prepareStatement(sql, type, concurrency));
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int type, int concurrency, int holdability) throws SQLException {
        return new HavenPreparedStatement(this, HavenStatement.PREPARE_RSH, sql, new int[] {type, concurrency, holdability},
                usable().prepareStatement(sql, type, concurrency, holdability));
    }

    @Override
    public CallableStatement prepareCall(String sql) throws SQLException {
        return new HavenCallableStatement(this, HavenStatement.CALL, sql, null, usable().prepareCall(sql));
    }

    @Override
    public CallableStatement prepareCall(String sql, int type, int concurrency) throws SQLException {
        return new HavenCallableStatement(this, HavenStatement.CALL_RS, sql, new int[] {type, concurrency},
                usable().prepareCall(sql, type, concurrency));
    }

    @Override
    public CallableStatement prepareCall(String sql, int type, int concurrency, int holdability) throws SQLException {
        return new HavenCallableStatement(this, HavenStatement.CALL_RSH, sql, new int[] {type, concurrency, holdability},
                usable().prepareCall(sql, type, concurrency, holdability));
    }

    // ---------------------------------------------------------------- binding

    boolean isBound() {
        return bound != null;
    }

    boolean autoCommit() {
        return autoCommit;
    }

    boolean routedAsRead() {
        return routedAsRead;
    }

    boolean inTransaction() {
        return !autoCommit;
    }

    RoutingDataSource ds() {
        return ds;
    }

    /** The current binding (its identity changes with every bind), or {@code null}. */
    RoutingDataSource.Bound binding() {
        return bound;
    }

    EndpointState boundState() {
        RoutingDataSource.Bound b = bound;
        return b == null ? null : b.state();
    }

    Connection physical() throws SQLException {
        if (bound == null) {
            bind(null, ds.settings().ticker().nanoTime() + ds.settings().statementDeadline().toNanos());
        }
        return bound.connection();
    }

    /** Binds to a server: a replica for read-only work (per the consistency), else the writer. */
    void bind(String exclude, long deadlineNanos) throws SQLException {
        for (int attempt = 1; ; attempt++) {
            try {
                bindOnce(exclude, deadlineNanos);
            } catch (SetupFailed f) {
                // The server broke while the connection was being prepared (session settings, read-only enforcement):
                // none of the caller's work was sent. Route again, away from it; after three tries it is unavailable.
                if (attempt == 3 || ds.settings().ticker().nanoTime() - deadlineNanos >= 0) {
                    throw new dev.haven.jdbc.HavenUnavailableException("Could not prepare a connection to " + f.state.id()
                            + " (" + f.getCause().getMessage() + "); nothing was sent", ds.settings().clusterName(),
                            f.state.endpoint(), f.getCause());
                }
                exclude = f.state.id();
                continue;
            }
            RoutingDataSource.Bound b = bound;
            if (b.state().available() || attempt == 3) {
                return;
            }
            // The server left routing while we bound to it: the monitor's sweep that aborts connections to a server
            // it declares down may have run before we registered, and a statement sent now would hang on a frozen
            // server until the deadline. Nothing was sent yet: let go of it and route again.
            unbind(true); // evicts it
            exclude = b.state().id();
        }
    }

    private void bindOnce(String exclude, long deadlineNanos) throws SQLException {
        boolean read = readOnly && consistency.allowsReplica();
        RoutingDataSource.Bound b = read ? ds.acquireRead(consistency, session0(), exclude, deadlineNanos)
                : ds.acquireWrite(exclude, deadlineNanos);
        Connection c = b.connection();
        try {
            if (!autoCommit) {
                c.setAutoCommit(false);
            }
            if (readOnly) {
                c.setReadOnly(true);
            }
            Settings m = more;
            if (m != null) {
                if (m.isolation != null) {
                    c.setTransactionIsolation(m.isolation);
                }
                if (m.catalog != null) {
                    c.setCatalog(m.catalog);
                }
                if (m.schema != null) {
                    c.setSchema(m.schema);
                }
                if (m.holdability != null) {
                    c.setHoldability(m.holdability);
                }
                if (m.clientInfo != null && !m.clientInfo.isEmpty()) {
                    c.setClientInfo(m.clientInfo);
                }
            }
        } catch (SQLException e) {
            throw setupFailed(b, c, e);
        }
        enforcedReadOnly = false;
        if (read && b.state().role() == dev.haven.Role.WRITER) {
            // A read that fell back to the writer: make the server refuse writes (the driver enforces
            // read-only only inside transactions), so that re-running the statement elsewhere stays safe.
            try (Statement st = c.createStatement()) {
                st.execute(ds.dialect().enforceReadOnlySql());
                enforcedReadOnly = true;
            } catch (SQLException e) {
                throw setupFailed(b, c, e);
            }
        }
        routedAsRead = read;
        lastEndpoint = b.state().id();
        lastBound = b.state().endpoint();
        bound = b;
        ds.register(this, b);
    }

    /** Lets go of a connection whose preparation failed; a connection-class failure is a {@link SetupFailed}. */
    private SQLException setupFailed(RoutingDataSource.Bound b, Connection c, SQLException e) {
        ds.discard(b.state(), c, e);
        if (SqlErrors.classify(e) != SqlErrors.Kind.CONNECTION) {
            return e;
        }
        ds.onFailure(b.state(), e);
        return new SetupFailed(b.state(), e);
    }

    /** The server broke while a connection to it was being prepared, before any of the caller's work was sent. */
    private static final class SetupFailed extends SQLException {
        private static final long serialVersionUID = 1L;
        final transient EndpointState state;

        SetupFailed(EndpointState state, SQLException cause) {
            super(cause.getMessage(), cause.getSQLState(), cause);
            this.state = state;
        }
    }

    /**
     * Releases the physical connection: a {@code broken} one is evicted from its pool (HikariCP leaves the connections
     * Haven handles to Haven, {@link LostConnectionOverride}), any other goes back to it.
     */
    void unbind(boolean broken) {
        RoutingDataSource.Bound b = bound;
        if (b == null) {
            return;
        }
        bound = null;
        ds.unregister(this, b);
        if (broken) {
            enforcedReadOnly = false;
            ds.evict(b.state(), b.connection());
            return;
        }
        if (enforcedReadOnly) {
            try (Statement st = b.connection().createStatement()) {
                if (!b.connection().getAutoCommit()) {
                    b.connection().rollback(); // an open (maybe failed) transaction would refuse the RESET
                }
                st.execute(ds.dialect().resetReadOnlySql());
            } catch (SQLException e) {
                ds.evict(b.state(), b.connection()); // never hand a read-only session to a writer again
                enforcedReadOnly = false;
                return;
            }
        }
        enforcedReadOnly = false;
        ds.giveBack(b.state(), b.connection());
    }

    /**
     * The one place where a failure of work on this connection is classified: a statement's execution
     * ({@link HavenStatement#exec}), a result set being read ({@link HavenResultSet}) or a metadata call
     * ({@link HavenDatabaseMetaData}). A lost connection signals the monitor, counts against the breaker and
     * releases the physical connection; a read-only refusal from the writer signals the monitor.
     *
     * @param ranOn the binding the work ran on ({@code null}: unbound); work on an earlier binding (a result set
     *     read after its statement moved to another server, or after its connection failed) is the driver's
     *     business: its failure was reported when that binding failed, and the current binding is left alone
     * @param replayable whether the work returned nothing yet and can be re-created elsewhere
     * @return the exception the application gets, or {@code null} when the work may be re-run on another server
     *     (a read-only autocommit read whose connection was lost, or an autocommit write the demoted writer refused)
     */
    SQLException failure(SQLException e, RoutingDataSource.Bound ranOn, boolean replayable) {
        if (ranOn != bound) {
            return e;
        }
        SqlErrors.Kind kind = SqlErrors.classify(e);
        EndpointState on = ranOn == null ? null : ranOn.state();
        String id = on == null ? lastEndpoint : on.id();
        if (kind == SqlErrors.Kind.CONNECTION) {
            boolean readRetry = autoCommit && routedAsRead && replayable;
            boolean inTx = inTransaction();
            failed(e);
            if (inTx) {
                return new HavenTransactionRolledBackException("Connection to " + id + " lost inside a transaction.",
                        ds.settings().clusterName(), on == null ? lastEndpoint() : on.endpoint(), e);
            }
            if (!routedAsRead) {
                return new HavenWriteOutcomeUnknownException("Connection to " + id + " lost while a statement was running"
                        + " on the writer.", ds.settings().clusterName(), on == null ? lastEndpoint() : on.endpoint(), e);
            }
            if (readRetry) {
                return null;
            }
            // A read Haven cannot re-run (metadata, or a result already partly returned). Surfaced
            // as Haven's "unavailable" (08001, safe to repeat: it is a read), never as the driver's raw I/O error, whose
            // socket exception a web framework could take for a client that hung up (Spring 6.2's DisconnectedClientHelper).
            return new HavenUnavailableException("Connection to " + id + " lost during a read Haven cannot re-run (metadata, or"
                    + " a result already partly returned); a read is safe to repeat.",
                    ds.settings().clusterName(), on == null ? lastEndpoint() : on.endpoint(), e);
        }
        if (kind == SqlErrors.Kind.READ_ONLY && !routedAsRead && on != null) {
            // The "writer" refused a write: it was demoted. The statement never ran.
            ds.onReadOnlyViolation(on);
            if (inTransaction()) {
                failed(e);
                return new HavenTransactionRolledBackException("Server " + id + " is no longer the writer.",
                        ds.settings().clusterName(), on.endpoint(), e);
            }
            return replayable ? null : e;
        }
        return e;
    }

    /** A connection-class failure on the bound server: signal, release, and mark a transaction as lost. */
    void failed(SQLException e) {
        RoutingDataSource.Bound b = bound;
        if (b != null) {
            ds.onFailure(b.state(), e);
        }
        if (!autoCommit) {
            txBroken = true;
            more().txBrokenCause = e;
        }
        unbind(true);
    }

    /** Monitor thread: aborts the physical connection if it belongs to {@code endpointId} (null: any). */
    boolean abortIfBoundTo(String endpointId, Executor executor) {
        RoutingDataSource.Bound b = bound;
        if (b == null || (endpointId != null && !b.state().id().equals(endpointId))) {
            return false;
        }
        Connection c = b.connection();
        // On the abort executor, not the caller's (the monitor's) thread: MariaDB Connector/J's abort() of a connection
        // whose query is running first opens a new connection to send KILL, which against a frozen server blocks up to
        // the connect timeout; inline, one such abort held the monitor (and the EndpointDown it was about to publish)
        // for 3.3 s (MySqlFailoverIT, writer frozen at its proxy).
        try {
            executor.execute(() -> abortNow(c, executor));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            abortNow(c, Runnable::run); // shutting down: abort here
        }
        return true;
    }

    private static void abortNow(Connection c, Executor executor) {
        AbortableSockets.closeSocketOf(c); // MariaDB Connector/J: a blocked read ends now, not at its socket timeout
        try {
            c.abort(executor);
        } catch (SQLException | RuntimeException ignored) {
            // the connection may be closing already
        }
    }

    boolean txBroken() {
        return txBroken;
    }

    SQLException rolledBackException() {
        return rolledBack();
    }

    String lastEndpointId() {
        return lastEndpoint;
    }

    /** The server this connection was last bound to, or {@code null} before its first statement. */
    Endpoint lastEndpoint() {
        return lastBound;
    }

    @Override
    public void beginRequest() {
        // A pool's hint; binding here would defeat lazy routing.
    }

    @Override
    public void endRequest() {
        // see beginRequest()
    }

    // <generated by JdbcWrappers from java.sql.Connection; edit the generator, not this region>

    @Override
    public Array createArrayOf(String a0, Object[] a1) throws SQLException {
        return usable().createArrayOf(a0, a1);
    }

    @Override
    public Blob createBlob() throws SQLException {
        return usable().createBlob();
    }

    @Override
    public Clob createClob() throws SQLException {
        return usable().createClob();
    }

    @Override
    public NClob createNClob() throws SQLException {
        return usable().createNClob();
    }

    @Override
    public SQLXML createSQLXML() throws SQLException {
        return usable().createSQLXML();
    }

    @Override
    public Struct createStruct(String a0, Object[] a1) throws SQLException {
        return usable().createStruct(a0, a1);
    }

    @Override
    public DatabaseMetaData getMetaData() throws SQLException {
        return new HavenDatabaseMetaData(this, usable().getMetaData());
    }

    @Override
    public int getNetworkTimeout() throws SQLException {
        return usable().getNetworkTimeout();
    }

    @Override
    public Map<String, Class<?>> getTypeMap() throws SQLException {
        return usable().getTypeMap();
    }

    @Override
    public String nativeSQL(String a0) throws SQLException {
        return usable().nativeSQL(a0);
    }

    @Override
    public void releaseSavepoint(Savepoint a0) throws SQLException {
        usable().releaseSavepoint(a0);
    }

    @Override
    public void rollback(Savepoint a0) throws SQLException {
        usable().rollback(a0);
    }

    @Override
    public void setNetworkTimeout(Executor a0, int a1) throws SQLException {
        usable().setNetworkTimeout(a0, a1);
    }

    @Override
    public Savepoint setSavepoint() throws SQLException {
        return usable().setSavepoint();
    }

    @Override
    public Savepoint setSavepoint(String a0) throws SQLException {
        return usable().setSavepoint(a0);
    }

    @Override
    public void setShardingKey(ShardingKey a0) throws SQLException {
        usable().setShardingKey(a0);
    }

    @Override
    public void setShardingKey(ShardingKey a0, ShardingKey a1) throws SQLException {
        usable().setShardingKey(a0, a1);
    }

    @Override
    public boolean setShardingKeyIfValid(ShardingKey a0, int a1) throws SQLException {
        return usable().setShardingKeyIfValid(a0, a1);
    }

    @Override
    public boolean setShardingKeyIfValid(ShardingKey a0, ShardingKey a1, int a2) throws SQLException {
        return usable().setShardingKeyIfValid(a0, a1, a2);
    }

    @Override
    public void setTypeMap(Map<String, Class<?>> a0) throws SQLException {
        usable().setTypeMap(a0);
    }

    // </generated>
}
