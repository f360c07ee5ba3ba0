package dev.haven.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.Consistency;
import dev.haven.HavenSession;
import dev.haven.Role;
import dev.haven.event.HavenEvent;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.InternalServerErrorException;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;

/** Where each consistency goes, and what happens when a region fails, over no-network fake regions. */
class RoutingTest {

    private final FakeRegions fakes = new FakeRegions("us-east-1", "us-west-2", "eu-west-1");
    private final List<HavenEvent> events = new CopyOnWriteArrayList<>();
    private HavenDynamoDbClient client;

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
    }

    private HavenDynamoDbClient start(HavenDynamoDbClient.Builder b) {
        client = b.listener(events::add).build();
        return client;
    }

    private static GetItemRequest get() {
        return GetItemRequest.builder().tableName("t").build();
    }

    private GetItemRequest lastGet() {
        List<FakeRegions.Call> gets = fakes.calls("getItem");
        return (GetItemRequest) gets.get(gets.size() - 1).request();
    }

    private String lastRegion(String op) {
        List<FakeRegions.Call> c = fakes.calls(op);
        return c.get(c.size() - 1).region();
    }

    /** Two probe rounds after a change, so that the monitor has seen it. */
    private void probe() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            client.topology(); // (no-op) keeps the intent readable
            dev.haven.engine.TopologyMonitor m = monitor();
            m.signal("us-east-1", "test");
            m.awaitRound(Duration.ofSeconds(2));
        }
    }

    private dev.haven.engine.TopologyMonitor monitor() {
        try {
            var f = HavenDynamoDbClient.class.getDeclaredField("executor");
            f.setAccessible(true);
            Object executor = f.get(client);
            var m = executor.getClass().getDeclaredMethod("monitor");
            m.setAccessible(true);
            return (dev.haven.engine.TopologyMonitor) m.invoke(executor);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void homeIsTheWriterAndOtherRegionsAreReaders() {
        start(fakes.builder("us-east-1").hedging(false));
        assertThat(client.topology().writer().orElseThrow().id()).isEqualTo("us-east-1");
        assertThat(client.topology().readers()).extracting(e -> e.id()).containsExactly("us-west-2", "eu-west-1");
        assertThat(client.topology().endpoints()).allMatch(e -> e.region().equals(e.id()));
    }

    @Test
    void strongGoesHomeWithConsistentRead() {
        start(fakes.builder("us-east-1").localRegion("us-west-2").hedging(false));
        client.withConsistency(Consistency.STRONG).getItem(get());
        assertThat(lastRegion("getItem")).isEqualTo("us-east-1");
        assertThat(lastGet().consistentRead()).isTrue();
        client.getItem(get().toBuilder().consistentRead(true).build()); // the request's own flag means STRONG
        assertThat(lastRegion("getItem")).isEqualTo("us-east-1");
    }

    @Test
    void eventualGoesToTheLocalRegionUnchanged() {
        start(fakes.builder("us-east-1").localRegion("eu-west-1").hedging(false));
        for (int i = 0; i < 20; i++) {
            client.getItem(get());
        }
        assertThat(fakes.calls("getItem")).extracting(FakeRegions.Call::region).containsOnly("eu-west-1");
        assertThat(lastGet().consistentRead()).isNull();
    }

    @Test
    void eventualInTheHomeRegionStaysThere() {
        start(fakes.builder("us-east-1").hedging(false)); // local region defaults to home
        for (int i = 0; i < 20; i++) {
            client.getItem(get());
        }
        assertThat(fakes.calls("getItem")).extracting(FakeRegions.Call::region).containsOnly("us-east-1");
    }

    @Test
    void boundedStalenessSkipsALaggingRegion() throws Exception {
        java.util.concurrent.atomic.AtomicLong skew = new java.util.concurrent.atomic.AtomicLong();
        start(fakes.builder("us-east-1").localRegion("us-west-2").hedging(false).ticker(() -> System.nanoTime() + skew.get()));
        fakes.region("us-west-2").lag(true);
        probe();
        skew.addAndGet(Duration.ofSeconds(2).toNanos()); // us-west-2 is now 2 s behind the newest heartbeats
        probe();
        HavenDynamoDbClient bounded = client.withConsistency(Consistency.boundedStaleness(Duration.ofSeconds(1)));
        for (int i = 0; i < 20; i++) {
            bounded.getItem(get());
        }
        assertThat(fakes.calls("getItem")).extracting(FakeRegions.Call::region).doesNotContain("us-west-2");
        assertThat(lastGet().consistentRead()).isTrue();
        assertThat(events).anyMatch(e -> e instanceof HavenEvent.StaleReplicaSkipped s && s.endpoint().id().equals("us-west-2"));

        fakes.region("us-west-2").lag(false);
        probe();
        bounded.getItem(get());
        assertThat(lastRegion("getItem")).isEqualTo("us-west-2");
    }

    @Test
    void sessionReadsGoWhereTheWriteIsKnownToBe() throws Exception {
        start(fakes.builder("us-east-1").localRegion("us-west-2").hedging(false));
        HavenSession session = HavenSession.create();
        HavenDynamoDbClient mine = client.withSession(session);
        mine.getItem(get()); // no write yet: anywhere, local first
        assertThat(lastRegion("getItem")).isEqualTo("us-west-2");

        fakes.region("us-west-2").lag(true);
        fakes.region("eu-west-1").lag(true);
        mine.putItem(b -> b.tableName("t"));
        assertThat(lastRegion("putItem")).isEqualTo("us-east-1");
        probe(); // heartbeats after the write, not replicated: only home vouches for it
        mine.getItem(get());
        assertThat(lastRegion("getItem")).isEqualTo("us-east-1");
        assertThat(lastGet().consistentRead()).isTrue();
        // the next request continues the session from its token (as another process would): same answer
        client.withSession(HavenSession.fromToken(session.token())).getItem(get());
        assertThat(lastRegion("getItem")).isEqualTo("us-east-1");
        assertThat(lastGet().consistentRead()).isTrue();
        // a session without this cluster's writes reads anywhere, local first
        client.withSession(HavenSession.fromToken("hs1;orders@3:16b3a48")).getItem(get());
        assertThat(lastRegion("getItem")).isNotEqualTo("us-east-1");

        fakes.region("us-west-2").lag(false);
        fakes.region("eu-west-1").lag(false);
        probe(); // a heartbeat after the write, replicated (fakes replicate at once)
        mine.getItem(get());
        assertThat(lastRegion("getItem")).isEqualTo("us-west-2");

        fakes.region("us-west-2").lag(true);
        mine.putItem(b -> b.tableName("t"));
        probe();
        mine.getItem(get());
        assertThat(lastRegion("getItem")).isNotEqualTo("us-west-2");
    }

    @Test
    void homeDownFailsStrongReadsAndWritesAtOnce() throws Exception {
        start(fakes.builder("us-east-1").localRegion("us-west-2").hedging(false));
        fakes.region("us-east-1").down = true;
        probe();
        assertThat(client.topology().writer()).isEmpty();
        int before = fakes.calls.size();
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> client.putItem(b -> b.tableName("t")))
                .isInstanceOf(HavenRegionUnavailableException.class)
                .isInstanceOf(SdkClientException.class)
                .hasMessageContaining("us-east-1").hasMessageContaining("haven.dynamodb.write-failover is off");
        assertThatThrownBy(() -> client.withConsistency(Consistency.STRONG).getItem(get()))
                .isInstanceOf(HavenRegionUnavailableException.class).hasMessageContaining("us-east-1(home)=down");
        // refused before sending: nothing waits for the frozen home region's timeouts (1 s of margin for a busy machine)
        assertThat(System.nanoTime() - t0).isLessThan(Duration.ofSeconds(1).toNanos());
        assertThat(fakes.calls.size()).isEqualTo(before); // nothing was sent
        client.getItem(get()); // eventual reads carry on
        assertThat(lastRegion("getItem")).isEqualTo("us-west-2");
    }

    @Test
    void writeFailoverGoesToTheNearestHealthyRegionOnlyOnceHomeIsDown() throws Exception {
        start(fakes.builder("us-east-1").localRegion("eu-west-1").hedging(false).writeFailover(true));
        client.putItem(b -> b.tableName("t"));
        assertThat(lastRegion("putItem")).isEqualTo("us-east-1");
        fakes.region("us-east-1").down = true;
        probe();
        client.putItem(b -> b.tableName("t"));
        assertThat(lastRegion("putItem")).isEqualTo("eu-west-1");
        // management operations never fail over
        assertThatThrownBy(() -> client.createTable(b -> b.tableName("t"))).isInstanceOf(HavenRegionUnavailableException.class);
        fakes.region("us-east-1").down = false;
        probe();
        client.putItem(b -> b.tableName("t"));
        assertThat(lastRegion("putItem")).isEqualTo("us-east-1");
    }

    @Test
    void aReadFailingWithA5xxIsRetriedInAnotherRegion() {
        start(fakes.builder("us-east-1").localRegion("us-west-2").hedging(false));
        fakes.region("us-west-2").fail("query", (InternalServerErrorException) InternalServerErrorException.builder()
                .statusCode(500).awsErrorDetails(AwsErrorDetails.builder().errorCode("InternalServerError").build()).build());
        client.query(QueryRequest.builder().tableName("t").build());
        assertThat(fakes.calls("query")).extracting(FakeRegions.Call::region).hasSize(2).first().isEqualTo("us-west-2");
        assertThat(lastRegion("query")).isNotEqualTo("us-west-2");
        assertThat(events).anyMatch(e -> e instanceof HavenEvent.RetryAttempted);
    }

    @Test
    void aReadTimingOutIsRetriedInAnotherRegion() {
        start(fakes.builder("us-east-1").localRegion("us-west-2").hedging(false));
        fakes.region("us-west-2").fail("getItem", SdkClientException.create("Read timed out"));
        client.getItem(get());
        assertThat(fakes.calls("getItem")).hasSize(2);
        assertThat(lastRegion("getItem")).isNotEqualTo("us-west-2");
    }

    @Test
    void conditionalCheckFailuresAreNeverRetried() {
        start(fakes.builder("us-east-1").hedging(false));
        fakes.region("us-east-1").fail("putItem", ConditionalCheckFailedException.builder().statusCode(400)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode("ConditionalCheckFailedException").build()).build());
        assertThatThrownBy(() -> client.putItem(b -> b.tableName("t"))).isInstanceOf(ConditionalCheckFailedException.class);
        assertThat(fakes.calls("putItem")).hasSize(1);
    }

    @Test
    void throttledWritesAreRetriedButAWrite5xxIsNot() {
        start(fakes.builder("us-east-1").hedging(false).retryBaseBackoff(Duration.ofMillis(1)).retryMaxBackoff(Duration.ofMillis(2)));
        fakes.region("us-east-1").fail("putItem", ProvisionedThroughputExceededException.builder().statusCode(400)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode("ProvisionedThroughputExceededException").build()).build());
        client.putItem(b -> b.tableName("t"));
        assertThat(fakes.calls("putItem")).hasSize(2);

        fakes.region("us-east-1").fail("updateItem", (InternalServerErrorException) InternalServerErrorException.builder()
                .statusCode(500).awsErrorDetails(AwsErrorDetails.builder().errorCode("InternalServerError").build()).build());
        assertThatThrownBy(() -> client.updateItem(b -> b.tableName("t"))).isInstanceOf(InternalServerErrorException.class);
        assertThat(fakes.calls("updateItem")).hasSize(1); // outcome unknown: never silently executed twice
    }

    @Test
    void writesThroughASessionViewAreRecorded() {
        start(fakes.builder("us-east-1").hedging(false));
        HavenSession s = HavenSession.create();
        assertThat(s.token()).isEqualTo("hs1");
        client.withSession(s).deleteItem(b -> b.tableName("t"));
        assertThat(s.mark("haven-dynamodb")).isPresent();
        assertThat(HavenSession.fromToken(s.token()).mark("haven-dynamodb")).isEqualTo(
                s.mark("haven-dynamodb"));
        assertThat(client.withSession(s).consistency()).isEqualTo(Consistency.SESSION);
        assertThat(client.topology().endpoint("us-east-1").orElseThrow().role()).isEqualTo(Role.WRITER);
    }
}
