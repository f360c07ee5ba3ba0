package dev.haven.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.event.HavenEvent;
import dev.haven.metrics.HavenMetrics;
import dev.haven.testkit.SecretScan;
import dev.haven.testkit.StderrCapture;
import dev.haven.testkit.dynamodb.DynamoDbRegions;
import dev.haven.testkit.dynamodb.HavenDynamoDb;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * The application's AWS secret key and session token never leave Haven: a run signed with known secrets through a
 * hung home region (reads hedged, writes failing), bad-configuration builds and a region that is not there, and a scan
 * of everything Haven produced (log lines, exception stack traces down every cause, {@code toString()} of the client,
 * its settings and topology, every event, every meter name and tag).
 */
@HavenDynamoDb(regions = {"us-east-1", "us-west-2"})
class SecretsIT {

    private static final String SECRET_KEY = "Dd-3c9e1f-secret-key";
    private static final String SESSION_TOKEN = "Dd-8a2b4d-session-token";
    private static final String HOME = "us-east-1";

    @Test
    void theSecretKeyAndSessionTokenAppearNowhereHavenReports(DynamoDbRegions regions) throws Exception {
        CreateTableRequest items = CreateTableRequest.builder().tableName("items")
                .keySchema(KeySchemaElement.builder().attributeName("pk").keyType(KeyType.HASH).build())
                .attributeDefinitions(AttributeDefinition.builder().attributeName("pk").attributeType(ScalarAttributeType.S)
                        .build()).billingMode(BillingMode.PAY_PER_REQUEST).build();
        regions.createGlobalTable(items);
        regions.createGlobalTable(items.toBuilder().tableName("haven-heartbeat").build());
        // DynamoDB Local keeps data per access key id: the testkit's id, with our secret key and token
        String keyId = regions.credentials().resolveCredentials().accessKeyId();
        AwsCredentialsProvider secrets = () -> AwsSessionCredentials.create(keyId, SECRET_KEY, SESSION_TOKEN);

        SecretScan scan = new SecretScan(SECRET_KEY, SESSION_TOKEN);
        List<HavenEvent> events = new CopyOnWriteArrayList<>();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        int ok = 0;
        Map<String, Integer> failedBy = new java.util.TreeMap<>();
        List<String> log;
        try (StderrCapture stderr = new StderrCapture()) {
            HavenDynamoDbClient.Builder b = HavenDynamoDbClient.builder().clusterName("secrets").homeRegion(HOME)
                    .heartbeatTable("haven-heartbeat").credentialsProvider(secrets).listener(events::add)
                    .attemptTimeout(Duration.ofMillis(500)).probeTimeout(Duration.ofMillis(500));
            for (String r : regions.regions()) {
                b.region(r, regions.endpoint(r));
            }
            // 1. reads and writes, then the home region hung for 3 s
            try (HavenDynamoDbClient client = b.build()) {
                HavenMetrics metrics = new HavenMetrics("secrets", client::topology);
                client.addListener(metrics);
                metrics.bindTo(registry);
                scan.text(client.toString());
                scan.text(client.settings().toString());
                long ready = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (client.topology().writer().isEmpty() && System.nanoTime() < ready) {
                    Thread.sleep(20); // the first heartbeat round: until then writes have no home region
                }
                long hangEnds = 0;
                for (int i = 0; i < 300; i++) {
                    if (i == 100) {
                        regions.freeze(HOME);
                        hangEnds = System.nanoTime() + Duration.ofSeconds(3).toNanos();
                    }
                    if (hangEnds != 0 && System.nanoTime() > hangEnds) {
                        regions.unfreeze(HOME);
                        hangEnds = 0;
                    }
                    Map<String, AttributeValue> key = Map.of("pk", AttributeValue.fromS("k" + (i % 20)));
                    try {
                        client.putItem(PutItemRequest.builder().tableName("items")
                                .item(Map.of("pk", key.get("pk"), "n", AttributeValue.fromN(Integer.toString(i)))).build());
                        client.getItem(GetItemRequest.builder().tableName("items").key(key).build());
                        ok++;
                    } catch (RuntimeException e) {
                        scan.exception(e);
                        failedBy.merge(e.getClass().getSimpleName(), 1, Integer::sum);
                    }
                }
                if (hangEnds != 0) {
                    regions.unfreeze(HOME);
                }
                scan.text(client.toString());
                scan.text(client.topology().toString());
            } finally {
                regions.unfreeze(HOME);
            }
            // 2. bad configuration, signed with the same provider
            List<java.util.function.Supplier<HavenDynamoDbClient>> badConfigs = List.of(
                    () -> HavenDynamoDbClient.builder().homeRegion(HOME).region(HOME).credentialsProvider(secrets)
                            .attemptTimeout(Duration.ofMillis(-1)).build(),
                    () -> HavenDynamoDbClient.builder().homeRegion("nowhere-1").region(HOME).credentialsProvider(secrets)
                            .build(),
                    () -> HavenDynamoDbClient.builder().properties(Map.of("haven.dynamodb.home-region", HOME,
                            "haven.dynamodb.regions", HOME, "haven.dynamodb.no-such-key", SECRET_KEY)).build());
            int refused = 0;
            for (java.util.function.Supplier<HavenDynamoDbClient> bad : badConfigs) {
                try (HavenDynamoDbClient notRefused = bad.get()) {
                    scan.text(notRefused.toString());
                } catch (RuntimeException e) {
                    refused++;
                    scan.exception(e);
                }
            }
            assertThat(refused).as("bad configurations refused, of " + badConfigs.size()).isEqualTo(badConfigs.size());
            // 3. a home region that is not there
            int deadPort;
            try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                deadPort = free.getLocalPort(); // closed again: nothing listens there
            }
            try (HavenDynamoDbClient client = HavenDynamoDbClient.builder().clusterName("secrets-dead").homeRegion(HOME)
                    .region(HOME, java.net.URI.create("http://127.0.0.1:" + deadPort)).credentialsProvider(secrets)
                    .listener(events::add).attemptTimeout(Duration.ofMillis(500)).build()) {
                client.putItem(PutItemRequest.builder().tableName("items").item(Map.of("pk", AttributeValue.fromS("x")))
                        .build());
                throw new AssertionError("wrote to a region that is not there");
            } catch (RuntimeException e) {
                scan.exception(e);
            }
            log = stderr.lines();
        }
        events.forEach(scan::text);
        List<Meter> meters = registry.getMeters();
        meters.forEach(m -> scan.text(m.getId()));
        List<String> leaks = scan.leaks(log);
        System.err.printf("SecretsIT (DynamoDB): %d of 300 put+get pairs ok, failed %s; scanned %d log lines, %d events,"
                + " %d exceptions (with causes), %d meters, %d texts in all: %d contain the secret key or the session token%n",
                ok, failedBy, log.size(), events.size(), scan.exceptions(), meters.size(), scan.texts(), leaks.size());
        assertThat(ok).as("operations answered").isPositive();
        assertThat(events).as("events of the run").isNotEmpty();
        assertThat(scan.exceptions()).as("exceptions scanned").isGreaterThanOrEqualTo(4);
        assertThat(meters).as("meters scanned").isNotEmpty();
        assertThat(leaks).as("texts containing the secret key or the session token").isEmpty();
    }
}
