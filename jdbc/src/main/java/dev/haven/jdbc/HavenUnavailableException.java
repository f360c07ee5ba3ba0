package dev.haven.jdbc;

import dev.haven.Endpoint;
import dev.haven.HavenFailure;
import java.sql.SQLException;

/**
 * No endpoint could take the request: no writer is known (a failover has not completed within
 * {@code haven.jdbc.writer-wait}), or no replica satisfies the read's consistency and fallback to the
 * writer is off. Nothing was sent to any server, so the request can be repeated safely later.
 * SQLState {@value #SQL_STATE} (unable to establish connection); {@link HavenFailure.Kind#UNAVAILABLE}.
 */
public final class HavenUnavailableException extends SQLException implements HavenFailure {

    private static final long serialVersionUID = 1L;

    public static final String SQL_STATE = "08001";

    private final Details details;

    public HavenUnavailableException(String message, Throwable cause) {
        this(message, null, null, cause);
    }

    /** With the cluster's name and the endpoint that refused the request, when there was one. */
    public HavenUnavailableException(String message, String cluster, Endpoint endpoint, Throwable cause) {
        super(message, SQL_STATE, DriverCause.detach(cause));
        this.details = new Details(Kind.UNAVAILABLE, cluster, endpoint);
    }

    /** {@link HavenFailure.Kind#UNAVAILABLE}, the cluster and the endpoint. */
    @Override
    public Details details() {
        return details;
    }
}
