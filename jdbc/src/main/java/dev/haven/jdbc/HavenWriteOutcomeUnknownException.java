package dev.haven.jdbc;

import dev.haven.Endpoint;
import dev.haven.HavenFailure;
import java.sql.SQLException;

/**
 * The connection to the writer was lost after a write (or a commit) was sent and before its answer
 * arrived: the write may or may not have been applied. Haven never re-sends it, so a write is never
 * silently executed twice.
 *
 * <p>What to do: check whether the write took effect (for example by reading the row by its key on
 * {@code Consistency.STRONG}) before repeating it, or make the write idempotent (upsert with a client
 * generated key) so that repeating it is harmless. SQLState {@value #SQL_STATE} (transaction
 * resolution unknown, SQL:2016); {@link HavenFailure.Kind#OUTCOME_UNKNOWN}.
 *
 * <pre>{@code
 * try {
 *     statement.executeUpdate("INSERT INTO orders(id, item) VALUES ('o-42', 'book') ON CONFLICT (id) DO NOTHING");
 * } catch (HavenWriteOutcomeUnknownException e) {
 *     // the insert is idempotent: repeating it is safe
 * }
 * }</pre>
 */
public final class HavenWriteOutcomeUnknownException extends SQLException implements HavenFailure {

    private static final long serialVersionUID = 1L;

    /** Transaction resolution unknown. */
    public static final String SQL_STATE = "08007";

    private final Details details;

    public HavenWriteOutcomeUnknownException(String message, Throwable cause) {
        this(message, null, null, cause);
    }

    /** With the cluster's name and the server the write was sent to. */
    public HavenWriteOutcomeUnknownException(String message, String cluster, Endpoint endpoint, Throwable cause) {
        super(message + " The write may or may not have been applied; Haven did not re-send it."
                + " Check its effect before repeating it, or make it idempotent.", SQL_STATE, DriverCause.detach(cause));
        this.details = new Details(Kind.OUTCOME_UNKNOWN, cluster, endpoint);
    }

    /** {@link HavenFailure.Kind#OUTCOME_UNKNOWN}, the cluster and the endpoint. */
    @Override
    public Details details() {
        return details;
    }
}
