package dev.haven.jdbc;

import java.sql.SQLException;

/**
 * No endpoint could take the request: no writer is known (a failover has not completed within
 * {@code haven.jdbc.writer-wait}), or no replica satisfies the read's consistency and fallback to the
 * writer is off. Nothing was sent to any server, so the request can be repeated safely later.
 * SQLState {@value #SQL_STATE} (unable to establish connection).
 */
public final class HavenUnavailableException extends SQLException {

    private static final long serialVersionUID = 1L;

    public static final String SQL_STATE = "08001";

    public HavenUnavailableException(String message, Throwable cause) {
        super(message, SQL_STATE, cause);
    }
}
