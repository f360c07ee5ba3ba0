package dev.haven.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.Consistency;
import dev.haven.HavenSession;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;

/** The item cache wired into HavenDynamoDbClient, over fake regions. */
class ItemCacheClientTest {

    private static final GetItemRequest GET = GetItemRequest.builder().tableName("t").key(Map.of("pk", AttributeValue.fromS("a"))).build();

    @Test
    void eventualGetsHitTheCacheAndWritesThroughTheClientInvalidate() {
        FakeRegions fakes = new FakeRegions("us-east-1", "us-west-2");
        try (HavenDynamoDbClient client = fakes.builder("us-east-1").hedging(false).itemCache(1000, Duration.ofMinutes(1)).build()) {
            client.getItem(GET);
            client.getItem(GET);
            client.getItem(GET);
            assertThat(fakes.calls("getItem")).hasSize(1);
            assertThat(client.itemCacheStats()).containsExactly(2, 1);

            client.getItem(GET.toBuilder().consistentRead(true).build()); // STRONG: never from the cache
            assertThat(fakes.calls("getItem")).hasSize(2);

            client.putItem(PutItemRequest.builder().tableName("t").item(Map.of("pk", AttributeValue.fromS("a"))).build());
            client.getItem(GET);
            assertThat(fakes.calls("getItem")).hasSize(3);

            // A view shares the root's cache; SESSION views bypass it.
            client.withConsistency(Consistency.EVENTUAL).getItem(GET);
            assertThat(fakes.calls("getItem")).hasSize(3);
            client.withSession(HavenSession.create()).getItem(GET);
            assertThat(fakes.calls("getItem")).hasSize(4);
        }
    }

    @Test
    void withoutCacheEveryGetGoesOut() {
        FakeRegions fakes = new FakeRegions("us-east-1");
        try (HavenDynamoDbClient client = fakes.builder("us-east-1").build()) {
            client.getItem(GET);
            client.getItem(GET);
            assertThat(fakes.calls("getItem")).hasSize(2);
            assertThat(client.itemCacheStats()).containsExactly(0, 0);
        }
    }

    @Test
    void validation() {
        FakeRegions fakes = new FakeRegions("us-east-1");
        assertThatThrownBy(() -> fakes.builder("us-east-1").itemCache(0, Duration.ofSeconds(1)).build())
                .hasMessage("haven.dynamodb.item-cache.maximum-size must be >= 1: was 0");
        assertThatThrownBy(() -> fakes.builder("us-east-1").itemCache(10, Duration.ZERO).build())
                .hasMessage("haven.dynamodb.item-cache.max-age must be > 0: was 0s");
    }
}
