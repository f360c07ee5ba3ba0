package dev.haven.jdbc.internal;

import dev.haven.Consistency;
import dev.haven.Endpoint;
import dev.haven.internal.EndpointState;
import dev.haven.jdbc.HavenTransactionRolledBackException;
import dev.haven.jdbc.HavenWriteOutcomeUnknownException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Executor;

/**
 * The application's connection: records settings until the first statement, then binds to a server
 * chosen by the router and replays them there. Handles the failure cases of the exception model:
 *
 * <ul>
 *   <li>connection lost in autocommit on a read-only connection: the statement is re-run elsewhere
 *       ({@link StatementHandler});</li>
 *   <li>connection lost in autocommit on a writer connection: {@link HavenWriteOutcomeUnknownException};</li>
 *   <li>connection lost inside a transaction: {@link HavenTransactionRolledBackException} now and on
 *       every use until the application rolls back (or turns autocommit on);</li>
 *   <li>commit lost: {@link HavenWriteOutcomeUnknownException}.</li>
 * </ul>
 *
 * <p>Not thread-safe, like any JDBC connection; {@link #abortIfBoundTo} may be called from the
 * monitor thread and only touches the volatile {@code bound} field.
 */
final class ConnectionHandler implements InvocationHandler {

    private final RoutingDataSource ds;
    private Object proxy;

    // Recorded state, replayed at binding.
    private boolean readOnly;
    private boolean autoCommit = true;
    private Integer isolation;
    private String catalog;
    private String schema;
    private Integer holdability;
    private Properties clientInfo; // rarely used: created on first setClientInfo
    private Consistency consistency;

    private volatile RoutingDataSource.Bound bound;
    // Links of BoundConnections' intrusive list, guarded by the stripe's lock.
    Object stripe;
    ConnectionHandler prevBound;
    ConnectionHandler nextBound;
    private boolean routedAsRead;
    private boolean enforcedReadOnly;
    private boolean txBroken;
    private SQLException txBrokenCause;
    private boolean closed;

    ConnectionHandler(RoutingDataSource ds) {
        this.ds = ds;
        this.consistency = ds.defaultReadConsistency();
    }

    @Override
    public Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
        this.proxy = proxy;
        String name = m.getName();
        switch (name) {
            case "close":
                close();
                return null;
            case "isClosed":
                return closed;
            case "toString":
                return "HavenConnection[" + (bound == null ? "unbound" : bound.state().id()) + "]";
            case "hashCode":
                return System.identityHashCode(proxy);
            case "equals":
                return proxy == args[0];
            case "unwrap": {
                Class<?> iface = (Class<?>) args[0];
                if (iface.isInstance(proxy)) {
                    return proxy;
                }
                return physical().unwrap(iface);
            }
            case "isWrapperFor": {
                Class<?> iface = (Class<?>) args[0];
                return iface.isInstance(proxy) || (bound != null && bound.connection().isWrapperFor(iface));
            }
            case "consistency":
                if (args == null) {
                    return consistency;
                }
                if (bound != null) {
                    throw new IllegalStateException("consistency must be set before the connection's first statement");
                }
                consistency = java.util.Objects.requireNonNull((Consistency) args[0], "consistency");
                return null;
            case "endpoint":
                return bound == null ? Optional.empty() : Optional.of(bound.state().endpoint());
            default:
                break;
        }
        ensureOpen();
        switch (name) {
            case "setReadOnly":
                return setReadOnly((Boolean) args[0]);
            case "isReadOnly":
                return readOnly;
            case "setAutoCommit":
                return setAutoCommit((Boolean) args[0]);
            case "getAutoCommit":
                return autoCommit;
            case "commit":
                commit();
                return null;
            case "rollback":
                if (args == null) {
                    rollback();
                    return null;
                }
                break;
            case "setTransactionIsolation":
                isolation = (Integer) args[0];
                return delegateIfBound(m, args);
            case "getTransactionIsolation":
                if (isolation != null && bound == null) {
                    return isolation;
                }
                break;
            case "setCatalog":
                catalog = (String) args[0];
                return delegateIfBound(m, args);
            case "getCatalog":
                if (catalog != null && bound == null) {
                    return catalog;
                }
                break;
            case "setSchema":
                schema = (String) args[0];
                return delegateIfBound(m, args);
            case "getSchema":
                if (schema != null && bound == null) {
                    return schema;
                }
                break;
            case "setHoldability":
                holdability = (Integer) args[0];
                return delegateIfBound(m, args);
            case "getHoldability":
                if (holdability != null && bound == null) {
                    return holdability;
                }
                break;
            case "setClientInfo":
                if (clientInfo == null) {
                    clientInfo = new Properties();
                }
                if (args.length == 2) {
                    clientInfo.setProperty((String) args[0], (String) args[1]);
                } else {
                    clientInfo.putAll((Properties) args[0]);
                }
                if (bound != null) {
                    invokeOn(bound.connection(), m, args);
                }
                return null;
            case "getWarnings":
                return bound == null ? null : invokeOn(bound.connection(), m, args);
            case "clearWarnings":
                return delegateIfBound(m, args);
            case "isValid":
                return bound == null || (Boolean) invokeOn(bound.connection(), m, args);
            case "abort":
                closed = true;
                RoutingDataSource.Bound b = bound;
                if (b != null) {
                    b.connection().abort((Executor) args[0]);
                    unbind(false);
                }
                return null;
            case "createStatement":
            case "prepareStatement":
            case "prepareCall":
                return newStatement(m, args);
            default:
                break;
        }
        if (txBroken) {
            throw rolledBack();
        }
        return invokeOn(physical(), m, args);
    }

    // ---------------------------------------------------------------- state

    private Object setReadOnly(boolean value) throws SQLException {
        if (bound != null && value != readOnly) {
            if (autoCommit && !txBroken) {
                // Between transactions: the next statement may need another server.
                unbind(false);
            } else {
                bound.connection().setReadOnly(value); // the driver refuses a change inside a transaction
            }
        }
        readOnly = value;
        return null;
    }

    private Object setAutoCommit(boolean value) throws SQLException {
        if (value && txBroken) {
            clearBroken();
        }
        if (bound != null) {
            try {
                bound.connection().setAutoCommit(value);
            } catch (SQLException e) {
                if (SqlErrors.classify(e) != SqlErrors.Kind.CONNECTION) {
                    throw e;
                }
                boolean wasInTx = !autoCommit;
                failed(e);
                if (wasInTx && value) {
                    // setAutoCommit(true) commits an open transaction: its outcome is unknown.
                    autoCommit = value;
                    throw new HavenWriteOutcomeUnknownException("Connection to " + lastEndpoint + " lost while committing.", e);
                }
            }
        }
        autoCommit = value;
        return null;
    }

    private String lastEndpoint = "?";

    private void commit() throws SQLException {
        if (txBroken) {
            SQLException e = rolledBack();
            clearBroken();
            throw e;
        }
        if (bound == null) {
            return; // nothing ran: nothing to commit
        }
        try {
            bound.connection().commit();
        } catch (SQLException e) {
            if (SqlErrors.classify(e) == SqlErrors.Kind.CONNECTION) {
                failed(e);
                throw new HavenWriteOutcomeUnknownException("Connection to " + lastEndpoint + " lost during commit.", e);
            }
            throw e;
        }
    }

    private void rollback() throws SQLException {
        if (txBroken) {
            clearBroken(); // the server already rolled it back with the connection
            return;
        }
        if (bound == null) {
            return;
        }
        try {
            bound.connection().rollback();
        } catch (SQLException e) {
            if (SqlErrors.classify(e) != SqlErrors.Kind.CONNECTION) {
                throw e;
            }
            failed(e); // a lost connection rolls back by itself
        }
    }

    private Object delegateIfBound(Method m, Object[] args) throws Throwable {
        return bound == null ? null : invokeOn(bound.connection(), m, args);
    }

    private void ensureOpen() throws SQLException {
        if (closed) {
            throw new SQLException("Connection is closed", "08003");
        }
    }

    private SQLException rolledBack() {
        return new HavenTransactionRolledBackException("Connection to " + lastEndpoint + " was lost inside the transaction;"
                + " roll back (or set autocommit) before using this connection again.", txBrokenCause);
    }

    private void clearBroken() {
        txBroken = false;
        txBrokenCause = null;
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

    Object proxy() {
        return proxy;
    }

    RoutingDataSource ds() {
        return ds;
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
        boolean read = readOnly && consistency.allowsReplica();
        RoutingDataSource.Bound b = read ? ds.acquireRead(consistency, exclude, deadlineNanos)
                : ds.acquireWrite(exclude, deadlineNanos);
        Connection c = b.connection();
        try {
            if (!autoCommit) {
                c.setAutoCommit(false);
            }
            if (readOnly) {
                c.setReadOnly(true);
            }
            if (isolation != null) {
                c.setTransactionIsolation(isolation);
            }
            if (catalog != null) {
                c.setCatalog(catalog);
            }
            if (schema != null) {
                c.setSchema(schema);
            }
            if (holdability != null) {
                c.setHoldability(holdability);
            }
            if (clientInfo != null && !clientInfo.isEmpty()) {
                c.setClientInfo(clientInfo);
            }
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        enforcedReadOnly = false;
        if (read && b.state().role() == dev.haven.Role.WRITER) {
            // A read that fell back to the writer: make the server refuse writes (the driver enforces
            // read-only only inside transactions), so that re-running the statement elsewhere stays safe.
            try (Statement st = c.createStatement()) {
                st.execute("SET default_transaction_read_only = on");
                enforcedReadOnly = true;
            } catch (SQLException e) {
                c.close();
                throw e;
            }
        }
        routedAsRead = read;
        lastEndpoint = b.state().id();
        bound = b;
        ds.register(this, b.state());
    }

    /** Releases the physical connection; {@code broken} ones are evicted by HikariCP from the SQLState already. */
    void unbind(boolean broken) {
        RoutingDataSource.Bound b = bound;
        if (b == null) {
            return;
        }
        bound = null;
        ds.unregister(this, b.state());
        if (enforcedReadOnly && !broken) {
            try (Statement st = b.connection().createStatement()) {
                if (!b.connection().getAutoCommit()) {
                    b.connection().rollback(); // an open (maybe failed) transaction would refuse the RESET
                }
                st.execute("RESET default_transaction_read_only");
            } catch (SQLException e) {
                ds.evict(b.state(), b.connection()); // never hand a read-only session to a writer again
                enforcedReadOnly = false;
                return;
            }
        }
        enforcedReadOnly = false;
        try {
            b.connection().close();
        } catch (SQLException ignored) {
            // returning a broken connection: the pool evicts it
        }
    }

    /** A connection-class failure on the bound server: signal, release, and mark a transaction as lost. */
    void failed(SQLException e) {
        RoutingDataSource.Bound b = bound;
        if (b != null) {
            ds.onFailure(b.state(), e);
        }
        if (!autoCommit) {
            txBroken = true;
            txBrokenCause = e;
        }
        unbind(true);
    }

    /** Monitor thread: aborts the physical connection if it belongs to {@code endpointId} (null: any). */
    boolean abortIfBoundTo(String endpointId, Executor executor) {
        RoutingDataSource.Bound b = bound;
        if (b == null || (endpointId != null && !b.state().id().equals(endpointId))) {
            return false;
        }
        try {
            b.connection().abort(executor);
        } catch (SQLException | RuntimeException ignored) {
            // the connection may be closing already
        }
        return true;
    }

    private void close() {
        if (closed) {
            return;
        }
        closed = true;
        RoutingDataSource.Bound b = bound;
        if (b != null && !autoCommit && !txBroken) {
            // JDBC leaves it to the driver; HikariCP rolls back dirty connections on return.
        }
        unbind(false);
    }

    // ---------------------------------------------------------------- statements

    private Object newStatement(Method m, Object[] args) throws Throwable {
        if (txBroken) {
            throw rolledBack();
        }
        Statement real = (Statement) invokeOn(physical(), m, args);
        String name = m.getName();
        return Proxies.newProxy(name.equals("prepareCall") ? Proxies.CALLABLE
                : name.equals("prepareStatement") ? Proxies.PREPARED : Proxies.STATEMENT,
                new StatementHandler(this, m, args, real));
    }

    Statement recreate(Method creator, Object[] args) throws SQLException {
        try {
            return (Statement) creator.invoke(physical(), args);
        } catch (InvocationTargetException e) {
            throw unwrapSql(e);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    static Object invokeOn(Object target, Method m, Object[] args) throws Throwable {
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    static SQLException unwrapSql(InvocationTargetException e) {
        Throwable c = e.getCause();
        if (c instanceof SQLException s) {
            return s;
        }
        if (c instanceof RuntimeException r) {
            throw r;
        }
        if (c instanceof Error err) {
            throw err;
        }
        return new SQLException(c);
    }

    Endpoint endpointOrNull() {
        RoutingDataSource.Bound b = bound;
        return b == null ? null : b.state().endpoint();
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
}
