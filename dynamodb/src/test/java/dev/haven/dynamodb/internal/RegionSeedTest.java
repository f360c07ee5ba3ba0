package dev.haven.dynamodb.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.Endpoint;
import java.net.URI;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** The endpoint a region is named by in the topology, events and logs: where its requests really go. */
class RegionSeedTest {

    @Test
    void anOverriddenEndpointIsNamedByItsHostAndPortAndKeepsItsRegion() {
        Endpoint e = HeartbeatMonitor.seed(new DynamoDbSettings.RegionSpec("us-east-1", URI.create("http://127.0.0.1:8000"), null));
        assertThat(e.address()).isEqualTo("127.0.0.1:8000");
        assertThat(e.id()).isEqualTo("us-east-1");
        assertThat(e.region()).isEqualTo("us-east-1");
    }

    @Test
    void anOverrideWithoutPortTakesTheSchemesPort() {
        assertThat(HeartbeatMonitor.seed(new DynamoDbSettings.RegionSpec("eu-west-1", URI.create("http://localstack"), null))
                .address()).isEqualTo("localstack:80");
        assertThat(HeartbeatMonitor.seed(new DynamoDbSettings.RegionSpec("eu-west-1", URI.create("https://vpce.example"), null))
                .address()).isEqualTo("vpce.example:443");
    }

    @Test
    void aCallersClientBuiltWithAnOverrideIsNamedByIt() {
        try (DynamoDbClient client = DynamoDbClient.builder().region(Region.US_WEST_2)
                .endpointOverride(URI.create("http://127.0.0.1:8123"))
                .credentialsProvider(AnonymousCredentialsProvider.create()).build()) {
            Endpoint e = HeartbeatMonitor.seed(new DynamoDbSettings.RegionSpec("us-west-2", null, client));
            assertThat(e.address()).isEqualTo("127.0.0.1:8123");
            assertThat(e.region()).isEqualTo("us-west-2");
        }
    }

    @Test
    void withoutOverrideTheRegionsPublicEndpoint() {
        assertThat(HeartbeatMonitor.seed(new DynamoDbSettings.RegionSpec("us-east-1", null, null)).address())
                .isEqualTo("dynamodb.us-east-1:443");
        try (DynamoDbClient client = DynamoDbClient.builder().region(Region.US_WEST_2)
                .credentialsProvider(AnonymousCredentialsProvider.create()).build()) {
            assertThat(HeartbeatMonitor.seed(new DynamoDbSettings.RegionSpec("us-west-2", null, client)).address())
                    .isEqualTo("dynamodb.us-west-2:443");
        }
    }
}
