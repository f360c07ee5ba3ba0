package dev.haven.jdbc.internal;

import dev.haven.internal.EndpointState;
import dev.haven.jdbc.HavenTransactionRolledBackException;
import dev.haven.jdbc.HavenWriteOutcomeUnknownException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A statement that knows what to do when its server goes away mid-call.
 *
 * <p>On a read-only autocommit connection, a statement that fails with a connection-class error has
 * returned nothing to the application, so it is re-run on another server: the statement is re-created
 * from the same SQL, its recorded parameters and settings are replayed, and it executes again, bounded
 * by the retry attempts, the retry budget and the statement deadline, with full-jitter backoff.
 *
 * <p>An autocommit write rejected by a demoted writer (PostgreSQL 25006) never ran, so it is sent to the
 * new writer the same way. Every other connection failure of a write surfaces as
 * {@link HavenWriteOutcomeUnknownException} (autocommit) or {@link HavenTransactionRolledBackException}
 * (inside a transaction): never re-sent.
 */
final class StatementHandler implements InvocationHandler {

    private final ConnectionHandler conn;
    private final Method creator;
    private final Object[] creatorArgs;
    private Statement real;
    /**
     * Parameter and setting calls as (method, args) pairs, replayed on a re-created statement; kept only in
     * autocommit, the only mode where a statement is ever re-run. Created on the first call.
     */
    private Object[] recorded; // method, args, method, args, ...
    private int recordedLength;
    private final boolean record;

    StatementHandler(ConnectionHandler conn, Method creator, Object[] creatorArgs, Statement real) {
        this.conn = conn;
        this.creator = creator;
        this.creatorArgs = creatorArgs;
        this.real = real;
        this.record = conn.autoCommit();
    }

    @Override
    public Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
        String name = m.getName();
        switch (name) {
            case "getConnection":
                return conn.proxy();
            case "toString":
                return "HavenStatement[" + real + "]";
            case "hashCode":
                return System.identityHashCode(proxy);
            case "equals":
                return proxy == args[0];
            case "unwrap":
                if (((Class<?>) args[0]).isInstance(proxy)) {
                    return proxy;
                }
                break;
            default:
                break;
        }
        if (name.startsWith("execute")) {
            return execute(m, args);
        }
        if (record && (name.startsWith("set") || name.startsWith("clear") || name.equals("addBatch")
                || name.equals("registerOutParameter") || name.equals("closeOnCompletion"))) {
            if (recorded == null) {
                recorded = new Object[4];
            } else if (recordedLength == recorded.length) {
                recorded = java.util.Arrays.copyOf(recorded, recordedLength * 2);
            }
            recorded[recordedLength++] = m;
            recorded[recordedLength++] = args;
        }
        return ConnectionHandler.invokeOn(real, m, args);
    }

    private Object execute(Method m, Object[] args) throws Throwable {
        if (conn.txBroken()) {
            throw conn.rolledBackException();
        }
        RoutingDataSource ds = conn.ds();
        long start = ds.settings().ticker().nanoTime();
        long deadline = start + ds.settings().statementDeadline().toNanos();
        boolean first = true;
        int attempt = 0;
        while (true) {
            EndpointState on = conn.boundState();
            try {
                if (first) {
                    ds.budget().onRequest();
                }
                Object result = ConnectionHandler.invokeOn(real, m, args);
                if (on != null) {
                    on.breaker().onSuccess(ds.settings().ticker().nanoTime() - start, TimeUnit.NANOSECONDS);
                }
                return result;
            } catch (SQLException e) {
                first = false;
                SqlErrors.Kind kind = SqlErrors.classify(e);
                String id = on == null ? conn.lastEndpointId() : on.id();
                if (kind == SqlErrors.Kind.CONNECTION) {
                    boolean readRetry = conn.autoCommit() && conn.routedAsRead() && record;
                    boolean inTx = conn.inTransaction();
                    conn.failed(e);
                    if (inTx) {
                        throw new HavenTransactionRolledBackException("Connection to " + id + " lost inside a transaction.", e);
                    }
                    if (!readRetry) {
                        throw new HavenWriteOutcomeUnknownException("Connection to " + id + " lost while a statement was running"
                                + " on the writer.", e);
                    }
                    if (!canRetry(attempt, deadline, e)) {
                        throw e;
                    }
                    retryOn(on, id, attempt++, deadline, e);
                } else if (kind == SqlErrors.Kind.READ_ONLY && !conn.routedAsRead() && on != null) {
                    // The "writer" refused a write: it was demoted. The statement never ran.
                    conn.ds().onReadOnlyViolation(on);
                    if (conn.inTransaction()) {
                        conn.failed(e);
                        throw new HavenTransactionRolledBackException("Server " + id + " is no longer the writer.", e);
                    }
                    if (!record || !canRetry(attempt, deadline, e)) {
                        throw e;
                    }
                    conn.unbind(false);
                    retryOn(on, id, attempt++, deadline, e);
                } else {
                    throw e;
                }
            }
        }
    }

    private boolean canRetry(int attempt, long deadline, SQLException e) {
        RoutingDataSource ds = conn.ds();
        return attempt + 1 < ds.settings().retryMaxAttempts()
                && ds.settings().ticker().nanoTime() < deadline
                && ds.budget().tryAcquire();
    }

    private void retryOn(EndpointState failed, String failedId, int attempt, long deadline, SQLException cause)
            throws SQLException {
        RoutingDataSource ds = conn.ds();
        Duration backoff = ds.retryBackoff(attempt);
        long left = deadline - ds.settings().ticker().nanoTime();
        if (backoff.toNanos() > left) {
            backoff = Duration.ofNanos(Math.max(0, left / 2));
        }
        if (failed != null) {
            ds.retried(failed, attempt + 1, backoff, cause);
        }
        RoutingDataSource.sleep(backoff);
        try {
            real.close();
        } catch (SQLException ignored) {
            // its connection is gone
        }
        conn.bind(failedId, deadline);
        real = conn.recreate(creator, creatorArgs);
        for (int k = 0; k < recordedLength; k += 2) {
            try {
                ((Method) recorded[k]).invoke(real, (Object[]) recorded[k + 1]);
            } catch (InvocationTargetException ex) {
                throw ConnectionHandler.unwrapSql(ex);
            } catch (IllegalAccessException ex) {
                throw new IllegalStateException(ex);
            }
        }
    }
}
