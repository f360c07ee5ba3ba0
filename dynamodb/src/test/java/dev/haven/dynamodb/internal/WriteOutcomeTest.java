package dev.haven.dynamodb.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.HavenFailure.Kind;
import dev.haven.dynamodb.HavenRegionUnavailableException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.List;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.model.BatchExecuteStatementRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchStatementRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableRequest;
import software.amazon.awssdk.services.dynamodb.model.ExecuteStatementRequest;
import software.amazon.awssdk.services.dynamodb.model.ExecuteTransactionRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.InternalServerErrorException;
import software.amazon.awssdk.services.dynamodb.model.ListTablesRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/** The failure-model classification of a DynamoDB write Haven gave up on: pure, exhaustive over the cases that matter. */
class WriteOutcomeTest {

    private static final PutItemRequest PUT = PutItemRequest.builder().tableName("t").build();

    private static SdkClientException io(Throwable cause) {
        return SdkClientException.builder().message("Unable to execute HTTP request: " + cause.getMessage()).cause(cause).build();
    }

    @Test
    void aWriteThatTimedOutOrLostItsConnectionAfterSendingHasAnUnknownOutcome() {
        List<Throwable> sentThenLost = List.of(
                ApiCallAttemptTimeoutException.create(700),
                ApiCallTimeoutException.create(2000),
                io(new SocketTimeoutException("Read timed out")),
                io(new SocketException("Connection reset")),
                io(new IOException("Unexpected end of file from server")),
                AbortedException.builder().message("Thread was interrupted").build(),
                SdkClientException.create("no cause at all"));
        for (Throwable t : sentThenLost) {
            assertThat(WriteOutcome.classify(PUT, t)).as(t.toString()).isEqualTo(Kind.OUTCOME_UNKNOWN);
        }
    }

    @Test
    void aWriteWhoseConnectionCouldNotBeMadeWasNeverSent() {
        List<Throwable> neverSent = List.of(
                io(new ConnectException("Connection refused")),
                io(new UnknownHostException("dynamodb.nowhere")),
                io(new SocketTimeoutException("Connect timed out")),
                io(new SSLHandshakeException("PKIX path building failed")),
                SdkClientException.builder().message("wrapped twice").cause(io(new ConnectException("Connection refused"))).build());
        for (Throwable t : neverSent) {
            assertThat(WriteOutcome.classify(PUT, t)).as(t.toString()).isEqualTo(Kind.UNAVAILABLE);
        }
    }

    @Test
    void everyDataWriteIsCovered() {
        List<Object> writes = List.of(PUT, UpdateItemRequest.builder().build(), DeleteItemRequest.builder().build(),
                BatchWriteItemRequest.builder().build(), TransactWriteItemsRequest.builder().build(),
                ExecuteTransactionRequest.builder().build(), CreateTableRequest.builder().build(),
                ExecuteStatementRequest.builder().statement("UPDATE t SET a = 1 WHERE pk = 'k'").build(),
                BatchExecuteStatementRequest.builder().statements(BatchStatementRequest.builder().statement("SELECT * FROM t").build(),
                        BatchStatementRequest.builder().statement("DELETE FROM t WHERE pk = 'k'").build()).build());
        for (Object w : writes) {
            assertThat(WriteOutcome.classify(w, ApiCallAttemptTimeoutException.create(700))).as(w.toString())
                    .isEqualTo(Kind.OUTCOME_UNKNOWN);
        }
    }

    @Test
    void operationsThatChangeNothingKeepTheSdkException() {
        List<Object> reads = List.of(DescribeTableRequest.builder().build(), ListTablesRequest.builder().build(),
                GetItemRequest.builder().build(), ExecuteStatementRequest.builder().statement("  select * from t").build(),
                BatchExecuteStatementRequest.builder().statements(BatchStatementRequest.builder().statement("SELECT a FROM t").build()).build());
        for (Object r : reads) {
            assertThat(WriteOutcome.classify(r, ApiCallAttemptTimeoutException.create(700))).as(r.toString()).isNull();
        }
    }

    @Test
    void answersFromDynamoDbAndHavensOwnVerdictsPassThrough() {
        assertThat(WriteOutcome.classify(PUT, InternalServerErrorException.builder().statusCode(500)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode("InternalServerError").build()).build())).isNull();
        assertThat(WriteOutcome.classify(PUT, ConditionalCheckFailedException.builder().statusCode(400).build())).isNull();
        assertThat(WriteOutcome.classify(PUT, new HavenRegionUnavailableException("home down"))).isNull();
        assertThat(WriteOutcome.classify(PUT, new IllegalStateException("This HavenDynamoDbClient is closed"))).isNull();
    }
}
