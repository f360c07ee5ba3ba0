package dev.haven.benchmarks.ddb;

import dev.haven.dynamodb.HavenDynamoDbClient;
import dev.haven.testkit.dynamodb.CannedDynamoDbHttpClient;
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

    private static final StaticCredentialsProvider CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDBENCH", "secretbench"));
    private static final Duration API_CALL_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration ATTEMPT_TIMEOUT = Duration.ofMillis(700);

    /**
     * A raw SDK client configured as Haven configures the clients it builds: static credentials, no SDK retries,
     * the same timeouts (the stub never blocks long), the same by-host dispatch to the canned region.
     */
    public static DynamoDbClient client(String region, CannedDynamoDbHttpClient http) {
        return DynamoDbClient.builder()
                .region(Region.of(region))
                .credentialsProvider(CREDENTIALS)
                .httpClient(CannedDynamoDbHttpClient.byHost(Map.of(region, http)))
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())
                        .apiCallTimeout(API_CALL_TIMEOUT).apiCallAttemptTimeout(ATTEMPT_TIMEOUT))
                .build();
    }

    /**
     * Haven building its own SDK clients (the default set-up: hedged reads run their first call on the caller's
     * thread and cancel the loser) over canned regions, home first; waits until reads are served.
     */
    public static HavenDynamoDbClient havenBuilt(String local, boolean hedging, Duration fixedHedgeDelay,
            Map<String, CannedDynamoDbHttpClient> regions) {
        HavenDynamoDbClient.Builder b = builder(local, hedging, fixedHedgeDelay)
                .httpClient(CannedDynamoDbHttpClient.byHost(regions))
                .credentialsProvider(CREDENTIALS)
                .deadline(API_CALL_TIMEOUT).attemptTimeout(ATTEMPT_TIMEOUT);
        regions.keySet().forEach(b::region);
        return awaitServing(b.build());
    }

    /**
     * Haven over the caller's region clients (home first), local region as given; waits until reads are served.
     * Hedged reads then hand off to Haven's read pool (Haven cannot cancel a caller's client's calls).
     */
    public static HavenDynamoDbClient haven(String local, boolean hedging, Duration fixedHedgeDelay, Map<String, DynamoDbClient> regions) {
        HavenDynamoDbClient.Builder b = builder(local, hedging, fixedHedgeDelay).closeUserClients(true);
        regions.forEach(b::region);
        return awaitServing(b.build());
    }

    private static HavenDynamoDbClient.Builder builder(String local, boolean hedging, Duration fixedHedgeDelay) {
        HavenDynamoDbClient.Builder b = HavenDynamoDbClient.builder()
                .clusterName("bench-ddb")
                .homeRegion(HOME)
                .localRegion(local)
                .heartbeatTable(HEARTBEAT_TABLE)
                .hedging(hedging);
        if (fixedHedgeDelay != null) {
            b.hedgeDelay(fixedHedgeDelay);
        }
        return b;
    }

    private static HavenDynamoDbClient awaitServing(HavenDynamoDbClient haven) {
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
