package dev.haven.benchmarks.ddb;

import dev.haven.dynamodb.HavenDynamoDbClient;
import java.time.Duration;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;

/** SDK clients over {@link CannedDynamoDbHttpClient}s, configured alike for the raw baseline and for Haven. */
public final class CannedRegions {

    public static final String HOME = "us-east-1";
    public static final String OTHER = "us-west-2";
    public static final String HEARTBEAT_TABLE = "haven-heartbeat";
    public static final GetItemRequest GET = GetItemRequest.builder().tableName("items")
            .key(Map.of("pk", AttributeValue.fromS("k"))).build();
    public static final GetItemRequest GET_STRONG = GET.toBuilder().consistentRead(true).build();

    private CannedRegions() {
    }

    /** A raw SDK client: static credentials, no SDK retries, generous timeouts (the stub never blocks long). */
    public static DynamoDbClient client(String region, CannedDynamoDbHttpClient http) {
        return DynamoDbClient.builder()
                .region(Region.of(region))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDBENCH", "secretbench")))
                .httpClient(http)
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())
                        .apiCallTimeout(Duration.ofSeconds(2)).apiCallAttemptTimeout(Duration.ofMillis(700)))
                .build();
    }

    /** Haven over the given region clients (home first), local region as given; waits until reads are served. */
    public static HavenDynamoDbClient haven(String local, boolean hedging, Duration fixedHedgeDelay, Map<String, DynamoDbClient> regions) {
        HavenDynamoDbClient.Builder b = HavenDynamoDbClient.builder()
                .clusterName("bench-ddb")
                .homeRegion(HOME)
                .localRegion(local)
                .heartbeatTable(HEARTBEAT_TABLE)
                .hedging(hedging)
                .closeUserClients(true);
        if (fixedHedgeDelay != null) {
            b.hedgeDelay(fixedHedgeDelay);
        }
        regions.forEach(b::region);
        HavenDynamoDbClient haven = b.build();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            try {
                haven.getItem(GET);
                haven.getItem(GET_STRONG);
                return haven;
            } catch (RuntimeException e) {
                last = e;
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        haven.close();
        throw new IllegalStateException("Haven's topology did not come up over the canned regions", last);
    }

    public static void requireItem(software.amazon.awssdk.services.dynamodb.model.GetItemResponse r) {
        if (!r.hasItem() || !"k".equals(r.item().get("pk").s())) {
            throw new IllegalStateException("unexpected response " + r);
        }
    }
}
