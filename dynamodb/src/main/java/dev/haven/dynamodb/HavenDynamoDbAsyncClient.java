package dev.haven.dynamodb;

import dev.haven.Consistency;
import dev.haven.HavenSession;
import dev.haven.dynamodb.internal.ReadShape;
import dev.haven.dynamodb.internal.RegionExecutor;
import dev.haven.engine.Attempts;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbServiceClientConfiguration;
import software.amazon.awssdk.services.dynamodb.model.BatchExecuteStatementRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchExecuteStatementResponse;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.CreateBackupRequest;
import software.amazon.awssdk.services.dynamodb.model.CreateBackupResponse;
import software.amazon.awssdk.services.dynamodb.model.CreateGlobalTableRequest;
import software.amazon.awssdk.services.dynamodb.model.CreateGlobalTableResponse;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.CreateTableResponse;
import software.amazon.awssdk.services.dynamodb.model.DeleteBackupRequest;
import software.amazon.awssdk.services.dynamodb.model.DeleteBackupResponse;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.DeleteResourcePolicyRequest;
import software.amazon.awssdk.services.dynamodb.model.DeleteResourcePolicyResponse;
import software.amazon.awssdk.services.dynamodb.model.DeleteTableRequest;
import software.amazon.awssdk.services.dynamodb.model.DeleteTableResponse;
import software.amazon.awssdk.services.dynamodb.model.DescribeBackupRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeBackupResponse;
import software.amazon.awssdk.services.dynamodb.model.DescribeContinuousBackupsRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeContinuousBackupsResponse;
import software.amazon.awssdk.services.dynamodb.model.DescribeContributorInsightsRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeContributorInsightsResponse;
import software.amazon.awssdk.services.dynamodb.model.DescribeEndpointsRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeEndpointsResponse;
import software.amazon.awssdk.services.dynamodb.model.DescribeExportRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeExportResponse;
import software.amazon.awssdk.services.dynamodb.model.DescribeGlobalTableRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeGlobalTableResponse;
import software.amazon.awssdk.services.dynamodb.model.DescribeGlobalTableSettingsRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeGlobalTableSettingsResponse;
import software.amazon.awssdk.services.dynamodb.model.DescribeImportRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeImportResponse;
import software.amazon.awssdk.services.dynamodb.model.DescribeKinesisStreamingDestinationRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeKinesisStreamingDestinationResponse;
import software.amazon.awssdk.services.dynamodb.model.DescribeLimitsRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeLimitsResponse;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableReplicaAutoScalingRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableReplicaAutoScalingResponse;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableResponse;
import software.amazon.awssdk.services.dynamodb.model.DescribeTimeToLiveRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeTimeToLiveResponse;
import software.amazon.awssdk.services.dynamodb.model.DisableKinesisStreamingDestinationRequest;
import software.amazon.awssdk.services.dynamodb.model.DisableKinesisStreamingDestinationResponse;
import software.amazon.awssdk.services.dynamodb.model.EnableKinesisStreamingDestinationRequest;
import software.amazon.awssdk.services.dynamodb.model.EnableKinesisStreamingDestinationResponse;
import software.amazon.awssdk.services.dynamodb.model.ExecuteStatementRequest;
import software.amazon.awssdk.services.dynamodb.model.ExecuteStatementResponse;
import software.amazon.awssdk.services.dynamodb.model.ExecuteTransactionRequest;
import software.amazon.awssdk.services.dynamodb.model.ExecuteTransactionResponse;
import software.amazon.awssdk.services.dynamodb.model.ExportTableToPointInTimeRequest;
import software.amazon.awssdk.services.dynamodb.model.ExportTableToPointInTimeResponse;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.GetResourcePolicyRequest;
import software.amazon.awssdk.services.dynamodb.model.GetResourcePolicyResponse;
import software.amazon.awssdk.services.dynamodb.model.ImportTableRequest;
import software.amazon.awssdk.services.dynamodb.model.ImportTableResponse;
import software.amazon.awssdk.services.dynamodb.model.ListBackupsRequest;
import software.amazon.awssdk.services.dynamodb.model.ListBackupsResponse;
import software.amazon.awssdk.services.dynamodb.model.ListContributorInsightsRequest;
import software.amazon.awssdk.services.dynamodb.model.ListContributorInsightsResponse;
import software.amazon.awssdk.services.dynamodb.model.ListExportsRequest;
import software.amazon.awssdk.services.dynamodb.model.ListExportsResponse;
import software.amazon.awssdk.services.dynamodb.model.ListGlobalTablesRequest;
import software.amazon.awssdk.services.dynamodb.model.ListGlobalTablesResponse;
import software.amazon.awssdk.services.dynamodb.model.ListImportsRequest;
import software.amazon.awssdk.services.dynamodb.model.ListImportsResponse;
import software.amazon.awssdk.services.dynamodb.model.ListTablesRequest;
import software.amazon.awssdk.services.dynamodb.model.ListTablesResponse;
import software.amazon.awssdk.services.dynamodb.model.ListTagsOfResourceRequest;
import software.amazon.awssdk.services.dynamodb.model.ListTagsOfResourceResponse;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemResponse;
import software.amazon.awssdk.services.dynamodb.model.PutResourcePolicyRequest;
import software.amazon.awssdk.services.dynamodb.model.PutResourcePolicyResponse;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.RestoreTableFromBackupRequest;
import software.amazon.awssdk.services.dynamodb.model.RestoreTableFromBackupResponse;
import software.amazon.awssdk.services.dynamodb.model.RestoreTableToPointInTimeRequest;
import software.amazon.awssdk.services.dynamodb.model.RestoreTableToPointInTimeResponse;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;
import software.amazon.awssdk.services.dynamodb.model.SearchVectorsRequest;
import software.amazon.awssdk.services.dynamodb.model.SearchVectorsResponse;
import software.amazon.awssdk.services.dynamodb.model.TagResourceRequest;
import software.amazon.awssdk.services.dynamodb.model.TagResourceResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactGetItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactGetItemsResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsResponse;
import software.amazon.awssdk.services.dynamodb.model.UntagResourceRequest;
import software.amazon.awssdk.services.dynamodb.model.UntagResourceResponse;
import software.amazon.awssdk.services.dynamodb.model.UpdateContinuousBackupsRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateContinuousBackupsResponse;
import software.amazon.awssdk.services.dynamodb.model.UpdateContributorInsightsRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateContributorInsightsResponse;
import software.amazon.awssdk.services.dynamodb.model.UpdateGlobalTableRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateGlobalTableResponse;
import software.amazon.awssdk.services.dynamodb.model.UpdateGlobalTableSettingsRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateGlobalTableSettingsResponse;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemResponse;
import software.amazon.awssdk.services.dynamodb.model.UpdateKinesisStreamingDestinationRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateKinesisStreamingDestinationResponse;
import software.amazon.awssdk.services.dynamodb.model.UpdateTableReplicaAutoScalingRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateTableReplicaAutoScalingResponse;
import software.amazon.awssdk.services.dynamodb.model.UpdateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateTableResponse;
import software.amazon.awssdk.services.dynamodb.model.UpdateTimeToLiveRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateTimeToLiveResponse;
import software.amazon.awssdk.services.dynamodb.waiters.DynamoDbAsyncWaiter;

/**
 * The asynchronous counterpart of {@link HavenDynamoDbClient}: a {@link DynamoDbAsyncClient} over one SDK async
 * client per region, with the <b>same routing</b> (consistency rules, home-region writes, write failover, retry
 * classification and budget, circuit breakers) because it shares the sync client's engine: its monitor, topology,
 * per-region health and latency. Build the {@link HavenDynamoDbClient} first (it owns the heartbeat monitor), then:
 *
 * <pre>{@code
 * HavenDynamoDbAsyncClient async = HavenDynamoDbAsyncClient.over(haven, Map.of(
 *         "us-east-1", DynamoDbAsyncClient.builder().region(Region.US_EAST_1).build(),
 *         "us-west-2", DynamoDbAsyncClient.builder().region(Region.US_WEST_2).build()));
 * async.getItem(get).thenAccept(...);
 * }</pre>
 *
 * <p>Every {@code DynamoDbAsyncClient} operation is overridden (a test enumerates them). EVENTUAL, bounded and
 * SESSION reads with two qualifying regions are hedged like the sync client's (same delay, same budget, same demotion
 * of a region that answers nothing), without a waiting thread: the hedge is sent from the sync client's hedge timer
 * (one daemon thread, cancelled when the read completes first), the loser is cancelled. The sync client's item cache (if any) serves and is invalidated by
 * this client's {@code GetItem}s and writes too. Retries happen on the SDK's completion thread
 * (throttling backoff on {@link CompletableFuture#delayedExecutor}). {@link #close()} closes the async clients only
 * (the sync client stays the caller's).
 */
public final class HavenDynamoDbAsyncClient implements DynamoDbAsyncClient {

    private final HavenDynamoDbClient sync;
    private final RegionExecutor executor;
    private final Map<String, DynamoDbAsyncClient> clients;
    private final Consistency consistency;
    private final HavenSession session;
    private final boolean root;

    private HavenDynamoDbAsyncClient(HavenDynamoDbClient sync, Map<String, DynamoDbAsyncClient> clients,
            Consistency consistency, HavenSession session, boolean root) {
        this.sync = sync;
        this.executor = sync.executor();
        this.clients = clients;
        this.consistency = consistency;
        this.session = session;
        this.root = root;
    }

    /**
     * An async client routed by {@code haven}'s engine over {@code regions} (one async SDK client per region of
     * {@code haven}, same names). Reads take {@code haven}'s view consistency and session.
     *
     * @throws IllegalArgumentException when a region of {@code haven} has no async client, or an unknown one is given
     */
    public static HavenDynamoDbAsyncClient over(HavenDynamoDbClient haven, Map<String, DynamoDbAsyncClient> regions) {
        Objects.requireNonNull(haven, "haven");
        Map<String, DynamoDbAsyncClient> copy = new LinkedHashMap<>(regions);
        java.util.Set<String> expected = new java.util.LinkedHashSet<>();
        haven.executor().settings().regions().forEach(r -> expected.add(r.name()));
        if (!copy.keySet().equals(expected)) {
            throw new IllegalArgumentException("haven.dynamodb.regions: the async clients must cover exactly the regions "
                    + expected + ": was " + copy.keySet());
        }
        copy.values().forEach(c -> Objects.requireNonNull(c, "async client"));
        return new HavenDynamoDbAsyncClient(haven, Map.copyOf(copy), haven.consistency(), null, true);
    }

    /**
     * An async client routed by {@code haven}'s engine over async SDK clients built from {@code haven}'s own settings:
     * per region the same region name, endpoint override and credentials, {@code haven.dynamodb.deadline} and
     * {@code attempt-timeout} as the SDK's {@code apiCallTimeout} / {@code apiCallAttemptTimeout}, and no SDK retries
     * (Haven retries). The SDK picks the async HTTP client it finds on the class path ({@code netty-nio-client} or
     * the CRT client; Haven brings none); {@link #close()} closes those SDK clients, which close their HTTP clients.
     *
     * <pre>{@code
     * try (HavenDynamoDbAsyncClient async = HavenDynamoDbAsyncClient.over(haven)) {
     *     async.putItem(put).join();                       // the home region, like haven.putItem(put)
     * }
     * }</pre>
     *
     * @throws IllegalArgumentException when a region of {@code haven} is served by a caller's client (Haven knows
     *         nothing to build an async client from: use {@link #over(HavenDynamoDbClient, Map)})
     */
    public static HavenDynamoDbAsyncClient over(HavenDynamoDbClient haven) {
        Objects.requireNonNull(haven, "haven");
        dev.haven.dynamodb.internal.DynamoDbSettings s = haven.executor().settings();
        for (dev.haven.dynamodb.internal.DynamoDbSettings.RegionSpec r : s.regions()) {
            if (r.client() != null) {
                throw new IllegalArgumentException("haven.dynamodb.regions: region " + r.name() + " is served by a client "
                        + "given to region(name, client), so its async client must be given too (over(haven, clients)): was "
                        + r);
            }
        }
        Map<String, DynamoDbAsyncClient> built = new LinkedHashMap<>();
        try {
            for (dev.haven.dynamodb.internal.DynamoDbSettings.RegionSpec r : s.regions()) {
                software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClientBuilder b = DynamoDbAsyncClient.builder()
                        .region(software.amazon.awssdk.regions.Region.of(r.name()))
                        .overrideConfiguration(o -> o.apiCallTimeout(s.apiCallTimeout())
                                .apiCallAttemptTimeout(s.apiCallAttemptTimeout())
                                .retryStrategy(software.amazon.awssdk.awscore.retry.AwsRetryStrategy.doNotRetry()));
                if (r.endpoint() != null) {
                    b.endpointOverride(r.endpoint());
                }
                if (s.credentials() != null) {
                    b.credentialsProvider(s.credentials());
                }
                built.put(r.name(), b.build());
            }
        } catch (RuntimeException | Error e) {
            built.values().forEach(DynamoDbAsyncClient::close);
            throw e;
        }
        return over(haven, built);
    }

    /** A view whose reads default to {@code consistency}. */
    public HavenDynamoDbAsyncClient withConsistency(Consistency consistency) {
        return new HavenDynamoDbAsyncClient(sync, clients, Objects.requireNonNull(consistency, "consistency"), session, false);
    }

    /** A view that records its writes in {@code session} and reads with {@link Consistency#SESSION} (see
     * {@link HavenDynamoDbClient#withSession}). */
    public HavenDynamoDbAsyncClient withSession(HavenSession session) {
        return new HavenDynamoDbAsyncClient(sync, clients, Consistency.SESSION, Objects.requireNonNull(session, "session"), false);
    }

    public Consistency consistency() {
        return consistency;
    }

    // ------------------------------------------------------------------------------------------------ engine

    private <Q, R> CompletableFuture<R> read(Q request, ReadShape<Q> shape,
            BiFunction<DynamoDbAsyncClient, Q, CompletableFuture<R>> call) {
        RegionExecutor.ReadPlan<Q> plan;
        try {
            plan = executor.planRead(request, shape, consistency, session);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<R> result = new CompletableFuture<>();
        if (plan.hedgeable()) {
            hedged(plan, call, result);
        } else {
            readAttempt(plan, 0, call, result);
        }
        return result;
    }

    /**
     * Sends the read to the first region; if it has not answered after the hedge delay (and the hedge budget
     * allows), also to the second. The first success wins and the other call is cancelled. No thread waits: the
     * delay runs on the client's hedge timer, cancelled as soon as the read completes. If both fail (or the only one sent fails), the
     * usual retry rules continue with the region after them.
     */
    private <Q, R> void hedged(RegionExecutor.ReadPlan<Q> plan, BiFunction<DynamoDbAsyncClient, Q, CompletableFuture<R>> call,
            CompletableFuture<R> result) {
        String first = plan.regions().get(0);
        String second = plan.regions().get(1);
        long delay = executor.hedgeDelayNanos(first);
        long started = executor.nanoTime();
        CompletableFuture<R> f1 = send(first, plan.request(), call);
        java.util.concurrent.atomic.AtomicReference<CompletableFuture<R>> f2 = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicInteger failed = new java.util.concurrent.atomic.AtomicInteger();
        // whether the hedge goes out is decided once: by the timer, or by the first failing before it fires
        dev.haven.engine.HedgeRace hedge = new dev.haven.engine.HedgeRace();
        java.util.function.BiConsumer<R, Throwable> race = (r, t) -> {
            if (t == null) {
                if (result.complete(r)) {
                    CompletableFuture<R> other = f2.get();
                    if (other != null) {
                        other.cancel(true);
                    }
                    f1.cancel(true);
                }
                return;
            }
            if (result.isDone()) {
                return;
            }
            Throwable cause = unwrap(t);
            if (hedge.closeLaunch()) {
                // the first failed before any hedge: a plain retry in the next region
                if (!RegionExecutor.mayRetry(plan.attempts(), cause, false)) {
                    result.completeExceptionally(cause);
                } else {
                    readAttempt(plan, 1, call, result);
                }
                return;
            }
            if (failed.incrementAndGet() < 2) {
                return; // the other attempt of the pair is still running
            }
            if (plan.regions().size() < 3 || !RegionExecutor.mayRetry(plan.attempts(), cause, false)) {
                result.completeExceptionally(cause);
            } else {
                readAttempt(plan, 2, call, result); // both of the hedged pair failed
            }
        };
        f1.whenComplete(race);
        java.util.concurrent.atomic.AtomicReference<java.util.concurrent.ScheduledFuture<?>> armed = new java.util.concurrent.atomic.AtomicReference<>();
        Runnable launch = new Runnable() {
            private long waitingSince = started; // on the timer thread only
            private long reportedEpoch = -1;

            @Override
            public void run() {
                if (result.isDone() || f1.isDone() || !hedge.open()) {
                    return;
                }
                // no answer within (another) hedge delay: told until it counts (again after a lifted demotion)
                reportedEpoch = executor.hedgeDelayPassed(first, waitingSince, reportedEpoch);
                if (!executor.tryHedge(first, second, delay)) {
                    // refused (budget spent): ask again while the first call runs; a demoted first region is hedged
                    waitingSince = executor.nanoTime();
                    arm(this, RegionExecutor.hedgeRecheckNanos(delay));
                    return;
                }
                if (!hedge.launch()) {
                    return;
                }
                CompletableFuture<R> f = send(second, plan.request(), call);
                f2.set(f);
                f.whenComplete(race);
            }

            private void arm(Runnable task, long nanos) {
                try {
                    armed.set(executor.timer().schedule(task, nanos, TimeUnit.NANOSECONDS));
                } catch (java.util.concurrent.RejectedExecutionException closed) {
                    // closing: the first attempt alone decides
                }
                if (result.isDone()) {
                    cancelArmed(armed);
                }
            }
        };
        try {
            armed.set(executor.timer().schedule(launch, delay, TimeUnit.NANOSECONDS));
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            return; // closing: the first attempt alone decides
        }
        result.whenComplete((r, t) -> cancelArmed(armed));
    }

    private static void cancelArmed(java.util.concurrent.atomic.AtomicReference<java.util.concurrent.ScheduledFuture<?>> armed) {
        java.util.concurrent.ScheduledFuture<?> f = armed.get();
        if (f != null) {
            f.cancel(false);
        }
    }

    private <Q, R> void readAttempt(RegionExecutor.ReadPlan<Q> plan, int idx,
            BiFunction<DynamoDbAsyncClient, Q, CompletableFuture<R>> call, CompletableFuture<R> result) {
        String region = plan.regions().get(idx);
        send(region, plan.request(), call).whenComplete((r, t) -> {
            if (t == null) {
                result.complete(r);
                return;
            }
            Throwable cause = unwrap(t);
            int next = idx + 1 < plan.regions().size() ? idx + 1 : idx;
            long backoff = RegionExecutor.retryAfter(plan.attempts(), cause, false, idx, next);
            if (backoff < 0) {
                result.completeExceptionally(cause);
                return;
            }
            if (backoff > 0) {
                CompletableFuture.delayedExecutor(backoff, TimeUnit.NANOSECONDS).execute(() -> readAttempt(plan, next, call, result));
            } else {
                readAttempt(plan, next, call, result);
            }
        });
    }

    private <Q, R> CompletableFuture<R> write(Q request, HavenSession session, boolean failover,
            BiFunction<DynamoDbAsyncClient, Q, CompletableFuture<R>> call) {
        CompletableFuture<R> result = new CompletableFuture<>();
        dev.haven.dynamodb.internal.ItemCache cache = executor.itemCacheFor(request, failover);
        if (cache == null) {
            writeAttempt(request, session, failover, executor.startAttempts(), null, call, result);
            return result;
        }
        // as the sync client: invalidate before sending and again before the caller sees the outcome
        cache.onWrite(request);
        CompletableFuture<R> attempts = new CompletableFuture<>();
        attempts.whenComplete((r, t) -> {
            cache.onWrite(request);
            if (t == null) {
                result.complete(r);
            } else {
                result.completeExceptionally(t);
            }
        });
        writeAttempt(request, session, failover, executor.startAttempts(), null, call, attempts);
        return result;
    }

    private <Q, R> void writeAttempt(Q request, HavenSession session, boolean failover, Attempts attempts, Throwable last,
            BiFunction<DynamoDbAsyncClient, Q, CompletableFuture<R>> call, CompletableFuture<R> result) {
        String region;
        try {
            region = executor.planWrite(failover, attempts, last);
        } catch (RuntimeException e) {
            result.completeExceptionally(e);
            return;
        }
        send(region, request, call).whenComplete((r, t) -> {
            if (t == null) {
                if (session != null) {
                    session.recordWrite(executor.settings().clusterName(), executor.writeMark());
                }
                result.complete(r);
                return;
            }
            Throwable cause = unwrap(t);
            long backoff = RegionExecutor.retryAfter(attempts, cause, true, 0, 0);
            if (backoff < 0) {
                result.completeExceptionally(executor.writeFailure(request, region, cause));
                return;
            }
            CompletableFuture.delayedExecutor(backoff, TimeUnit.NANOSECONDS)
                    .execute(() -> writeAttempt(request, session, failover, attempts, cause, call, result));
        });
    }

    private <Q, R> CompletableFuture<R> send(String region, Q request, BiFunction<DynamoDbAsyncClient, Q, CompletableFuture<R>> call) {
        long t0 = executor.callStarted(region);
        CompletableFuture<R> f;
        try {
            f = call.apply(clients.get(region), request);
        } catch (RuntimeException e) {
            executor.callEnded(region, t0, e);
            return CompletableFuture.failedFuture(e);
        }
        return f.whenComplete((r, t) -> executor.callEnded(region, t0, t == null ? null : unwrap(t)));
    }

    private static Throwable unwrap(Throwable t) {
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    @Override
    public String serviceName() {
        return SERVICE_NAME;
    }

    /** The home region's async client configuration. */
    @Override
    public DynamoDbServiceClientConfiguration serviceClientConfiguration() {
        return clients.get(executor.settings().homeRegion()).serviceClientConfiguration();
    }

    /** A waiter that polls through this client (so through the home region). */
    @Override
    public DynamoDbAsyncWaiter waiter() {
        return DynamoDbAsyncWaiter.builder().client(this).build();
    }

    /** Closes the per-region async clients (root only; views do nothing). The sync client stays open. */
    @Override
    public void close() {
        if (root) {
            clients.values().forEach(DynamoDbAsyncClient::close);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Every DynamoDbAsyncClient operation, routed like HavenDynamoDbClient's; GetItem and ExecuteStatement written
    // here, the others generated by SdkDelegation (see HavenDynamoDbClient).
    // ---------------------------------------------------------------------------------------------------------------

    @Override
    public CompletableFuture<ExecuteStatementResponse> executeStatement(ExecuteStatementRequest request) {
        if (ReadShape.isSelect(request.statement())) {
            return read(request, ReadShape.EXECUTE_STATEMENT, DynamoDbAsyncClient::executeStatement);
        }
        return write(request, session, true, DynamoDbAsyncClient::executeStatement);
    }

    @Override
    public CompletableFuture<GetItemResponse> getItem(GetItemRequest request) {
        dev.haven.dynamodb.internal.ItemCache cache = executor.itemCache();
        if (cache != null) {
            Consistency c = Boolean.TRUE.equals(request.consistentRead()) ? Consistency.STRONG : consistency;
            return cache.getAsync(request, c, () -> read(request, ReadShape.GET_ITEM, DynamoDbAsyncClient::getItem));
        }
        return read(request, ReadShape.GET_ITEM, DynamoDbAsyncClient::getItem);
    }

    // <generated by SdkDelegation from DynamoDbAsyncClient; edit the generator, not this region>

    @Override
    public CompletableFuture<BatchExecuteStatementResponse> batchExecuteStatement(BatchExecuteStatementRequest request) {
        return write(request, session, true, DynamoDbAsyncClient::batchExecuteStatement);
    }

    @Override
    public CompletableFuture<BatchGetItemResponse> batchGetItem(BatchGetItemRequest request) {
        return read(request, ReadShape.BATCH_GET_ITEM, DynamoDbAsyncClient::batchGetItem);
    }

    @Override
    public CompletableFuture<BatchWriteItemResponse> batchWriteItem(BatchWriteItemRequest request) {
        return write(request, session, true, DynamoDbAsyncClient::batchWriteItem);
    }

    @Override
    public CompletableFuture<CreateBackupResponse> createBackup(CreateBackupRequest request) {
        return write(request, null, false, DynamoDbAsyncClient::createBackup);
    }

    @Override
    public CompletableFuture<CreateGlobalTableResponse> createGlobalTable(CreateGlobalTableRequest request) {
        return write(request, null, false, DynamoDbAsyncClient::createGlobalTable);
    }

    @Override
    public CompletableFuture<CreateTableResponse> createTable(CreateTableRequest request) {
        return write(request, null, false, DynamoDbAsyncClient::createTable);
    }

    @Override
    public CompletableFuture<DeleteBackupResponse> deleteBackup(DeleteBackupRequest request) {
        return write(request, null, false, DynamoDbAsyncClient::deleteBackup);
    }

    @Override
    public CompletableFuture<DeleteItemResponse> deleteItem(DeleteItemRequest request) {
        return write(request, session, true, DynamoDbAsyncClient::deleteItem);
    }

    @Override
    public CompletableFuture<DeleteResourcePolicyResponse> deleteResourcePolicy(DeleteResourcePolicyRequest request) {
        return write(request, null, false, DynamoDbAsyncClient::deleteResourcePolicy);
    }

    @Override
    public CompletableFuture<DeleteTableResponse> deleteTable(DeleteTableRequest request) {
        return write(request, null, false, DynamoDbAsyncClient::deleteTable);
    }

    @Override
    public CompletableFuture<DescribeBackupResponse> describeBackup(DescribeBackupRequest request) {
        return write(request, null, false, DynamoDbAsyncClient::describeBackup);
    }

    @Override
    public CompletableFuture<DescribeContinuousBackupsResponse> describeContinuousBackups(DescribeContinuousBackupsRequest request) {
        return write(request, null, false, DynamoDbAsyncClient::describeContinuousBackups);
    }

    @Override
    public CompletableFuture<DescribeContributorInsightsResponse> describeContributorInsights(DescribeContributorInsightsRequest request) {
        return write(request, null, false, DynamoDbAsyncClient::describeContributorInsights);
    }

    @Override
    public CompletableFuture<DescribeEndpointsResponse> describeEndpoints(DescribeEndpointsRequest request) {
        return write(request, null, false, DynamoDbAsyncClient::describeEndpoints);
    }

    @Override
    public CompletableFuture<DescribeExportResponse> describeExport(DescribeExportRequest request) {
        return write(request, null, false, DynamoDbAsyncClient::describeExport);
    }

    @Override
    public CompletableFuture<DescribeGlobalTableResponse> describeGlobalTable(DescribeGlobalTableRequest request) {
        return write(request, null, false, DynamoDbAsyncClient::describeGlobalTable);
    }

    @Override
    public CompletableFuture<DescribeGlobalTableSettingsResponse> describeGlobalTableSettings(DescribeGlobalTableSettingsRequest request) {
        return write(request, null, false, DynamoDbAsyncClient::describeGlobalTableSettings);
    }

    @Override
    public CompletableFuture<DescribeImportResponse> describeImport(DescribeImportRequest request) {
        return write(request, null, false, DynamoDbAsyncClient::describeImport);
    }

    @Override
    public CompletableFuture<DescribeKinesisStreamingDestinationResponse> describeKinesisStreamingDestination(DescribeKinesisStreamingDestinationRequest request) {
        return write(request, null, false, DynamoDbAsyncClient::describeKinesisStreamingDestination);
    }

    @Override
    public CompletableFuture<DescribeLimitsResponse> describeLimits(DescribeLimitsRequest request) {
        return write(request, null, false, DynamoDbAsyncClient::describeLimits);
    }

    @Override
    public CompletableFuture<DescribeTableResponse> describeTable(DescribeTableRequest request) {
        return write(request, null, false, DynamoDbAsyncClient::describeTable);
    }

    @Override
    public CompletableFuture<DescribeTableReplicaAutoScalingResponse> describeTableReplicaAutoScaling(DescribeTableReplicaAutoScalingRequest request) {
        return write(request, null, false, DynamoDbAsyncClient::describeTableReplicaAutoScaling);
    }

    @Override
    public CompletableFuture<DescribeTimeToLiveResponse> describeTimeToLive(DescribeTimeToLiveRequest request) {
        return write(request, null, false, DynamoDbAsyncClient::describeTimeToLive);
    }

    @Override
    public CompletableFuture<DisableKinesisStreamingDestinationResponse> disableKinesisStreamingDestination(DisableKinesisStreamingDestinationRequest request) {
        return write(request, null, false, DynamoDbAsyncClient::disableKinesisStreamingDestination);
    }

    @Override
    public CompletableFuture<EnableKinesisStreamingDestinationResponse> enableKinesisStreamingDestination(EnableKinesisStreamingDestinationRequest request) {
        return write(request, null, false, DynamoDbAsyncClient::enableKinesisStreamingDestination);
    }

    @Override
    public CompletableFuture<ExecuteTransactionResponse> executeTransaction(ExecuteTransactionRequest request) {
        return write(request, session, true, DynamoDbAsyncClient::executeTransaction);
    }

    @Override
    public CompletableFuture<ExportTableToPointInTimeResponse> exportTableToPointInTime(ExportTableToPointInTimeRequest request) {
        return write(request, null, false, DynamoDbAsyncClient::exportTableToPointInTime);
    }

    @Override
    public CompletableFuture<GetResourcePolicyResponse> getResourcePolicy(GetResourcePolicyRequest request) {
        return write(request, null, false, DynamoDbAsyncClient::getResourcePolicy);
    }

    @Override
    public CompletableFuture<ImportTableResponse> importTable(ImportTableRequest request) {
        return write(request, null, false, DynamoDbAsyncClient::importTable);
    }

    @Override
    public CompletableFuture<ListBackupsResponse> listBackups(ListBackupsRequest request) {
        return write(request, null, false, DynamoDbAsyncClient::listBackups);
    }

    @Override
    public CompletableFuture<ListContributorInsightsResponse> listContributorInsights(ListContributorInsightsRequest request) {
        return write(request, null, false, DynamoDbAsyncClient::listContributorInsights);
    }

    @Override
    public CompletableFuture<ListExportsResponse> listExports(ListExportsRequest request) {
        return write(request, null, false, DynamoDbAsyncClient::listExports);
    }

    @Override
    public CompletableFuture<ListGlobalTablesResponse> listGlobalTables(ListGlobalTablesRequest request) {
        return write(request, null, false, DynamoDbAsyncClient::listGlobalTables);
    }

    @Override
    public CompletableFuture<ListImportsResponse> listImports(ListImportsRequest request) {
        return write(request, null, false, DynamoDbAsyncClient::listImports);
    }

    @Override
    public CompletableFuture<ListTablesResponse> listTables(ListTablesRequest request) {
        return write(request, null, false, DynamoDbAsyncClient::listTables);
    }

    @Override
    public CompletableFuture<ListTagsOfResourceResponse> listTagsOfResource(ListTagsOfResourceRequest request) {
        return write(request, null, false, DynamoDbAsyncClient::listTagsOfResource);
    }

    @Override
    public CompletableFuture<PutItemResponse> putItem(PutItemRequest request) {
        return write(request, session, true, DynamoDbAsyncClient::putItem);
    }

    @Override
    public CompletableFuture<PutResourcePolicyResponse> putResourcePolicy(PutResourcePolicyRequest request) {
        return write(request, null, false, DynamoDbAsyncClient::putResourcePolicy);
    }

    @Override
    public CompletableFuture<QueryResponse> query(QueryRequest request) {
        return read(request, ReadShape.QUERY, DynamoDbAsyncClient::query);
    }

    @Override
    public CompletableFuture<RestoreTableFromBackupResponse> restoreTableFromBackup(RestoreTableFromBackupRequest request) {
        return write(request, null, false, DynamoDbAsyncClient::restoreTableFromBackup);
    }

    @Override
    public CompletableFuture<RestoreTableToPointInTimeResponse> restoreTableToPointInTime(RestoreTableToPointInTimeRequest request) {
        return write(request, null, false, DynamoDbAsyncClient::restoreTableToPointInTime);
    }

    @Override
    public CompletableFuture<ScanResponse> scan(ScanRequest request) {
        return read(request, ReadShape.SCAN, DynamoDbAsyncClient::scan);
    }

    @Override
    public CompletableFuture<SearchVectorsResponse> searchVectors(SearchVectorsRequest request) {
        return write(request, null, false, DynamoDbAsyncClient::searchVectors);
    }

    @Override
    public CompletableFuture<TagResourceResponse> tagResource(TagResourceRequest request) {
        return write(request, null, false, DynamoDbAsyncClient::tagResource);
    }

    @Override
    public CompletableFuture<TransactGetItemsResponse> transactGetItems(TransactGetItemsRequest request) {
        return read(request, ReadShape.TRANSACT_GET_ITEMS, DynamoDbAsyncClient::transactGetItems);
    }

    @Override
    public CompletableFuture<TransactWriteItemsResponse> transactWriteItems(TransactWriteItemsRequest request) {
        return write(request, session, true, DynamoDbAsyncClient::transactWriteItems);
    }

    @Override
    public CompletableFuture<UntagResourceResponse> untagResource(UntagResourceRequest request) {
        return write(request, null, false, DynamoDbAsyncClient::untagResource);
    }

    @Override
    public CompletableFuture<UpdateContinuousBackupsResponse> updateContinuousBackups(UpdateContinuousBackupsRequest request) {
        return write(request, null, false, DynamoDbAsyncClient::updateContinuousBackups);
    }

    @Override
    public CompletableFuture<UpdateContributorInsightsResponse> updateContributorInsights(UpdateContributorInsightsRequest request) {
        return write(request, null, false, DynamoDbAsyncClient::updateContributorInsights);
    }

    @Override
    public CompletableFuture<UpdateGlobalTableResponse> updateGlobalTable(UpdateGlobalTableRequest request) {
        return write(request, null, false, DynamoDbAsyncClient::updateGlobalTable);
    }

    @Override
    public CompletableFuture<UpdateGlobalTableSettingsResponse> updateGlobalTableSettings(UpdateGlobalTableSettingsRequest request) {
        return write(request, null, false, DynamoDbAsyncClient::updateGlobalTableSettings);
    }

    @Override
    public CompletableFuture<UpdateItemResponse> updateItem(UpdateItemRequest request) {
        return write(request, session, true, DynamoDbAsyncClient::updateItem);
    }

    @Override
    public CompletableFuture<UpdateKinesisStreamingDestinationResponse> updateKinesisStreamingDestination(UpdateKinesisStreamingDestinationRequest request) {
        return write(request, null, false, DynamoDbAsyncClient::updateKinesisStreamingDestination);
    }

    @Override
    public CompletableFuture<UpdateTableResponse> updateTable(UpdateTableRequest request) {
        return write(request, null, false, DynamoDbAsyncClient::updateTable);
    }

    @Override
    public CompletableFuture<UpdateTableReplicaAutoScalingResponse> updateTableReplicaAutoScaling(UpdateTableReplicaAutoScalingRequest request) {
        return write(request, null, false, DynamoDbAsyncClient::updateTableReplicaAutoScaling);
    }

    @Override
    public CompletableFuture<UpdateTimeToLiveResponse> updateTimeToLive(UpdateTimeToLiveRequest request) {
        return write(request, null, false, DynamoDbAsyncClient::updateTimeToLive);
    }

    // </generated>
}
