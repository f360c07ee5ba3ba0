package dev.haven.testkit.dynamodb;

import static dev.haven.testkit.dynamodb.Tables.awaitValue;
import static dev.haven.testkit.dynamodb.Tables.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.testkit.internal.ServerProcesses;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Processes: none outlives close(); kill loses a region's memory, restart brings it back empty and catches up. */
class RegionLifecycleIT {

    @Test
    void closeStopsEveryServerAndIsIdempotent() {
        DynamoDbRegions regions = DynamoDbRegions.builder().regions("us-east-1", "us-west-2").start();
        List<Long> pids = regions.pids();
        assertThat(pids).hasSize(2);
        assertThat(alive(pids)).hasSize(2);

        long t0 = System.nanoTime();
        regions.close();
        System.out.printf("close() took %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        assertThat(alive(pids)).as("servers alive after close").isEmpty();
        regions.close();
        assertThatThrownBy(() -> regions.client("us-east-1")).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void killedRegionRestartsEmptyAndReceivesTheChangesQueuedMeanwhile() throws Exception {
        try (DynamoDbRegions regions = DynamoDbRegions.builder().regions("us-east-1", "us-west-2")
                .replicationDelay(Duration.ofMillis(200)).start()) {
            String table = Tables.fresh(regions);
            regions.client("us-east-1").putItem(b -> b.tableName(table).item(Map.of("id", AttributeValue.fromS("before"), "v", AttributeValue.fromS("1"))));
            regions.awaitReplicated(Duration.ofSeconds(20));
            assertThat(value(regions.client("us-west-2"), table, "before")).isEqualTo("1");

            long killedPid = regions.pids().get(1);
            regions.kill("us-west-2");
            assertThat(regions.isRunning("us-west-2")).isFalse();
            assertThat(alive(List.of(killedPid))).isEmpty();
            regions.client("us-east-1").putItem(b -> b.tableName(table).item(Map.of("id", AttributeValue.fromS("during"), "v", AttributeValue.fromS("2"))));
            assertThatThrownBy(() -> regions.awaitReplicated(Duration.ofSeconds(1)))
                    .isInstanceOf(DynamoDbRegionsException.class)
                    .hasMessageContaining("us-east-1→us-west-2: 1 pending");

            long t0 = System.nanoTime();
            regions.restart("us-west-2");
            System.out.printf("restart of one region took %d ms%n", (System.nanoTime() - t0) / 1_000_000);
            assertThat(regions.pids()).hasSize(3);
            assertThat(awaitValue(regions.client("us-west-2"), table, "during", "2", Duration.ofSeconds(10)))
                    .as("change queued while the region was down").isNotNegative();
            assertThat(value(regions.client("us-west-2"), table, "before")).as("in-memory data is gone after restart").isNull();

            // the restarted region replicates again, in both directions
            regions.client("us-west-2").putItem(b -> b.tableName(table).item(Map.of("id", AttributeValue.fromS("after"), "v", AttributeValue.fromS("3"))));
            regions.awaitReplicated(Duration.ofSeconds(20));
            assertThat(value(regions.client("us-east-1"), table, "after")).isEqualTo("3");
        }
    }

    static List<Long> alive(List<Long> pids) {
        return pids.stream()
                .filter(pid -> ProcessHandle.of(pid).map(ServerProcesses::isRunning).orElse(false))
                .collect(Collectors.toList());
    }
}
