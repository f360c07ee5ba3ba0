package dev.haven.testkit;

/**
 * A cluster operation failed: a server did not start (the message carries the tail of its log), an SQL command
 * of the testkit failed, or a wait timed out ({@link ClusterTimeoutException}).
 */
public class PostgresClusterException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public PostgresClusterException(String message) {
        super(message);
    }

    public PostgresClusterException(String message, Throwable cause) {
        super(message, cause);
    }
}
