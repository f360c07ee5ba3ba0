package dev.haven.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.dynamodb.internal.DynamoDbErrors;
import dev.haven.dynamodb.internal.ReadShape;
import dev.haven.engine.Fault;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;

/** The pure decisions: error classification, hedge delay, consistent-read rewriting, configuration validation. */
class DecisionsTest {

    private static AwsServiceException service(int status, String code) {
        return AwsServiceException.builder().statusCode(status)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).build()).build();
    }

    @Test
    void errorsAreClassifiedOntoTheEnginesFaults() {
        assertThat(DynamoDbErrors.classify(service(400, "ProvisionedThroughputExceededException"))).isEqualTo(Fault.THROTTLED);
        assertThat(DynamoDbErrors.classify(service(400, "ThrottlingException"))).isEqualTo(Fault.THROTTLED);
        assertThat(DynamoDbErrors.classify(service(400, "RequestLimitExceeded"))).isEqualTo(Fault.THROTTLED);
        assertThat(DynamoDbErrors.classify(service(429, "Whatever"))).isEqualTo(Fault.THROTTLED);
        assertThat(DynamoDbErrors.classify(service(500, "InternalServerError"))).isEqualTo(Fault.OUTCOME_UNKNOWN);
        assertThat(DynamoDbErrors.classify(service(503, "ServiceUnavailable"))).isEqualTo(Fault.OUTCOME_UNKNOWN);
        assertThat(DynamoDbErrors.classify(service(400, "ConditionalCheckFailedException"))).isEqualTo(Fault.APPLICATION);
        assertThat(DynamoDbErrors.classify(service(400, "ValidationException"))).isEqualTo(Fault.APPLICATION);
        assertThat(DynamoDbErrors.classify(service(400, "TransactionCanceledException"))).isEqualTo(Fault.APPLICATION);
        assertThat(DynamoDbErrors.classify(service(400, "ResourceNotFoundException"))).isEqualTo(Fault.APPLICATION);
        assertThat(DynamoDbErrors.classify(ApiCallTimeoutException.create(2000))).isEqualTo(Fault.OUTCOME_UNKNOWN);
        assertThat(DynamoDbErrors.classify(ApiCallAttemptTimeoutException.create(700))).isEqualTo(Fault.OUTCOME_UNKNOWN);
        assertThat(DynamoDbErrors.classify(SdkClientException.create("Unable to execute HTTP request: Connection reset")))
                .isEqualTo(Fault.OUTCOME_UNKNOWN);
        assertThat(DynamoDbErrors.classify(SdkClientException.create("Unable to execute HTTP request",
                new java.net.ConnectException("Connection refused")))).isEqualTo(Fault.NOT_SENT);
        assertThat(DynamoDbErrors.classify(new HavenRegionUnavailableException("x"))).isEqualTo(Fault.APPLICATION);
        assertThat(DynamoDbErrors.classify(new IllegalStateException())).isEqualTo(Fault.APPLICATION);
    }

    @Test
    void consistentReadIsSetOnCopiesExceptOnIndexes() {
        QueryRequest q = QueryRequest.builder().tableName("t").build();
        assertThat(ReadShape.QUERY.consistent(q).consistentRead()).isTrue();
        assertThat(q.consistentRead()).isNull();
        QueryRequest gsi = q.toBuilder().indexName("by-date").build();
        assertThat(ReadShape.QUERY.consistent(gsi).consistentRead()).isNull();
        BatchGetItemRequest b = BatchGetItemRequest.builder().requestItems(Map.of("a", KeysAndAttributes.builder().build(),
                "b", KeysAndAttributes.builder().consistentRead(false).build())).build();
        assertThat(ReadShape.BATCH_GET_ITEM.asksConsistent(b)).isFalse();
        assertThat(ReadShape.BATCH_GET_ITEM.consistent(b).requestItems().values()).allMatch(k -> k.consistentRead());
        assertThat(ReadShape.isSelect("  select * from t")).isTrue();
        assertThat(ReadShape.isSelect("SELECTED")).isFalse();
        assertThat(ReadShape.isSelect("UPDATE t SET a = 1")).isFalse();
    }

    private static HavenDynamoDbClient.Builder valid() {
        return HavenDynamoDbClient.builder().homeRegion("us-east-1").region("us-east-1").region("us-west-2")
                .heartbeatTable("haven-heartbeat");
    }

    @Test
    void validConfigurationPasses() {
        assertThat(valid().settings().localRegion()).isEqualTo("us-east-1");
        assertThat(valid().settings().apiCallTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(valid().settings().apiCallAttemptTimeout()).isEqualTo(Duration.ofMillis(700));
    }

    @Test
    void badConfigurationFailsNamingPropertyRuleAndValue() {
        assertThatThrownBy(() -> valid().homeRegion("eu-west-1").settings())
                .hasMessage("haven.dynamodb.home-region must be one of the regions [us-east-1, us-west-2]: was eu-west-1");
        assertThatThrownBy(() -> valid().heartbeatTable(null).settings())
                .hasMessage("haven.dynamodb.heartbeat-table must be given: was missing");
        assertThatThrownBy(() -> valid().probeTimeout(Duration.ZERO).settings())
                .hasMessage("haven.dynamodb.probe-timeout must be > 0: was 0s");
        assertThatThrownBy(() -> valid().deadline(Duration.ofSeconds(1)).attemptTimeout(Duration.ofSeconds(2)).settings())
                .hasMessage("haven.dynamodb.attempt-timeout must be <= haven.dynamodb.deadline (1s): was 2s");
        assertThatThrownBy(() -> valid().fastProbeInterval(Duration.ofSeconds(2)).settings())
                .hasMessage("haven.dynamodb.fast-probe-interval must be <= haven.dynamodb.probe-interval (1s): was 2s");
        assertThatThrownBy(() -> valid().retryMaxAttempts(0).settings())
                .hasMessage("haven.dynamodb.retry.max-attempts must be in 1..10: was 0");
        assertThatThrownBy(() -> valid().retryBaseBackoff(Duration.ofMillis(100)).retryMaxBackoff(Duration.ofMillis(20)).settings())
                .hasMessage("haven.dynamodb.retry.max-backoff must be >= haven.dynamodb.retry.base-backoff (100ms): was 20ms");
        assertThatThrownBy(() -> valid().hedgeBudgetRatio(1.5).settings())
                .hasMessage("haven.dynamodb.hedge.budget-ratio must be in [0, 1]: was 1.5");
        assertThatThrownBy(() -> valid().hedgeDelay(Duration.ofMillis(-5)).settings())
                .hasMessage("haven.dynamodb.hedge.delay must be > 0: was -5ms");
        assertThatThrownBy(() -> valid().region("US_EAST").settings())
                .hasMessage("haven.dynamodb.regions must match [a-z0-9]+(-[a-z0-9]+)*: was US_EAST");
        assertThatThrownBy(() -> HavenDynamoDbClient.builder().heartbeatTable("hb-table").settings())
                .hasMessage("haven.dynamodb.regions must name at least one region: was none");
    }

    @Test
    void credentialsNeverAppearInDescriptions() {
        HavenDynamoDbClient.Builder b = valid().region("eu-west-1", URI.create("http://127.0.0.1:1"))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDSECRETKEY", "s3cr3t-value")));
        String s = b.settings().toString();
        assertThat(s).doesNotContain("AKIDSECRETKEY").doesNotContain("s3cr3t-value").contains("eu-west-1");
    }

    @Test
    void aMissingHeartbeatTableFailsTheBuildNamingTheProperty() {
        FakeRegions fakes = new FakeRegions("us-east-1", "us-west-2");
        assertThatThrownBy(() -> fakes.builder("us-east-1").heartbeatTable("no-such-table").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("haven.dynamodb.heartbeat-table must name an existing global table: 'no-such-table' does not exist in region us-east-1");
    }
}
