package dev.haven.engine;

import dev.haven.HavenFailure;

/**
 * What is known about one failed call, whatever the store: the one outcome classification of the engine. Each store
 * maps its own errors onto it (a pure function of the exception: {@code SqlErrors}, {@code RedisErrors},
 * {@code DynamoDbErrors}) and the engine decides from it alone whether the call may be tried again, whether the
 * endpoint is suspect, and what the application is told when Haven gives up.
 *
 * <table>
 *   <caption>faults</caption>
 *   <tr><th>fault</th><th>applied?</th><th>read retried</th><th>write retried</th><th>endpoint suspect</th></tr>
 *   <tr><td>{@link #NOT_SENT}</td><td>no</td><td>yes</td><td>yes</td><td>yes</td></tr>
 *   <tr><td>{@link #REFUSED}</td><td>no</td><td>yes</td><td>yes</td><td>yes</td></tr>
 *   <tr><td>{@link #THROTTLED}</td><td>no</td><td>yes, after a backoff</td><td>yes, after a backoff</td><td>no</td></tr>
 *   <tr><td>{@link #OUTCOME_UNKNOWN}</td><td>maybe</td><td>yes</td><td><b>never</b></td><td>yes</td></tr>
 *   <tr><td>{@link #APPLICATION}</td><td>the server answered</td><td>no</td><td>no</td><td>no</td></tr>
 *   <tr><td>{@link #INTERRUPTED}</td><td>maybe</td><td>no</td><td>no</td><td>no</td></tr>
 * </table>
 */
public enum Fault {
    /** The call never reached a server (connect refused, rejected while disconnected, queue full). */
    NOT_SENT,
    /** The server refused the call without running it: it is a replica now, loading, or has no primary. */
    REFUSED,
    /** The server refused the call for capacity or rate, without running it; the endpoint itself is healthy. */
    THROTTLED,
    /** Sent, and no answer came (timeout, connection lost in flight, a 5xx): it may or may not have run. */
    OUTCOME_UNKNOWN,
    /** The server answered with an error that is the caller's (syntax, constraint, condition): passed on as is. */
    APPLICATION,
    /** The calling thread was interrupted: Haven gives up at once and keeps the interrupt. */
    INTERRUPTED;

    /** Whether a read failing so may be tried again (on this or another endpoint). */
    public boolean retryableRead() {
        return this == NOT_SENT || this == REFUSED || this == THROTTLED || this == OUTCOME_UNKNOWN;
    }

    /** Whether a write failing so certainly did not run and may be sent again. */
    public boolean retryableWrite() {
        return this == NOT_SENT || this == REFUSED || this == THROTTLED;
    }

    /** Whether the failure says the endpoint may be unwell: count it in its breaker and have the monitor re-probe it. */
    public boolean endpointFault() {
        return this == NOT_SENT || this == REFUSED || this == OUTCOME_UNKNOWN;
    }

    /** Whether the failure costs one of the call's attempts: one that never reached a server costs budget only. */
    public boolean costsAttempt() {
        return this != NOT_SENT;
    }

    /**
     * What the application is told when Haven gives up on a write after this fault: {@link HavenFailure.Kind#UNAVAILABLE}
     * (it was not applied), {@link HavenFailure.Kind#OUTCOME_UNKNOWN}, or {@code null} (the store's own error is passed
     * on: an application error, an interrupt).
     */
    public HavenFailure.Kind surfacedAs() {
        return switch (this) {
            case NOT_SENT, REFUSED, THROTTLED -> HavenFailure.Kind.UNAVAILABLE;
            case OUTCOME_UNKNOWN -> HavenFailure.Kind.OUTCOME_UNKNOWN;
            case APPLICATION, INTERRUPTED -> null;
        };
    }
}
