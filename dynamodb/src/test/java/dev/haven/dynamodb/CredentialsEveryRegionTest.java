package dev.haven.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.Consistency;
import dev.haven.testkit.dynamodb.CannedDynamoDbHttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;

/**
 * The application's {@code credentialsProvider(...)} signs every request Haven makes: data calls in each region's client
 * and the monitor's heartbeat writes and reads, in every region. Seen from the wire: the {@code Authorization} header
 * of every request carries the provider's access key and the request's region, and never another key (the SDK's
 * default chain would find none here, or the machine's).
 */
class CredentialsEveryRegionTest {

    private static final String HOME = "us-east-1";
    private static final String OTHER = "us-west-2";

    /** Records the host and Authorization header of every request before handing it on. */
    static final class Recording implements SdkHttpClient {
        final SdkHttpClient next;
        final List<String[]> requests = new CopyOnWriteArrayList<>(); // host, target, authorization

        Recording(SdkHttpClient next) {
            this.next = next;
        }

        @Override
        public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
            requests.add(new String[] {request.httpRequest().host(),
                    request.httpRequest().firstMatchingHeader("X-Amz-Target").orElse(""),
                    request.httpRequest().firstMatchingHeader("Authorization").orElse("")});
            return next.prepareRequest(request);
        }

        @Override
        public String clientName() {
            return "recording";
        }

        @Override
        public void close() {
        }
    }

    @Test
    void theApplicationsProviderSignsEveryRegionsDataCallsAndTheHeartbeat() throws Exception {
        AtomicInteger asked = new AtomicInteger();
        AwsCredentialsProvider provider = () -> {
            asked.incrementAndGet();
            return (AwsCredentials) AwsBasicCredentials.create("AKIDHAVENAPP", "app-secret");
        };
        CannedDynamoDbHttpClient.Counter counter = new CannedDynamoDbHttpClient.Counter();
        Recording wire = new Recording(CannedDynamoDbHttpClient.byHost(Map.of(HOME, new CannedDynamoDbHttpClient(counter),
                OTHER, new CannedDynamoDbHttpClient(counter))));
        try (HavenDynamoDbClient client = HavenDynamoDbClient.builder().clusterName("credentials")
                .homeRegion(HOME).region(HOME).region(OTHER).localRegion(OTHER)
                .heartbeatTable("haven-heartbeat").httpClient(wire).credentialsProvider(provider)
                .probeInterval(Duration.ofMillis(100)).probeTimeout(Duration.ofSeconds(5))
                .build()) {
            GetItemRequest get = GetItemRequest.builder().tableName("items").key(Map.of("pk", AttributeValue.fromS("k")))
                    .build();
            for (int i = 0; i < 20; i++) {
                client.getItem(get); // EVENTUAL by default: the local region
                client.withConsistency(Consistency.STRONG).getItem(get); // home
            }
            Thread.sleep(500); // a few heartbeat rounds in both regions
        }
        long fromHome = wire.requests.stream().filter(r -> r[0].contains(HOME)).count();
        long fromOther = wire.requests.stream().filter(r -> r[0].contains(OTHER)).count();
        long heartbeats = wire.requests.stream().filter(r -> r[1].endsWith("UpdateItem")).count();
        long unsigned = wire.requests.stream().filter(r -> !r[2].contains("Credential=AKIDHAVENAPP/")).count();
        long wrongRegion = wire.requests.stream()
                .filter(r -> !r[2].contains("/" + (r[0].contains(HOME) ? HOME : OTHER) + "/dynamodb/aws4_request")).count();
        System.out.printf("credentials: %d requests (%d to %s, %d to %s, %d heartbeat writes), provider asked %d times, "
                + "signed with another key %d, with another region %d%n", wire.requests.size(), fromHome, HOME, fromOther,
                OTHER, heartbeats, asked.get(), unsigned, wrongRegion);
        assertThat(fromHome).as("requests to the home region").isGreaterThanOrEqualTo(20);
        assertThat(fromOther).as("requests to the other region").isGreaterThanOrEqualTo(20);
        assertThat(heartbeats).as("heartbeat writes").isGreaterThan(0);
        assertThat(unsigned).as("requests not signed with the application's key").isZero();
        assertThat(wrongRegion).as("requests signed for another region").isZero();
        assertThat(asked.get()).as("the provider is asked (the SDK caches nothing of a lambda provider)").isGreaterThan(0);
    }
}
