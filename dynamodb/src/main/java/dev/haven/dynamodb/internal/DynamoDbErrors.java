package dev.haven.dynamodb.internal;

import dev.haven.dynamodb.HavenRegionUnavailableException;
import dev.haven.engine.Fault;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Maps a failed DynamoDB call onto the engine's {@link Fault}: a pure function of the exception, no I/O, no state.
 *
 * <ul>
 *   <li>throttling (capacity or rate, any 429): {@link Fault#THROTTLED}: it did nothing; retried with full-jitter
 *       backoff, writes too;</li>
 *   <li>a 5xx, or no answer (api-call or attempt timeout, connection reset): {@link Fault#OUTCOME_UNKNOWN}: DynamoDB
 *       may have applied a write, so only reads are retried (in another region if one qualifies); the monitor is
 *       told at once so that it probes the region;</li>
 *   <li>no connection ever carried the request (refused, unknown host, connect timeout):
 *       {@link Fault#NOT_SENT};</li>
 *   <li>anything else (ConditionalCheckFailed, Validation, ResourceNotFound, TransactionCanceled, other 4xx, Haven's
 *       own {@link HavenRegionUnavailableException}): {@link Fault#APPLICATION}, never retried.</li>
 * </ul>
 */
public final class DynamoDbErrors {

    private DynamoDbErrors() {
    }

    public static Fault classify(Throwable t) {
        if (t instanceof AwsServiceException e) {
            String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
            if (isThrottlingCode(code) || e.isThrottlingException()) {
                return Fault.THROTTLED;
            }
            return e.statusCode() >= 500 ? Fault.OUTCOME_UNKNOWN : Fault.APPLICATION;
        }
        if (t instanceof HavenRegionUnavailableException) {
            return Fault.APPLICATION; // Haven's own verdict: nothing left to try
        }
        if (t instanceof SdkException) { // SdkClientException, AbortedException...
            return WriteOutcome.neverSent(t) ? Fault.NOT_SENT : Fault.OUTCOME_UNKNOWN;
        }
        return Fault.APPLICATION;
    }

    /**
     * Whether {@code t} is a call that got no answer in time: the SDK's attempt or api-call timeout, or a socket read
     * timeout underneath (as cause).
     */
    public static boolean timedOut(Throwable t) {
        for (int depth = 0; t != null && depth < 16; depth++, t = t.getCause()) {
            if (t instanceof ApiCallAttemptTimeoutException || t instanceof ApiCallTimeoutException
                    || t instanceof java.net.SocketTimeoutException) {
                return true;
            }
        }
        return false;
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
}
