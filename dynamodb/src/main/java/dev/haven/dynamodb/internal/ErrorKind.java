package dev.haven.dynamodb.internal;

import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * How Haven treats a failed DynamoDB call. A pure classification of the exception: no I/O, no state.
 *
 * <ul>
 *   <li>{@link #THROTTLED}: the request was refused before it did anything (capacity or rate): retried with
 *       full-jitter backoff, for writes too (it was not executed).</li>
 *   <li>{@link #SERVER}: a 5xx. A read is retried, in another region if one qualifies; a write's outcome is
 *       unknown (DynamoDB may have applied it), so it is not retried: never silently executed twice.</li>
 *   <li>{@link #UNREACHABLE}: no answer (api-call or attempt timeout, connection refused or reset): as SERVER,
 *       and the monitor is told at once so that it probes the region.</li>
 *   <li>{@link #CLIENT}: anything else (ConditionalCheckFailed, Validation, ResourceNotFound, TransactionCanceled,
 *       other 4xx): never retried, the caller's request is wrong or lost a race.</li>
 * </ul>
 */
public enum ErrorKind {
    THROTTLED, SERVER, UNREACHABLE, CLIENT;

    public static ErrorKind of(Throwable t) {
        if (t instanceof AwsServiceException e) {
            String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
            if (isThrottlingCode(code) || e.isThrottlingException()) {
                return THROTTLED;
            }
            return e.statusCode() >= 500 ? SERVER : CLIENT;
        }
        if (t instanceof dev.haven.dynamodb.HavenRegionUnavailableException) {
            return CLIENT; // Haven's own verdict: nothing left to try
        }
        if (t instanceof SdkClientException) {
            return UNREACHABLE;
        }
        if (t instanceof SdkException) {
            return UNREACHABLE; // e.g. AbortedException
        }
        return CLIENT;
    }

    static boolean isThrottlingCode(String code) {
        if (code == null) {
            return false;
        }
        return switch (code) {
            case "ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
                    "Throttling", "TooManyRequestsException" -> true;
            default -> false;
        };
    }

    /** Whether a read failing so may be tried again (same or another region). */
    public boolean retryableRead() {
        return this != CLIENT;
    }

    /** Whether a write failing so may be tried again: only when it certainly did not execute. */
    public boolean retryableWrite() {
        return this == THROTTLED;
    }

    /** Whether the failure says something about the region's health (breaker, passive signal). */
    public boolean regionFault() {
        return this == SERVER || this == UNREACHABLE;
    }
}
