package dev.haven.testkit.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Per-method regions: injected into constructor and method (the same instance), closed after each test. */
@HavenDynamoDb(regions = {"us-east-1", "us-west-2"}, replicationDelay = "250ms")
class HavenDynamoDbExtensionIT {

    private static final List<Long> PIDS = new CopyOnWriteArrayList<>();

    private final DynamoDbRegions injected;

    HavenDynamoDbExtensionIT(DynamoDbRegions regions) {
        this.injected = regions;
    }

    @Test
    void injectsConfiguredRegions(DynamoDbRegions regions) throws Exception {
        assertThat(regions).isSameAs(injected);
        assertThat(regions.regions()).containsExactly("us-east-1", "us-west-2");
        PIDS.addAll(regions.pids());

        String table = Tables.fresh(regions);
        long t0 = System.nanoTime();
        regions.client("us-west-2").putItem(b -> b.tableName(table).item(Map.of("id", AttributeValue.fromS("x"), "v", AttributeValue.fromS("1"))));
        long waited = Tables.awaitValue(regions.client("us-east-1"), table, "x", "1", Duration.ofSeconds(10));
        long millis = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("replicationDelay = \"250ms\": replicated after %d ms%n", millis);
        assertThat(waited).isPositive();
        assertThat(millis).isGreaterThanOrEqualTo(250).isLessThan(250 + 1_500);
    }

    @AfterAll
    static void closedAfterTheTest() {
        assertThat(PIDS).hasSize(2);
        assertThat(RegionLifecycleIT.alive(PIDS)).as("servers alive after the test").isEmpty();
    }
}
