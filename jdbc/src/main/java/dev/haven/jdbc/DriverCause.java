package dev.haven.jdbc;

import java.io.IOException;
import java.sql.SQLException;
import java.util.Locale;

/**
 * The cause a Haven exception carries: the driver's error, but without the socket exception beneath it.
 *
 * <p>Why: web frameworks decide whether "the client went away" by walking the cause chain of whatever a request
 * failed with. Spring 6.1+'s {@code DisconnectedClientHelper} answers yes for any {@code EOFException} in the chain, or
 * when the deepest cause's message says "broken pipe" or "connection reset by peer" — which is exactly what a database
 * socket says when its server dies. A lost write would then be logged at DEBUG as a client disconnect and the request
 * could end with HTTP 200. So the driver's exception is copied (class name, message, SQLState, vendor code, stack
 * trace) into a plain {@link SQLException} whose cause chain ends there, and the driver's original exception, with
 * its whole chain, is attached to the copy as a suppressed exception: stack traces still show everything.
 */
final class DriverCause {

    private DriverCause() {
    }

    /** {@code cause} itself when nothing under it is a socket error, else the detached copy described above. */
    static Throwable detach(Throwable cause) {
        if (cause == null || !socketBelow(cause)) {
            return cause;
        }
        SQLException copy = new SQLException(describe(cause),
                cause instanceof SQLException s ? s.getSQLState() : null,
                cause instanceof SQLException s ? s.getErrorCode() : 0);
        copy.setStackTrace(cause.getStackTrace());
        copy.addSuppressed(cause);
        return copy;
    }

    private static boolean socketBelow(Throwable cause) {
        int depth = 0;
        for (Throwable t = cause; t != null && depth < 32; t = t.getCause() == t ? null : t.getCause(), depth++) {
            if (t instanceof IOException || disconnectWords(t.getMessage())) {
                return true;
            }
        }
        return false;
    }

    private static String describe(Throwable cause) {
        String message = cause.getMessage();
        return cause.getClass().getName() + ": " + (disconnectWords(message)
                ? "(message in the suppressed exception)" : message) + " [socket error detached: see suppressed]";
    }

    private static boolean disconnectWords(String message) {
        if (message == null) {
            return false;
        }
        String m = message.toLowerCase(Locale.ROOT);
        return m.contains("broken pipe") || m.contains("connection reset");
    }
}
