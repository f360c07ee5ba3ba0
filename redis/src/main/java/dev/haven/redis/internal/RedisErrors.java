package dev.haven.redis.internal;

import dev.haven.engine.Fault;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandInterruptedException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import java.util.Locale;

/**
 * Maps a failure of one command on one node onto the engine's {@link Fault}: never sent (connect failed, rejected
 * while disconnected, queue full), refused without running ({@code READONLY}, {@code LOADING}, {@code MASTERDOWN},
 * {@code TRYAGAIN}), sent without an answer (timeout, connection lost in flight: a write must not be re-sent), or an
 * application error (the caller's, as is). A pure function of the exception, tested without I/O.
 */
public final class RedisErrors {

    private RedisErrors() {
    }

    /** What is known about a failed command ({@link Fault}): a pure function of the exception. */
    public static Fault classify(Throwable t) {
        if (t instanceof RedisCommandInterruptedException) {
            return Fault.INTERRUPTED;
        }
        if (t instanceof RedisConnectionException) {
            return Fault.NOT_SENT;
        }
        if (t instanceof RedisCommandTimeoutException) {
            return Fault.OUTCOME_UNKNOWN;
        }
        if (t instanceof RedisCommandExecutionException) {
            String m = upper(t.getMessage());
            if (m.startsWith("READONLY") || m.startsWith("LOADING") || m.startsWith("MASTERDOWN") || m.startsWith("TRYAGAIN")) {
                return Fault.REFUSED;
            }
            return Fault.APPLICATION;
        }
        if (t instanceof RedisException) {
            String m = t.getMessage() == null ? "" : t.getMessage();
            // Lettuce's own rejections, raised before a byte is written (DefaultEndpoint / CommandHandler).
            if (m.startsWith("Currently not connected") || m.startsWith("Connection is closed")
                    || m.startsWith("Request queue size exceeded") || m.startsWith("Command buffer size exceeded")
                    || m.startsWith("Internal stack size exceeded")) {
                return Fault.NOT_SENT;
            }
            return Fault.OUTCOME_UNKNOWN; // "Connection closed", "Connection disconnected", I/O errors: in flight
        }
        if (t instanceof java.io.IOException) {
            return Fault.OUTCOME_UNKNOWN;
        }
        return Fault.APPLICATION;
    }

    /** Whether the node refused a write because it is a replica now ({@code READONLY}): the write did not run. */
    public static boolean readOnly(Throwable t) {
        return t instanceof RedisCommandExecutionException && upper(t.getMessage()).startsWith("READONLY");
    }

    /**
     * Whether a probe failure's description ({@code EndpointState#lastProbeFailure}) says the node refused the login:
     * {@code WRONGPASS} (Redis 6+: "invalid username-password pair or user is disabled"), {@code NOAUTH}, Redis 5's
     * "invalid password", or a password sent to a server that has none.
     */
    public static boolean loginRefused(String probeFailure) {
        String m = upper(probeFailure);
        return m.contains("WRONGPASS") || m.contains("NOAUTH") || m.contains("INVALID USERNAME-PASSWORD PAIR")
                || m.contains("ERR INVALID PASSWORD") || m.contains("WITHOUT ANY PASSWORD CONFIGURED");
    }

    /**
     * Whether every node of {@code states} (at least one) refused the latest probe's login: no node can take a command
     * until the credentials change, so waiting for one ({@code writer-wait}) only delays the error.
     */
    public static boolean everyLoginRefused(java.util.List<dev.haven.engine.EndpointState> states) {
        if (states.isEmpty()) {
            return false;
        }
        for (dev.haven.engine.EndpointState s : states) {
            if (!loginRefused(s.lastProbeFailure())) {
                return false;
            }
        }
        return true;
    }

    /** Whether some node of {@code states} refused the latest probe's login. */
    public static boolean anyLoginRefused(java.util.List<dev.haven.engine.EndpointState> states) {
        for (dev.haven.engine.EndpointState s : states) {
            if (loginRefused(s.lastProbeFailure())) {
                return true;
            }
        }
        return false;
    }

    private static String upper(String s) {
        return s == null ? "" : s.toUpperCase(Locale.ROOT);
    }
}
