package dev.haven.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.event.HavenEvent;
import dev.haven.testkit.dynamodb.CannedDynamoDbHttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;

/**
 * Hedged reads through SDK clients Haven builds (over a no-network canned HTTP client): the first call runs on the
 * caller's thread, and the call that loses the race is cancelled by aborting its HTTP request.
 */
class CancelledHedgeTest {

    private static final String HOME = "us-east-1";
    private static final String LOCAL = "us-west-2";
    private static final GetItemRequest GET = GetItemRequest.builder().tableName("items")
            .key(Map.of("pk", AttributeValue.fromS("k"))).build();

    private final CannedDynamoDbHttpClient.Counter counter = new CannedDynamoDbHttpClient.Counter();
    private final CannedDynamoDbHttpClient home = new CannedDynamoDbHttpClient(counter);
    private final CannedDynamoDbHttpClient local = new CannedDynamoDbHttpClient(counter);
    private final List<HavenEvent> events = new CopyOnWriteArrayList<>();

    /** Two regions over the canned HTTP client, with SDK timeouts so long that only Haven's cancellation ends a call early. */
    private HavenDynamoDbClient.Builder builder(String name, Duration hedgeDelay) {
        return HavenDynamoDbClient.builder()
                .clusterName(name)
                .homeRegion(HOME).region(HOME).region(LOCAL).localRegion(LOCAL)
                .heartbeatTable("haven-heartbeat")
                .httpClient(CannedDynamoDbHttpClient.byHost(Map.of(HOME, home, LOCAL, local)))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "secret")))
                .deadline(Duration.ofSeconds(10)).attemptTimeout(Duration.ofSeconds(10))
                // not a detection test: a busy machine must not fail the heartbeat probes of the SDK's first calls
                .probeTimeout(Duration.ofSeconds(5))
                .hedgeDelay(hedgeDelay)
                .listener(events::add);
    }

    private HavenDynamoDbClient client(Duration hedgeDelay) {
        return builder("cancelled-hedge", hedgeDelay).hedgeBudgetRatio(1.0).build();
    }

    private long hedges() {
        return events.stream().filter(e -> e instanceof HavenEvent.HedgeSent).count();
    }

    /** The SDK's first calls take longer than a short hedge delay: make them, and let any hedge they caused end. */
    private static void warmUp(HavenDynamoDbClient ddb) throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            ddb.getItem(GET);
        }
        Thread.sleep(200);
    }

    @Test
    void aFastReadRunsOnTheCallersThreadAndSendsNoHedge() throws InterruptedException {
        try (HavenDynamoDbClient ddb = client(Duration.ofMillis(200))) {
            warmUp(ddb); // the SDK's first call can take longer than 200 ms on a busy machine
            long localBefore = local.dataGets();
            long homeBefore = home.dataGets();
            long hedgesBefore = hedges();
            for (int i = 0; i < 50; i++) {
                assertThat(ddb.getItem(GET).item()).containsKey("pk");
            }
            assertThat(local.dataGets() - localBefore).isEqualTo(50);
            assertThat(home.dataGets() - homeBefore).isZero();
            assertThat(local.lastDataGetThread()).as("no hand-off to a pool thread").isSameAs(Thread.currentThread());
            assertThat(hedges() - hedgesBefore).isZero();
        }
    }

    @Test
    void aStalledFirstRegionIsHedgedAndItsRequestAborted() throws InterruptedException {
        try (HavenDynamoDbClient ddb = client(Duration.ofMillis(20))) {
            warmUp(ddb);
            local.stallMillis(5_000);
            long homeBefore = home.dataGets();
            long hedgesBefore = hedges();
            long t0 = System.nanoTime();
            assertThat(ddb.getItem(GET).item()).containsKey("pk");
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertThat(tookMs).as("answered by the hedge after ~20 ms, not after the 5 s stall").isLessThan(2_500);
            assertThat(home.dataGets() - homeBefore).isEqualTo(1);
            assertThat(local.aborts()).as("the caller's own request was cancelled, not left to time out").isEqualTo(1);
            assertThat(hedges() - hedgesBefore).isEqualTo(1);
        }
    }

    /**
     * A first region that answers nothing while hedges win against it is demoted (reads go to the other region first
     * until a probe answers), never treated as failing: cancelled calls are no breaker errors and no reason to declare
     * it down, and once it answers again it gets reads again.
     */
    @Test
    void aRegionThatLosesHedgesIsDemotedNotTreatedAsFailing() throws InterruptedException {
        try (HavenDynamoDbClient ddb = client(Duration.ofMillis(5))) {
            warmUp(ddb);
            local.stallMillis(5_000);
            long hedgesBefore = hedges();
            long homeBefore = home.dataGets();
            long localBefore = local.dataGets();
            long abortsBefore = local.aborts();
            for (int i = 0; i < 30; i++) {
                long t0 = System.nanoTime();
                ddb.getItem(GET);
                assertThat(System.nanoTime() - t0).as("read %d answered without the 5 s stall", i)
                        .isLessThan(TimeUnit.MILLISECONDS.toNanos(2_500));
            }
            long hedged = hedges() - hedgesBefore;
            // Every read was answered by home: by a hedge while the local region was first, or first once the local
            // region was demoted (after three reads outwaited their hedge delay with no answer from it; a probe that
            // answers lifts the demotion, the next silent read brings it back).
            assertThat(home.dataGets() - homeBefore).isEqualTo(30);
            assertThat(hedged).as("hedged reads").isBetween((long) dev.haven.engine.EndpointState.OUTPACED_TO_DEMOTE, 30L);
            // Every local request that was sent was aborted when the hedge answered (none sat out its 5 s stall); one
            // still being prepared then is cancelled before it is sent (more of them on a busy machine). Once the region
            // has left a read waiting, the next reads' calls there run on the pool (the region is silent): their
            // aborts end them there, a moment after the read has returned.
            long sentLocally = local.dataGets() - localBefore;
            assertThat(sentLocally).isBetween(1L, hedged);
            long abortDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (local.aborts() - abortsBefore < sentLocally && System.nanoTime() < abortDeadline) {
                Thread.sleep(5);
            }
            assertThat(local.aborts() - abortsBefore).as("aborted of %d sent", sentLocally).isEqualTo(sentLocally);
            assertThat(events).noneMatch(e -> e instanceof HavenEvent.EndpointDown);
            // 30 cancelled calls would open a breaker (10 calls, 50 %) if they counted as failures: then reads would
            // stay away from the local region for its 5 s open state. The demotion ends with the next probe round.
            // (A read may also reach it as a hedge meanwhile: a demoted region is still a hedge target.)
            local.stallMillis(0);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            boolean firstAgain = false;
            while (!firstAgain && System.nanoTime() < deadline) {
                long before = local.dataGets();
                ddb.getItem(GET);
                firstAgain = local.dataGets() > before && local.lastDataGetThread() == Thread.currentThread();
                if (!firstAgain) {
                    Thread.sleep(20);
                }
            }
            assertThat(firstAgain).as("a read went to the local region first, on the caller's thread").isTrue();
        }
    }

    /**
     * The hedge budget spent (ratio 0: one token, then one a second), four threads reading, the first region hung
     * (probes too): reads still do not wait for it. Their waits demote the region, and a read waiting for a demoted
     * region is hedged from the retry budget (the hedge replaces the retry its timeout would bring).
     */
    @Test
    void aStalledRegionIsLeftBehindWhenTheHedgeBudgetIsSpent() throws Exception {
        try (HavenDynamoDbClient ddb = builder("cancelled-hedge-budget", Duration.ofMillis(20)).hedgeBudgetRatio(0.0).build()) {
            warmUp(ddb);
            local.hangMillis(5_000);
            java.util.concurrent.ConcurrentLinkedQueue<Long> took = new java.util.concurrent.ConcurrentLinkedQueue<>();
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
            try {
                List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    done.add(pool.submit(() -> {
                        for (int i = 0; i < 5; i++) {
                            long t0 = System.nanoTime();
                            ddb.getItem(GET);
                            took.add(System.nanoTime() - t0);
                        }
                    }));
                }
                for (java.util.concurrent.Future<?> f : done) {
                    f.get(30, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            long slowestMs = TimeUnit.NANOSECONDS.toMillis(java.util.Collections.max(took));
            assertThat(took).hasSize(20);
            assertThat(slowestMs).as("slowest of 20 reads, the first region hung 5 s").isLessThan(2_500);
            local.hangMillis(0);
        }
    }

    /**
     * A region whose calls no cancel can end (each hangs in its TCP connect, as against a frozen server whose listen
     * queue is full) does not hold the caller once it has left a read waiting: the next reads still try it first (it is
     * not demoted yet), but on a pool thread, and answer with their hedge instead of after the 3 s connect hang.
     */
    @Test
    void aRegionWhoseCallsCannotBeCancelledDoesNotHoldTheCaller() throws InterruptedException {
        try (HavenDynamoDbClient ddb = client(Duration.ofMillis(20))) {
            warmUp(ddb);
            local.stallMillis(5_000);
            long homeBefore = home.dataGets();
            ddb.getItem(GET); // hedged, and its call aborted: the local region has now left a read waiting
            local.stallMillis(0);
            local.connectHangMillis(3_000);
            try {
                for (int i = 0; i < 3; i++) {
                    long t0 = System.nanoTime();
                    assertThat(ddb.getItem(GET).item()).containsKey("pk");
                    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                    assertThat(tookMs).as("read %d, answered by its hedge, not after the 3 s connect", i).isLessThan(1_500);
                }
                assertThat(home.dataGets() - homeBefore).as("every read answered by home").isEqualTo(4);
            } finally {
                local.connectHangMillis(0);
            }
        }
    }

    /**
     * The JDK's {@code HttpURLConnection} can throw a {@code NullPointerException} on the request's thread when an abort
     * from another thread (the SDK's attempt timeout, a cancelled hedge) races with it, and the SDK passes a runtime
     * exception through: an application once got a bare NPE for a call that had timed out. Both regions hang here and
     * every aborted request throws the NPE: each read fails as the timeout it is, a typed SDK failure.
     */
    @Test
    void anAbortedRequestWhoseHttpClientThrowsANullPointerFailsAsATimeout() throws InterruptedException {
        try (HavenDynamoDbClient ddb = builder("cancelled-hedge-npe", Duration.ofMillis(20))
                .deadline(Duration.ofMillis(1_500)).attemptTimeout(Duration.ofMillis(300)).build()) {
            warmUp(ddb);
            local.abortThrowsNullPointer(true);
            home.abortThrowsNullPointer(true);
            local.stallMillis(5_000);
            home.stallMillis(5_000);
            List<Throwable> failures = new java.util.ArrayList<>();
            for (int i = 0; i < 3; i++) {
                try {
                    ddb.getItem(GET);
                } catch (RuntimeException e) {
                    failures.add(e);
                }
            }
            assertThat(failures).as("every read failed (both regions hang)").hasSize(3);
            assertThat(local.aborts() + home.aborts()).as("aborted requests that threw the NPE").isPositive();
            for (Throwable f : failures) {
                assertThat(f).as("what the application got").isNotInstanceOf(NullPointerException.class)
                        .isInstanceOf(software.amazon.awssdk.core.exception.SdkException.class);
            }
            local.stallMillis(0);
            home.stallMillis(0);
        }
    }

    @Test
    void whenTheFirstRegionAnswersFirstTheHedgeIsAborted() throws InterruptedException {
        try (HavenDynamoDbClient ddb = client(Duration.ofMillis(20))) {
            local.stallMillis(300);
            home.stallMillis(5_000);
            long t0 = System.nanoTime();
            ddb.getItem(GET);
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertThat(tookMs).isBetween(250L, 2_000L);
            assertThat(hedges()).isEqualTo(1);
            // The losing hedge is cancelled: aborted if it was sent, or never sent if it was still being prepared
            // when the first region answered (on a busy machine preparing it can take longer than the race).
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while ((home.aborts() != home.dataGets()) && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(home.dataGets()).as("hedges sent to home").isLessThanOrEqualTo(1);
            assertThat(home.aborts()).as("the losing hedge was cancelled").isEqualTo(home.dataGets());
            assertThat(local.aborts()).isZero();
        }
    }

    @Test
    void hedgesAreCountedInMicrometer() throws InterruptedException {
        io.micrometer.core.instrument.simple.SimpleMeterRegistry registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        try (HavenDynamoDbClient ddb = client(Duration.ofMillis(5))) {
            dev.haven.metrics.HavenMetrics metrics = new dev.haven.metrics.HavenMetrics("cancelled-hedge", ddb::topology);
            metrics.bindTo(registry);
            ddb.addListener(metrics);
            warmUp(ddb);
            // the same series before and after: a warm-up read slower than 5 ms on a busy machine hedges too
            double before = registry.find("haven.hedges").tag("endpoint", HOME).counters().stream().mapToDouble(c -> c.count()).sum();
            local.stallMillis(5_000);
            for (int i = 0; i < 3; i++) {
                ddb.getItem(GET);
            }
            double after = registry.find("haven.hedges").tag("endpoint", HOME).counters().stream().mapToDouble(c -> c.count()).sum();
            assertThat(after - before).isEqualTo(3.0);
            assertThat(registry.get("haven.endpoints").tag("role", "writer").gauge().value()).isEqualTo(1.0);
        }
    }
}
