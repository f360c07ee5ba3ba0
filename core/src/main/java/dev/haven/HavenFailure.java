package dev.haven;

import java.util.Optional;

/**
 * What Haven tells the application when a call did not succeed and Haven did not (or could not) retry it: one
 * failure model for every store. Each store's exceptions implement this interface and keep their store's base type
 * (JDBC's are {@code SQLException}s, Redis' Lettuce {@code RedisException}s, DynamoDB's the SDK's
 * {@code SdkClientException}s), so existing {@code catch} blocks keep working and one handler can serve all three.
 *
 * <table>
 *   <caption>kinds</caption>
 *   <tr><th>{@link Kind}</th><th>what happened</th><th>what the application should do</th></tr>
 *   <tr><td>{@link Kind#UNAVAILABLE}</td><td>nothing was sent: no server could take the call in time</td>
 *       <td>repeat it later (it was not applied), or degrade</td></tr>
 *   <tr><td>{@link Kind#OUTCOME_UNKNOWN}</td><td>a write was sent and no answer came: it may or may not have been
 *       applied; Haven did not re-send it</td>
 *       <td>check its effect before repeating it, or make it idempotent and repeat it</td></tr>
 *   <tr><td>{@link Kind#ROLLED_BACK}</td><td>a transaction was rolled back by the server: nothing of it was
 *       applied</td><td>run the whole unit of work again</td></tr>
 * </table>
 *
 * <pre>{@code
 * try {
 *     placeOrder(order);
 * } catch (Exception e) {
 *     HavenFailure f = HavenFailure.find(e).orElseThrow(() -> e);
 *     switch (f.kind()) {
 *         case UNAVAILABLE, ROLLED_BACK -> retryLater(order);            // not applied
 *         case OUTCOME_UNKNOWN -> reconcile(order, f.endpoint());        // maybe applied: look before repeating
 *     }
 * }
 * }</pre>
 */
public interface HavenFailure {

    /** The one question an application must answer after a failure: was it applied? */
    enum Kind {
        /** Nothing was sent (or it was refused without running): not applied, safe to repeat. */
        UNAVAILABLE,
        /** Sent, and no answer came: it may or may not have been applied. Never repeated by Haven. */
        OUTCOME_UNKNOWN,
        /** A transaction the server rolled back: nothing of it was applied, the unit of work can run again. */
        ROLLED_BACK
    }

    /**
     * What every failure carries, whatever the store: the kind, the cluster, the endpoint. An exception implementing
     * {@code HavenFailure} holds one and returns it from {@link #details()}; the accessors below read it.
     *
     * @param kind     was it applied?
     * @param cluster  the cluster name the data source or client was configured with, or {@code null}
     * @param endpoint the endpoint (server, node or region) the call was sent to or refused by, or {@code null}
     */
    record Details(Kind kind, String cluster, Endpoint endpoint) implements java.io.Serializable {
        public Details {
            java.util.Objects.requireNonNull(kind, "kind");
        }
    }

    /** The kind, cluster and endpoint of this failure. */
    Details details();

    default Kind kind() {
        return details().kind();
    }

    /** The cluster name the data source or client was configured with ({@code haven.*.cluster-name}), or {@code null}. */
    default String cluster() {
        return details().cluster();
    }

    /**
     * The endpoint (server, node or region) the call was sent to or refused by, or {@code null} when no single one was
     * involved (for example no writer was known).
     */
    default Endpoint endpoint() {
        return details().endpoint();
    }

    /** Whether the call may have been applied ({@link Kind#OUTCOME_UNKNOWN}); otherwise it certainly was not. */
    default boolean mayHaveBeenApplied() {
        return kind() == Kind.OUTCOME_UNKNOWN;
    }

    /**
     * The first {@code HavenFailure} in {@code t}'s cause chain ({@code t} itself included), for failures that reach
     * the application wrapped: by a {@code CompletionException}, an {@code ExecutionException}, or a framework's
     * exception translation (Spring's {@code DataAccessException} keeps the {@code SQLException} as its cause).
     */
    static Optional<HavenFailure> find(Throwable t) {
        for (int depth = 0; t != null && depth < 32; depth++) {
            if (t instanceof HavenFailure f) {
                return Optional.of(f);
            }
            t = t.getCause() == t ? null : t.getCause();
        }
        return Optional.empty();
    }
}
