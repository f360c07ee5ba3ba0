package dev.haven.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.Consistency;
import dev.haven.event.HavenEvent;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;

/** Hedged reads over fake regions, one of them slow. */
class HedgingTest {

    private static final GetItemRequest GET = GetItemRequest.builder().tableName("t").build();

    @Test
    void aSlowRegionIsHedgedAndTheFirstAnswerWins() {
        FakeRegions fakes = new FakeRegions("us-east-1", "us-west-2", "eu-west-1");
        List<HavenEvent> events = new CopyOnWriteArrayList<>();
        try (HavenDynamoDbClient client = fakes.builder("us-east-1").localRegion("us-west-2")
                .hedgeDelay(Duration.ofMillis(20)).listener(events::add).build()) {
            fakes.region("us-west-2").delayMillis = 5_000;
            long t0 = System.nanoTime();
            client.getItem(GET);
            long tookMs = (System.nanoTime() - t0) / 1_000_000;
            // half the slow region's time: a margin a loaded CI machine cannot eat (300 ms of 500 was too tight)
            assertThat(tookMs).as("answered by the hedge, not after the slow region's 5 s").isLessThan(2_500);
            assertThat(fakes.calls("getItem")).extracting(FakeRegions.Call::region).hasSize(2).first().isEqualTo("us-west-2");
            assertThat(events).filteredOn(e -> e instanceof HavenEvent.HedgeSent).hasSize(1)
                    .first().matches(e -> ((HavenEvent.HedgeSent) e).delay().equals(Duration.ofMillis(20)));
        }
    }

    @Test
    void aHedgedPairFailingFallsBackToTheThirdRegion() {
        FakeRegions fakes = new FakeRegions("us-east-1", "us-west-2", "eu-west-1");
        try (HavenDynamoDbClient client = fakes.builder("us-east-1").localRegion("us-west-2")
                .hedgeDelay(Duration.ofMillis(10)).build()) {
            fakes.region("us-west-2").delayMillis = 100;
            fakes.region("us-west-2").fail("getItem", software.amazon.awssdk.core.exception.SdkClientException.create("reset"));
            fakes.region("us-east-1").fail("getItem", software.amazon.awssdk.core.exception.SdkClientException.create("reset"));
            fakes.region("eu-west-1").fail("getItem", software.amazon.awssdk.core.exception.SdkClientException.create("reset"));
            // us-west-2 answers late and fails, the hedge to the second region fails at once: the retry must go to
            // the third region (not back to the second), which fails once and then answers (3 attempts).
            client.getItem(GET);
            long regionsTried = fakes.calls("getItem").stream().map(FakeRegions.Call::region).distinct().count();
            assertThat(fakes.calls("getItem")).hasSize(4);
            assertThat(regionsTried).isEqualTo(3);
        }
    }

    @Test
    void aFastRegionIsNotHedged() {
        FakeRegions fakes = new FakeRegions("us-east-1", "us-west-2");
        List<HavenEvent> events = new CopyOnWriteArrayList<>();
        try (HavenDynamoDbClient client = fakes.builder("us-east-1").localRegion("us-west-2")
                .hedgeDelay(Duration.ofMillis(200)).listener(events::add).build()) {
            for (int i = 0; i < 50; i++) {
                client.getItem(GET);
            }
            assertThat(fakes.calls("getItem")).hasSize(50).extracting(FakeRegions.Call::region).containsOnly("us-west-2");
            assertThat(events).noneMatch(e -> e instanceof HavenEvent.HedgeSent);
            client.withConsistency(Consistency.STRONG).getItem(GET); // STRONG: never hedged
            assertThat(fakes.calls("getItem")).hasSize(51);
        }
    }

    @Test
    void hedgesStayWithinTheirBudget() {
        FakeRegions fakes = new FakeRegions("us-east-1", "us-west-2");
        List<HavenEvent> events = new CopyOnWriteArrayList<>();
        try (HavenDynamoDbClient client = fakes.builder("us-east-1").localRegion("us-west-2")
                .hedgeDelay(Duration.ofMillis(1)).hedgeBudgetRatio(0.05).listener(events::add).build()) {
            fakes.region("us-west-2").delayMillis = 10;
            long t0 = System.nanoTime();
            int reads = 200;
            for (int i = 0; i < reads; i++) {
                client.getItem(GET);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            long hedges = events.stream().filter(e -> e instanceof HavenEvent.HedgeSent).count();
            // 5 % of reads, plus the reserve of one per second (and one to start with)
            assertThat(hedges).isGreaterThanOrEqualTo(5).isLessThanOrEqualTo((long) (reads * 0.05 + 1 + Math.ceil(seconds)));
            assertThat(fakes.calls("getItem")).hasSize((int) (reads + hedges));
        }
    }
}
