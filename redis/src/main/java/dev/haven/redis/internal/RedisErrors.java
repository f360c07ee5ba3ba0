package dev.haven.redis.internal;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandInterruptedException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import java.util.Locale;

/**
 * Classifies a failure of one command on one node: did the command certainly not run (safe to send elsewhere), may
 * it have run (a write must not be re-sent), or did the server answer with an application error (give it to the
 * caller as is). A pure function of the exception, tested without I/O.
 */
public final class RedisErrors {

    private RedisErrors() {
    }

    public enum Kind {
        /** The command never reached a server (connect failed, rejected while disconnected, queue full): retry anywhere. */
        NOT_SENT,
        /** The node refused a write because it is a replica now ({@code READONLY}): it did not run; retry on the new primary. */
        READ_ONLY,
        /** The node cannot serve right now and did not run the command ({@code LOADING}, {@code MASTERDOWN}, {@code TRYAGAIN}). */
        UNAVAILABLE,
        /** Sent, no answer (timeout, connection lost with the command in flight): may or may not have run. */
        OUTCOME_UNKNOWN,
        /** An application error (wrong type, syntax, script error...): the caller's. */
        APPLICATION,
        /** The calling thread was interrupted. */
        INTERRUPTED
    }

    public static Kind classify(Throwable t) {
        if (t instanceof RedisCommandInterruptedException) {
            return Kind.INTERRUPTED;
        }
        if (t instanceof RedisConnectionException) {
            return Kind.NOT_SENT;
        }
        if (t instanceof RedisCommandTimeoutException) {
            return Kind.OUTCOME_UNKNOWN;
        }
        if (t instanceof RedisCommandExecutionException) {
            String m = upper(t.getMessage());
            if (m.startsWith("READONLY")) {
                return Kind.READ_ONLY;
            }
            if (m.startsWith("LOADING") || m.startsWith("MASTERDOWN") || m.startsWith("TRYAGAIN")) {
                return Kind.UNAVAILABLE;
            }
            return Kind.APPLICATION;
        }
        if (t instanceof RedisException) {
            String m = t.getMessage() == null ? "" : t.getMessage();
            // Lettuce's own rejections, raised before a byte is written (DefaultEndpoint / CommandHandler).
            if (m.startsWith("Currently not connected") || m.startsWith("Connection is closed")
                    || m.startsWith("Request queue size exceeded") || m.startsWith("Command buffer size exceeded")
                    || m.startsWith("Internal stack size exceeded")) {
                return Kind.NOT_SENT;
            }
            return Kind.OUTCOME_UNKNOWN; // "Connection closed", "Connection disconnected", I/O errors: in flight
        }
        if (t instanceof java.io.IOException) {
            return Kind.OUTCOME_UNKNOWN;
        }
        return Kind.APPLICATION;
    }

    /** Whether a read failing so may be tried on another node. */
    public static boolean readRetryable(Kind k) {
        return k == Kind.NOT_SENT || k == Kind.READ_ONLY || k == Kind.UNAVAILABLE || k == Kind.OUTCOME_UNKNOWN;
    }

    /** Whether a write failing so certainly did not run and may be sent (again) to a primary. */
    public static boolean writeResendable(Kind k) {
        return k == Kind.NOT_SENT || k == Kind.READ_ONLY || k == Kind.UNAVAILABLE;
    }

    /** Whether the node itself is suspect (the monitor should re-probe it at once). */
    public static boolean signalsNode(Kind k) {
        return k == Kind.NOT_SENT || k == Kind.READ_ONLY || k == Kind.UNAVAILABLE || k == Kind.OUTCOME_UNKNOWN;
    }

    private static String upper(String s) {
        return s == null ? "" : s.toUpperCase(Locale.ROOT);
    }
}
