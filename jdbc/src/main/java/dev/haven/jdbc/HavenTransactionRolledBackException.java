package dev.haven.jdbc;

import dev.haven.Endpoint;
import dev.haven.HavenFailure;
import java.sql.SQLException;

/**
 * The connection to the writer was lost inside a transaction: the server rolled the transaction back
 * and nothing of it was committed. Haven never re-runs a transaction by itself, because only the
 * application knows whether the whole unit of work is safe to repeat.
 *
 * <p>What to do: run the unit of work again from its start, on a new connection, or use
 * {@link HavenDataSource#transaction(SqlWork)} which does that for work declared repeatable.
 * SQLState {@value #SQL_STATE} (connection failure), so frameworks classify it as a transient
 * resource failure; {@link HavenFailure.Kind#ROLLED_BACK}.
 *
 * <pre>{@code
 * try (Connection c = dataSource.getConnection()) {
 *     c.setAutoCommit(false);
 *     // ... statements ...
 *     c.commit();
 * } catch (HavenTransactionRolledBackException e) {
 *     // nothing was written: safe to start the transaction over
 * }
 * }</pre>
 */
public final class HavenTransactionRolledBackException extends SQLException implements HavenFailure {

    private static final long serialVersionUID = 1L;

    /** Connection failure. */
    public static final String SQL_STATE = "08006";

    private final Details details;

    public HavenTransactionRolledBackException(String message, Throwable cause) {
        this(message, null, null, cause);
    }

    /** With the cluster's name and the server the transaction ran on. */
    public HavenTransactionRolledBackException(String message, String cluster, Endpoint endpoint, Throwable cause) {
        super(message + " The transaction was rolled back by the server; nothing of it was committed."
                + " Run the whole unit of work again (HavenDataSource.transaction(...) does this for repeatable work).",
                SQL_STATE, DriverCause.detach(cause));
        this.details = new Details(Kind.ROLLED_BACK, cluster, endpoint);
    }

    /** {@link HavenFailure.Kind#ROLLED_BACK}, the cluster and the endpoint. */
    @Override
    public Details details() {
        return details;
    }
}
