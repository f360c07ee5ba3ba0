package dev.haven.testkit.dynamodb;

import static dev.haven.testkit.dynamodb.Tables.awaitValue;
import static dev.haven.testkit.dynamodb.Tables.key;
import static dev.haven.testkit.dynamodb.Tables.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.testkit.dynamodb.internal.LastWriterWins;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Three regions (one start for the class), default replication delay 1 s: what a Global Tables test relies on,
 * with numbers.
 */
@HavenDynamoDb(perClass = true)
class GlobalTablesIT {

    private static final String EAST = "us-east-1";
    private static final String WEST = "us-west-2";
    private static final String EU = "eu-west-1";
    private static final Duration DELAY = Duration.ofSeconds(1);
    /** Poll interval of the stream readers plus scheduling on a busy 2-core machine. */
    private static final Duration MARGIN = Duration.ofMillis(1500);

    private final DynamoDbRegions regions;

    GlobalTablesIT(DynamoDbRegions regions) {
        this.regions = regions;
    }

    @BeforeAll
    static void started(DynamoDbRegions regions) {
        System.out.printf("3 regions started in %d ms (%s), pids %s%n", regions.startupTime().toMillis(), regions.binarySource(), regions.pids());
    }

    @AfterEach
    void defaults() {
        regions.resumeReplication();
        regions.replicationDelay(DELAY);
        for (String r : regions.regions()) {
            regions.unfreeze(r);
        }
    }

    @Test
    void threeRegionsStartInParallel() {
        assertThat(regions.regions()).containsExactly(EAST, WEST, EU);
        assertThat(regions.pids()).hasSize(3);
        assertThat(regions.regions()).allMatch(regions::isRunning);
        assertThat(regions.startupTime()).isPositive().isLessThan(Duration.ofSeconds(60));
        assertThat(regions.endpoint(EAST)).isNotEqualTo(regions.directEndpoint(EAST));
        assertThat(regions.binarySource()).contains("DynamoDB Local 3.3.1");
    }

    @Test
    void everyRegionEndsWithTheLastOfASingleWritersQuickPuts() {
        // Two puts of one item a few milliseconds apart, as one writer makes them: the second must win everywhere.
        // Before the reader remembered the stamps it gave, the second put could land before the write-back of the
        // first one's stamp and got an equal stamp (ApproximateCreationDateTime has a granularity of a second): the
        // other regions kept the first value forever.
        String table = Tables.fresh(regions);
        regions.replicationDelay(Duration.ZERO);
        int rounds = 40;
        int diverged = 0;
        for (int i = 0; i < rounds; i++) {
            String v1 = "first-" + i;
            String v2 = "second-" + i;
            regions.client(EAST).putItem(b -> b.tableName(table).item(Map.of("id", AttributeValue.fromS("quick"), "v", AttributeValue.fromS(v1))));
            regions.client(EAST).putItem(b -> b.tableName(table).item(Map.of("id", AttributeValue.fromS("quick"), "v", AttributeValue.fromS(v2))));
            regions.awaitReplicated(Duration.ofSeconds(30));
            for (String r : List.of(EAST, WEST, EU)) {
                String got = value(regions.client(r), table, "quick");
                if (!v2.equals(got)) {
                    diverged++;
                    System.out.printf("round %d: %s holds %s instead of %s%n", i, r, got, v2);
                }
            }
        }
        assertThat(diverged).as("regions left with an older value, of %d", rounds * 3).isZero();
    }

    @Test
    void aPutAppearsInTheOtherRegionsAfterTheReplicationDelay() throws Exception {
        String table = Tables.fresh(regions);
        List<Long> measured = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String id = "item-" + i;
            long t0 = System.nanoTime();
            regions.client(EAST).putItem(b -> b.tableName(table).item(Map.of("id", AttributeValue.fromS(id), "v", AttributeValue.fromS("x"))));
            for (String target : List.of(WEST, EU)) {
                long waited = awaitValue(regions.client(target), table, id, "x", DELAY.plus(MARGIN).plusSeconds(5));
                assertThat(waited).as("%s replicated to %s", id, target).isPositive();
                measured.add((System.nanoTime() - t0) / 1_000_000);
            }
        }
        System.out.printf("put in %s visible in %s/%s after %s ms (delay %d ms)%n", EAST, WEST, EU, measured, DELAY.toMillis());
        assertThat(Collections.min(measured)).as("no change applied before the delay").isGreaterThanOrEqualTo(DELAY.toMillis());
        assertThat(Collections.max(measured)).as("every change applied within delay + margin").isLessThan(DELAY.plus(MARGIN).toMillis());
    }

    @Test
    void pausedReplicationIsLagThatResumeCatchesUp() throws Exception {
        String table = Tables.fresh(regions);
        regions.pauseReplication();
        regions.client(EAST).putItem(b -> b.tableName(table).item(Map.of("id", AttributeValue.fromS("a"), "v", AttributeValue.fromS("1"))));
        long t0 = System.nanoTime();
        while (System.nanoTime() - t0 < Duration.ofSeconds(3).toNanos()) {
            assertThat(value(regions.client(WEST), table, "a")).as("in %s while paused", WEST).isNull();
            Thread.sleep(50);
        }
        // 5 s: enough for two full passes over the streams on a loaded machine (at load ~7, 500 ms was not, and the
        // wait ended with "the stream of us-east-1 was not read completely" before it could see the paused link)
        assertThatThrownBy(() -> regions.awaitReplicated(Duration.ofSeconds(5)))
                .isInstanceOf(DynamoDbRegionsException.class)
                .hasMessageContaining("pending (paused)");

        regions.resumeReplication();
        long resumed = System.nanoTime();
        regions.awaitReplicated(Duration.ofSeconds(20));
        long caughtUp = (System.nanoTime() - resumed) / 1_000_000;
        System.out.printf("absent in %s for %d ms while paused; replicated %d ms after resume%n", WEST, (resumed - t0) / 1_000_000, caughtUp);
        assertThat(value(regions.client(WEST), table, "a")).isEqualTo("1");
        assertThat(value(regions.client(EU), table, "a")).isEqualTo("1");
        assertThat(caughtUp).as("queued longer than the delay: applied at once").isLessThan(MARGIN.toMillis() + 1000);
    }

    @Test
    void concurrentWritesConvergeToTheLaterTimestampEverywhere() throws Exception {
        String table = Tables.fresh(regions);
        regions.replicationDelay(Duration.ofSeconds(2)); // both writes land before either replicates
        long discardedBefore = regions.discardedCount();
        long now = LastWriterWins.micros(Instant.now());
        // Haven-style stamped writes; the west write is written FIRST but carries the later stamp
        put(WEST, table, "k", "west", now + 1_000, WEST);
        put(EAST, table, "k", "east", now, EAST);
        regions.awaitReplicated(Duration.ofSeconds(20));
        for (String r : regions.regions()) {
            Map<String, AttributeValue> item = Tables.get(regions.client(r), table, "k").orElseThrow();
            assertThat(item.get("v").s()).as("value in %s", r).isEqualTo("west");
            assertThat(item.get(DynamoDbRegions.TIMESTAMP_ATTRIBUTE).n()).as("stamp in %s", r).isEqualTo(Long.toString(now + 1_000));
        }
        assertThat(regions.discardedCount() - discardedBefore).as("the east write lost in west and eu").isGreaterThanOrEqualTo(1);
        System.out.printf("stamped conflict: every region holds 'west' (stamp +1 ms), %d replicated changes discarded%n",
                regions.discardedCount() - discardedBefore);
    }

    @Test
    void unstampedConcurrentWritesAreStampedByStreamTimeAndConverge() throws Exception {
        String table = Tables.fresh(regions);
        regions.replicationDelay(Duration.ofSeconds(4));
        regions.client(EAST).putItem(b -> b.tableName(table).item(Map.of("id", AttributeValue.fromS("k"), "v", AttributeValue.fromS("east"))));
        Thread.sleep(1_200); // more than the stream's timestamp granularity, less than the delay
        regions.client(WEST).putItem(b -> b.tableName(table).item(Map.of("id", AttributeValue.fromS("k"), "v", AttributeValue.fromS("west"))));
        regions.awaitReplicated(Duration.ofSeconds(20));
        List<String> stamps = new ArrayList<>();
        for (String r : regions.regions()) {
            Map<String, AttributeValue> item = Tables.get(regions.client(r), table, "k").orElseThrow();
            assertThat(item.get("v").s()).as("value in %s", r).isEqualTo("west");
            assertThat(item.get(DynamoDbRegions.REGION_ATTRIBUTE).s()).as("origin in %s", r).isEqualTo(WEST);
            stamps.add(item.get(DynamoDbRegions.TIMESTAMP_ATTRIBUTE).n());
        }
        assertThat(stamps).as("one stamp everywhere (written back to the source too)").containsOnly(stamps.get(0));
        System.out.printf("unstamped conflict: every region holds 'west' stamped %s µs%n", stamps.get(0));
    }

    @Test
    void aPlainOverwriteOfAReplicatedItemWinsEverywhereAsItDidLocally() throws Exception {
        String table = Tables.fresh(regions);
        regions.replicationDelay(Duration.ofMillis(200));
        // a stamp later than DynamoDB Local's second-granular stream time of the overwrite below
        long ahead = LastWriterWins.micros(Instant.now().plusSeconds(2));
        put(WEST, table, "p", "west", ahead, WEST);
        regions.awaitReplicated(Duration.ofSeconds(20));
        regions.client(EAST).putItem(b -> b.tableName(table).item(Map.of("id", AttributeValue.fromS("p"), "v", AttributeValue.fromS("east"))));
        regions.awaitReplicated(Duration.ofSeconds(20));
        for (String r : regions.regions()) {
            Map<String, AttributeValue> item = Tables.get(regions.client(r), table, "p").orElseThrow();
            assertThat(item.get("v").s()).as("value in %s", r).isEqualTo("east");
            assertThat(Long.parseLong(item.get(DynamoDbRegions.TIMESTAMP_ATTRIBUTE).n())).as("stamp in %s", r).isEqualTo(ahead + 1);
        }
    }

    @Test
    void deletesReplicateAndNothingEchoes() throws Exception {
        String table = Tables.fresh(regions);
        regions.replicationDelay(Duration.ofMillis(200));
        regions.client(EAST).putItem(b -> b.tableName(table).item(Map.of("id", AttributeValue.fromS("d"), "v", AttributeValue.fromS("1"))));
        regions.awaitReplicated(Duration.ofSeconds(20));
        assertThat(value(regions.client(EU), table, "d")).isEqualTo("1");
        long before = regions.replicatedCount();

        long t0 = System.nanoTime();
        regions.client(WEST).deleteItem(b -> b.tableName(table).key(key("d")));
        for (String r : List.of(EAST, EU)) {
            assertThat(awaitValue(regions.client(r), table, "d", null, Duration.ofSeconds(10))).as("deleted in %s", r).isNotNegative();
        }
        System.out.printf("delete in %s replicated in %d ms (delay 200 ms)%n", WEST, (System.nanoTime() - t0) / 1_000_000);
        regions.awaitReplicated(Duration.ofSeconds(20));
        Thread.sleep(1_000);
        regions.awaitReplicated(Duration.ofSeconds(20));
        assertThat(regions.replicatedCount() - before).as("one delete applied in each of the 2 other regions, no echo").isEqualTo(2);
        for (String r : regions.regions()) {
            assertThat(Tables.get(regions.client(r), table, "d")).as("in %s", r).isEmpty();
        }
    }

    @Test
    void freezeMakesCallsThroughTheProxyTimeOutWhileTheDirectEndpointAnswers() {
        String table = Tables.fresh(regions);
        Duration timeout = Duration.ofSeconds(2);
        try (DynamoDbClient proxied = DynamoDbClient.builder()
                .endpointOverride(regions.endpoint(EAST))
                .region(Region.of(EAST))
                .credentialsProvider(regions.credentials())
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .overrideConfiguration(o -> o.apiCallTimeout(timeout).retryStrategy(b -> b.maxAttempts(1)))
                .build()) {
            proxied.putItem(b -> b.tableName(table).item(Map.of("id", AttributeValue.fromS("f"), "v", AttributeValue.fromS("1"))));
            regions.freeze(EAST);
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> proxied.getItem(b -> b.tableName(table).key(key("f"))))
                    .isInstanceOf(ApiCallTimeoutException.class);
            long failedAfter = (System.nanoTime() - t0) / 1_000_000;
            long d0 = System.nanoTime();
            assertThat(value(regions.client(EAST), table, "f")).isEqualTo("1");
            long directMillis = (System.nanoTime() - d0) / 1_000_000;
            System.out.printf("frozen: proxied call failed after %d ms (apiCallTimeout %d ms); direct call took %d ms%n",
                    failedAfter, timeout.toMillis(), directMillis);
            assertThat(failedAfter).isBetween(timeout.toMillis() - 50, timeout.toMillis() + 3_000);
            assertThat(directMillis).isLessThan(timeout.toMillis());

            regions.unfreeze(EAST);
            assertThat(proxied.getItem(b -> b.tableName(table).key(key("f"))).item().get("v").s()).isEqualTo("1");
        }
    }

    @Test
    void latencyAddsToEveryRoundTripThroughTheProxy() {
        String table = Tables.fresh(regions);
        try (DynamoDbClient proxied = DynamoDbClient.builder()
                .endpointOverride(regions.endpoint(WEST))
                .region(Region.of(WEST))
                .credentialsProvider(regions.credentials())
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .build()) {
            proxied.getItem(b -> b.tableName(table).key(key("x"))); // connection open
            regions.latency(WEST, Duration.ofMillis(300));
            long t0 = System.nanoTime();
            proxied.getItem(b -> b.tableName(table).key(key("x")));
            long millis = (System.nanoTime() - t0) / 1_000_000;
            regions.latency(WEST, Duration.ZERO);
            System.out.printf("GetItem with 300 ms injected latency took %d ms%n", millis);
            assertThat(millis).isGreaterThanOrEqualTo(300);
        }
    }

    private void put(String region, String table, String id, String v, long ts, String origin) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("id", AttributeValue.fromS(id));
        item.put("v", AttributeValue.fromS(v));
        item.put(DynamoDbRegions.TIMESTAMP_ATTRIBUTE, AttributeValue.fromN(Long.toString(ts)));
        item.put(DynamoDbRegions.REGION_ATTRIBUTE, AttributeValue.fromS(origin));
        regions.client(region).putItem(b -> b.tableName(table).item(item));
    }
}
