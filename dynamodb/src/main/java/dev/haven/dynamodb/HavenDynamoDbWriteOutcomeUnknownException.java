package dev.haven.dynamodb;

import dev.haven.Endpoint;
import dev.haven.HavenFailure;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * A write was sent to a region and no answer came: its attempt timed out ({@code ApiCallAttemptTimeoutException},
 * {@code ApiCallTimeoutException}) or the connection died with the request on it. DynamoDB may or may not have
 * applied it. Haven never re-sends such a write, so it is never silently executed twice; the application decides.
 * {@link HavenFailure.Kind#OUTCOME_UNKNOWN}. The SDK's exception is the {@linkplain #getCause() cause}.
 *
 * <p>Raised for the operations Haven routes as writes that change data or tables ({@code PutItem},
 * {@code UpdateItem}, {@code DeleteItem}, {@code BatchWriteItem}, {@code TransactWriteItems}, {@code ExecuteStatement}
 * other than {@code SELECT}, {@code BatchExecuteStatement}, {@code ExecuteTransaction}, table, backup and tag
 * management), on {@link HavenDynamoDbClient} and {@link HavenDynamoDbAsyncClient} alike. A write that was refused
 * before it was sent is a {@link HavenRegionUnavailableException} instead; a 5xx answer stays the SDK's
 * {@code DynamoDbException} (DynamoDB answered; for {@code InternalServerError} its documentation, too, says the
 * outcome is unknown).
 *
 * <p>It extends {@link SdkClientException}, like the SDK's timeouts it replaces, so existing
 * {@code catch (SdkClientException e)} and {@code catch (SdkException e)} blocks keep working.
 *
 * <pre>{@code
 * try {
 *     client.putItem(put);                        // an idempotent put: same key, same attributes
 * } catch (HavenDynamoDbWriteOutcomeUnknownException e) {
 *     client.putItem(put);                        // safe to repeat; a non-idempotent write would read first
 * }
 * }</pre>
 */
public final class HavenDynamoDbWriteOutcomeUnknownException extends SdkClientException implements HavenFailure {

    private static final long serialVersionUID = 1L;

    private final Details details;

    public HavenDynamoDbWriteOutcomeUnknownException(String message, String cluster, Endpoint region, Throwable cause) {
        super(SdkClientException.builder().message(message + " The write may or may not have been applied; Haven did not"
                + " re-send it. Check its effect before repeating it, or make it idempotent.").cause(cause));
        this.details = new Details(Kind.OUTCOME_UNKNOWN, cluster, region);
    }

    /** {@link HavenFailure.Kind#OUTCOME_UNKNOWN}, the cluster and the endpoint. */
    @Override
    public Details details() {
        return details;
    }
}
