package dev.haven.testkit.mariadb;

/**
 * A {@link MariaDbCluster} operation failed: a server did not start (the message carries the tail of its log), an SQL
 * command of the testkit failed, or a bounded wait expired (the message names the node and the GTID positions).
 */
public class MariaDbClusterException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public MariaDbClusterException(String message) {
        super(message);
    }

    public MariaDbClusterException(String message, Throwable cause) {
        super(message, cause);
    }
}
