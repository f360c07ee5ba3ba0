package dev.haven.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.HavenFailure;
import java.lang.reflect.Proxy;
import java.net.ConnectException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;

/**
 * The failure model at the client: a DynamoDB write that timed out after it was sent surfaces as
 * {@link HavenDynamoDbWriteOutcomeUnknownException} (still an {@code SdkClientException}), one that could not be sent as
 * {@link HavenRegionUnavailableException}, on the sync and the async client, over no-network fake regions.
 */
class WriteFailureModelTest {

    private final FakeRegions fakes = new FakeRegions("us-east-1", "us-west-2");
    private HavenDynamoDbClient client;
    private final Map<String, Deque<Throwable>> asyncFailures = new LinkedHashMap<>();

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
    }

    private HavenDynamoDbClient start() {
        return start(java.time.Duration.ofSeconds(2));
    }

    private HavenDynamoDbClient start(java.time.Duration deadline) {
        client = fakes.builder("us-east-1").clusterName("orders").hedging(false).deadline(deadline).attemptTimeout(deadline.dividedBy(2)).build();
        return client;
    }

    private static RuntimeException[] refusals(int n) {
        RuntimeException[] r = new RuntimeException[n];
        java.util.Arrays.setAll(r, i -> refused());
        return r;
    }

    private DynamoDbAsyncClient fakeAsync(String region) {
        return (DynamoDbAsyncClient) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {DynamoDbAsyncClient.class},
                (proxy, m, args) -> switch (m.getName()) {
                    case "close" -> null;
                    case "serviceName" -> DynamoDbAsyncClient.SERVICE_NAME;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    case "toString" -> "FakeAsync(" + region + ")";
                    default -> {
                        Throwable f;
                        synchronized (asyncFailures) {
                            Deque<Throwable> q = asyncFailures.get(region + "/" + m.getName());
                            f = q == null ? null : q.poll();
                        }
                        if (f != null) {
                            yield CompletableFuture.failedFuture(f);
                        }
                        Class<?> response = (Class<?>) ((java.lang.reflect.ParameterizedType) m.getGenericReturnType()).getActualTypeArguments()[0];
                        Object builder = response.getMethod("builder").invoke(null);
                        yield CompletableFuture.completedFuture(((software.amazon.awssdk.utils.builder.SdkBuilder<?, ?>) builder).build());
                    }
                });
    }

    private static SdkClientException refused() {
        return SdkClientException.builder().message("Unable to execute HTTP request: Connection refused")
                .cause(new ConnectException("Connection refused")).build();
    }

    @Test
    void syncWriteTimingOutAfterSendingIsOutcomeUnknown() {
        start();
        ApiCallAttemptTimeoutException timeout = ApiCallAttemptTimeoutException.create(700);
        fakes.region("us-east-1").fail("putItem", timeout);
        assertThatThrownBy(() -> client.putItem(b -> b.tableName("orders")))
                .isInstanceOf(SdkClientException.class) // existing catch blocks keep working
                .isInstanceOfSatisfying(HavenDynamoDbWriteOutcomeUnknownException.class, e -> {
                    assertThat(e.kind()).isEqualTo(HavenFailure.Kind.OUTCOME_UNKNOWN);
                    assertThat(e.mayHaveBeenApplied()).isTrue();
                    assertThat(e.cluster()).isEqualTo("orders");
                    assertThat(e.endpoint().id()).isEqualTo("us-east-1");
                    assertThat(e.getCause()).isSameAs(timeout);
                });
        assertThat(fakes.calls("putItem")).hasSize(1); // never re-sent
    }

    @Test
    void syncWriteRefusedBeforeSendingIsSentAgainAndRefusedUntilTheDeadlineIsUnavailable() {
        start(java.time.Duration.ofMillis(300));
        fakes.region("us-east-1").fail("putItem", refused()); // refused once: it did not run, so it is sent again
        client.putItem(b -> b.tableName("orders"));
        assertThat(fakes.calls("putItem")).hasSize(2);

        fakes.region("us-east-1").fail("transactWriteItems", refusals(50));
        assertThatThrownBy(() -> client.transactWriteItems(b -> b.transactItems(java.util.List.of())))
                .isInstanceOfSatisfying(HavenRegionUnavailableException.class, e -> {
                    assertThat(e.kind()).isEqualTo(HavenFailure.Kind.UNAVAILABLE);
                    assertThat(e.mayHaveBeenApplied()).isFalse();
                    assertThat(e.endpoint().id()).isEqualTo("us-east-1");
                    assertThat(e.getCause()).hasRootCauseInstanceOf(ConnectException.class);
                });
        // none of them ran, so a refusal costs no attempt: sent again (with backoff, from the retry budget) until the
        // deadline, or until the refusals open the region's breaker (then the last refusal is the cause), never past it
        assertThat(fakes.calls("transactWriteItems")).hasSizeBetween(3, 49);
    }

    @Test
    void syncDescribeTimingOutKeepsTheSdkException() {
        start();
        ApiCallAttemptTimeoutException timeout = ApiCallAttemptTimeoutException.create(700);
        fakes.region("us-east-1").fail("describeTable", timeout);
        assertThatThrownBy(() -> client.describeTable(b -> b.tableName("orders"))).isSameAs(timeout);
    }

    @Test
    void homeDeclaredDownRefusesWritesAsUnavailableWithTheHomeRegion() throws Exception {
        start();
        fakes.region("us-east-1").down = true;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (client.topology().writer().isPresent() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        int before = fakes.calls("updateItem").size();
        assertThatThrownBy(() -> client.updateItem(b -> b.tableName("orders")))
                .isInstanceOfSatisfying(HavenRegionUnavailableException.class, e -> {
                    assertThat(e.kind()).isEqualTo(HavenFailure.Kind.UNAVAILABLE);
                    assertThat(e.cluster()).isEqualTo("orders");
                    assertThat(e.endpoint().id()).isEqualTo("us-east-1");
                });
        assertThat(fakes.calls("updateItem")).hasSize(before); // nothing sent
    }

    @Test
    void asyncWriteTimingOutAfterSendingIsOutcomeUnknownAndRefusedIsUnavailable() throws Exception {
        start(java.time.Duration.ofMillis(300));
        Map<String, DynamoDbAsyncClient> regions = new LinkedHashMap<>();
        for (String r : fakes.regions.keySet()) {
            regions.put(r, fakeAsync(r));
        }
        try (HavenDynamoDbAsyncClient async = HavenDynamoDbAsyncClient.over(client, regions)) {
            ApiCallAttemptTimeoutException timeout = ApiCallAttemptTimeoutException.create(700);
            asyncFailures.computeIfAbsent("us-east-1/deleteItem", k -> new ArrayDeque<>()).add(timeout);
            asyncFailures.computeIfAbsent("us-east-1/batchWriteItem", k -> new ArrayDeque<>())
                    .addAll(java.util.List.of(refusals(50))); // every try until the deadline

            Throwable unknown = failure(async.deleteItem(b -> b.tableName("orders")));
            assertThat(unknown).isInstanceOf(SdkException.class).isInstanceOf(HavenDynamoDbWriteOutcomeUnknownException.class);
            assertThat(((HavenFailure) unknown).kind()).isEqualTo(HavenFailure.Kind.OUTCOME_UNKNOWN);
            assertThat(((HavenFailure) unknown).endpoint().id()).isEqualTo("us-east-1");
            assertThat(unknown.getCause()).isSameAs(timeout);

            Throwable refused = failure(async.batchWriteItem(b -> b.requestItems(Map.of())));
            assertThat(refused).isInstanceOf(HavenRegionUnavailableException.class);
            synchronized (asyncFailures) {
                assertThat(asyncFailures.get("us-east-1/batchWriteItem")).as("refusals not used").hasSizeBetween(1, 47);
            }
            assertThat(HavenFailure.find(new java.util.concurrent.CompletionException(refused)).orElseThrow().kind())
                    .isEqualTo(HavenFailure.Kind.UNAVAILABLE);
        }
    }

    private static Throwable failure(CompletableFuture<?> f) throws InterruptedException {
        try {
            f.get(5, TimeUnit.SECONDS);
            throw new AssertionError("expected a failure");
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("no answer in 5 s", e);
        }
    }
}
