package dev.haven.dynamodb;

import dev.haven.Endpoint;
import dev.haven.HavenFailure;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * No region can take this request now: for a write, the home region is declared down by Haven's monitor (or its
 * breaker is open) and write failover is off, or the home region refused the connection; for a read, no healthy
 * region satisfies its consistency (for {@code STRONG}, the home region is down). Thrown at once when Haven's monitor
 * knows, without waiting for SDK timeouts. {@link HavenFailure.Kind#UNAVAILABLE}.
 *
 * <p>It extends {@link SdkClientException} because it is a client-side verdict made without any response from
 * DynamoDB: there is no status code, request id or error code to report, which {@code AwsServiceException} would
 * promise. Code that already handles the SDK's client-side failures (timeouts, connection errors) handles this one
 * the same way, and {@code catch (HavenRegionUnavailableException e)} tells it apart. The request was <em>not</em>
 * sent, so a write failing with it was certainly not applied.
 *
 * <pre>{@code
 * try {
 *     client.putItem(request);
 * } catch (HavenRegionUnavailableException e) {
 *     queueForLater(request); // not applied anywhere
 * }
 * }</pre>
 */
public final class HavenRegionUnavailableException extends SdkClientException implements HavenFailure {

    private static final long serialVersionUID = 1L;

    private final Details details;

    public HavenRegionUnavailableException(String message) {
        this(message, null, null, null);
    }

    /** With the cluster's name, the region that refused the request (when one did) and the cause (when there is one). */
    public HavenRegionUnavailableException(String message, String cluster, Endpoint region, Throwable cause) {
        super(SdkClientException.builder().message(message).cause(cause));
        this.details = new Details(Kind.UNAVAILABLE, cluster, region);
    }

    /** {@link HavenFailure.Kind#UNAVAILABLE}, the cluster and the endpoint. */
    @Override
    public Details details() {
        return details;
    }
}
