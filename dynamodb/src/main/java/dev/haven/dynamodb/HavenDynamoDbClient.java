package dev.haven.dynamodb;

import dev.haven.Consistency;
import dev.haven.HavenSession;
import dev.haven.Topology;
import dev.haven.dynamodb.internal.DynamoDbSettings;
import dev.haven.dynamodb.internal.ItemCache;
import dev.haven.dynamodb.internal.ReadShape;
import dev.haven.dynamodb.internal.RegionExecutor;
import dev.haven.engine.Durations;
import dev.haven.event.HavenEventListener;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
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
import software.amazon.awssdk.services.dynamodb.waiters.DynamoDbWaiter;

/**
 * One {@link DynamoDbClient} over a DynamoDB global table's regions: writes go to a home region, reads to the
 * nearest healthy region that satisfies their {@link Consistency}, and a region outage is ridden through. A drop-in
 * wherever a {@code DynamoDbClient} is expected, the Enhanced Client included.
 *
 * <pre>{@code
 * try (HavenDynamoDbClient ddb = HavenDynamoDbClient.builder()
 *         .homeRegion("us-east-1")
 *         .region("us-east-1").region("us-west-2").region("eu-west-1")
 *         .localRegion("us-west-2")                       // where this application runs
 *         .heartbeatTable("haven-heartbeat")              // a global table with a String hash key
 *         .build()) {
 *     ddb.putItem(put);                                   // us-east-1
 *     ddb.getItem(get);                                   // EVENTUAL (default): us-west-2, hedged
 *     ddb.withConsistency(Consistency.boundedStaleness(Duration.ofSeconds(1))).getItem(get); // a region <= 1 s behind
 *     ddb.getItem(get.toBuilder().consistentRead(true).build()); // STRONG: us-east-1, ConsistentRead
 * }
 * }</pre>
 *
 * <h2>Routing</h2>
 * Reads ({@code GetItem}, {@code Query}, {@code Scan}, {@code BatchGetItem}, {@code TransactGetItems} and
 * {@code ExecuteStatement} with a {@code SELECT}) take the consistency of the view they are made through
 * ({@link #withConsistency}, {@link #withSession}; default {@code haven.dynamodb.default-consistency}), or
 * {@code STRONG} when the request says {@code ConsistentRead=true}:
 * <ul>
 *   <li>{@code STRONG}: the home region, with {@code ConsistentRead=true}.</li>
 *   <li>{@code boundedStaleness(d)}: a region whose replication lag, measured with a heartbeat item, is at most
 *       {@code d} (the home region always qualifies), with {@code ConsistentRead=true} within that region.</li>
 *   <li>{@code SESSION}: a region known to hold the session's last write, or the home region; {@code ConsistentRead=true}.</li>
 *   <li>{@code EVENTUAL}: the nearest healthy region (local region first, then by measured latency).</li>
 * </ul>
 * Every other operation (writes, table and backup management...) goes to the home region; none is dropped.
 *
 * <h2>Write failover and last writer wins</h2>
 * With {@link Builder#writeFailover(boolean) writeFailover(true)}, once Haven's monitor has declared the home region
 * down, writes go to the nearest healthy region. Global tables resolve concurrent writes to one item by last writer
 * wins: a write made in the failover region and a write the home region accepted before it went dark (not yet
 * replicated) or while only this client thought it was down are <b>both acknowledged, and one of them is silently
 * lost</b> when they meet. Conditional writes keep their condition, but it is checked against the failover region's
 * (possibly stale) copy. Off by default: then writes fail at once with {@link HavenRegionUnavailableException}
 * while the home region is down, without waiting for SDK timeouts.
 *
 * <p>{@link #close()} releases the monitor (shared by the clients of one cluster in this JVM, stopped with the last of
 * them), closes Haven's threads and the SDK clients Haven built; clients given to the
 * builder are the caller's unless {@link Builder#closeUserClients(boolean)}. Views ({@link #withConsistency},
 * {@link #withSession}) share the root's resources; closing a view does nothing.
 */
public final class HavenDynamoDbClient implements DynamoDbClient {

    private final RegionExecutor executor;
    private final Consistency consistency;
    private final HavenSession session;
    private final boolean root;

    private HavenDynamoDbClient(RegionExecutor executor, Consistency consistency, HavenSession session, boolean root) {
        this.executor = executor;
        this.consistency = consistency;
        this.session = session;
        this.root = root;
    }

    /**
     * The settings this client was built with: every {@link DynamoDbKeys} value (given or default). Start another
     * client from them with {@code HavenDynamoDbClient.builder().settings(client.settings())}.
     */
    public dev.haven.config.Settings settings() {
        return executor.settings().keys();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A view of this client whose reads default to {@code consistency} (its session, if any, is kept). */
    public HavenDynamoDbClient withConsistency(Consistency consistency) {
        return new HavenDynamoDbClient(executor, Objects.requireNonNull(consistency, "consistency"), session, false);
    }

    /**
     * A view that records its writes in {@code session} and whose reads default to {@link Consistency#SESSION}:
     * read-your-writes across regions. A {@code SESSION} read goes to a region known to hold every write the session
     * made to this client's cluster ({@code haven.dynamodb.cluster-name}) &mdash; one that replicated a heartbeat
     * taken after it &mdash; or to the home region with {@code ConsistentRead=true}. The same session serves JDBC and
     * Redis clients, and travels between processes as {@link HavenSession#token()}: DynamoDB marks a write with the
     * wall-clock time of its acknowledgement, so processes that continue a session need clocks synchronized to within
     * {@code haven.dynamodb.lag-margin} (on AWS they are, to well under a millisecond). The session is conservative:
     * after a write every {@code SESSION} read of it avoids regions that lack the write, whatever item it reads.
     */
    public HavenDynamoDbClient withSession(HavenSession session) {
        return new HavenDynamoDbClient(executor, Consistency.SESSION, Objects.requireNonNull(session, "session"), false);
    }

    /** The consistency reads of this view get unless the request asks for {@code ConsistentRead=true}. */
    public Consistency consistency() {
        return consistency;
    }

    /** The engine, for {@link HavenDynamoDbAsyncClient} (same package). */
    RegionExecutor executor() {
        return executor;
    }

    /** Item-cache hits and misses so far ({@code {0, 0}} without a cache). */
    public long[] itemCacheStats() {
        ItemCache c = executor.itemCache();
        return c == null ? new long[] {0, 0} : new long[] {c.hits(), c.misses()};
    }

    /** The current regions with their roles (home = WRITER; a region that does not answer = UNKNOWN). */
    public Topology topology() {
        return executor.topology();
    }

    /**
     * How far each other region's data is behind the home region, as last measured with the heartbeat item (the figure
     * bounded staleness reads are judged on), by region; a region that is down or not measured yet is absent. Read from
     * the monitor's snapshot: no I/O, never waits, for health checks and dashboards.
     */
    public java.util.Map<String, java.time.Duration> replicaStaleness() {
        return executor.replicaStaleness();
    }

    /**
     * Each region's circuit breaker, by endpoint id: {@code closed} (in routing), {@code open} (kept out of routing
     * until {@code breaker.wait-in-open} has passed), {@code half-open} (trial calls). Read from the monitor's snapshot:
     * no I/O, never waits, for health checks and dashboards.
     */
    public java.util.Map<String, String> breakerStates() {
        return executor.breakerStates();
    }

    public void addListener(HavenEventListener listener) {
        executor.events().add(Objects.requireNonNull(listener, "listener"));
    }

    public void removeListener(HavenEventListener listener) {
        executor.events().remove(listener);
    }

    @Override
    public String serviceName() {
        return SERVICE_NAME;
    }

    /** The home region's client configuration. */
    @Override
    public DynamoDbServiceClientConfiguration serviceClientConfiguration() {
        return executor.client(executor.settings().homeRegion()).serviceClientConfiguration();
    }

    /** A waiter that polls through this client (so through the home region). */
    @Override
    public DynamoDbWaiter waiter() {
        return DynamoDbWaiter.builder().client(this).build();
    }

    /** Closes everything this client started (root only; a view's close does nothing). */
    @Override
    public void close() {
        if (root) {
            executor.close();
        }
    }

    @Override
    public String toString() {
        return executor.settings() + (root ? "" : "[view " + consistency + (session != null ? ", " + session : "") + "]");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Every DynamoDbClient operation: reads are routed by consistency, writes go to the home region (failover
    // opt-in), everything else to the home region. GetItem (item cache) and ExecuteStatement (a SELECT is a read) are
    // written here; the region below is generated by SdkDelegation (test sources) from DynamoDbClient's methods by
    // reflection: SdkDelegationTest fails, with the command to regenerate, when a newer SDK adds an operation.
    // ---------------------------------------------------------------------------------------------------------------

    @Override
    public ExecuteStatementResponse executeStatement(ExecuteStatementRequest request) {
        if (ReadShape.isSelect(request.statement())) {
            return executor.read(request, ReadShape.EXECUTE_STATEMENT, consistency, session, DynamoDbClient::executeStatement);
        }
        return executor.write(request, session, true, DynamoDbClient::executeStatement);
    }

    @Override
    public GetItemResponse getItem(GetItemRequest request) {
        ItemCache cache = executor.itemCache();
        if (cache != null) {
            Consistency c = Boolean.TRUE.equals(request.consistentRead()) ? Consistency.STRONG : consistency;
            return cache.get(request, c, () -> executor.read(request, ReadShape.GET_ITEM, consistency, session, DynamoDbClient::getItem));
        }
        return executor.read(request, ReadShape.GET_ITEM, consistency, session, DynamoDbClient::getItem);
    }

    // <generated by SdkDelegation from DynamoDbClient; edit the generator, not this region>

    @Override
    public BatchExecuteStatementResponse batchExecuteStatement(BatchExecuteStatementRequest request) {
        return executor.write(request, session, true, DynamoDbClient::batchExecuteStatement);
    }

    @Override
    public BatchGetItemResponse batchGetItem(BatchGetItemRequest request) {
        return executor.read(request, ReadShape.BATCH_GET_ITEM, consistency, session, DynamoDbClient::batchGetItem);
    }

    @Override
    public BatchWriteItemResponse batchWriteItem(BatchWriteItemRequest request) {
        return executor.write(request, session, true, DynamoDbClient::batchWriteItem);
    }

    @Override
    public CreateBackupResponse createBackup(CreateBackupRequest request) {
        return executor.write(request, null, false, DynamoDbClient::createBackup);
    }

    @Override
    public CreateGlobalTableResponse createGlobalTable(CreateGlobalTableRequest request) {
        return executor.write(request, null, false, DynamoDbClient::createGlobalTable);
    }

    @Override
    public CreateTableResponse createTable(CreateTableRequest request) {
        return executor.write(request, null, false, DynamoDbClient::createTable);
    }

    @Override
    public DeleteBackupResponse deleteBackup(DeleteBackupRequest request) {
        return executor.write(request, null, false, DynamoDbClient::deleteBackup);
    }

    @Override
    public DeleteItemResponse deleteItem(DeleteItemRequest request) {
        return executor.write(request, session, true, DynamoDbClient::deleteItem);
    }

    @Override
    public DeleteResourcePolicyResponse deleteResourcePolicy(DeleteResourcePolicyRequest request) {
        return executor.write(request, null, false, DynamoDbClient::deleteResourcePolicy);
    }

    @Override
    public DeleteTableResponse deleteTable(DeleteTableRequest request) {
        return executor.write(request, null, false, DynamoDbClient::deleteTable);
    }

    @Override
    public DescribeBackupResponse describeBackup(DescribeBackupRequest request) {
        return executor.write(request, null, false, DynamoDbClient::describeBackup);
    }

    @Override
    public DescribeContinuousBackupsResponse describeContinuousBackups(DescribeContinuousBackupsRequest request) {
        return executor.write(request, null, false, DynamoDbClient::describeContinuousBackups);
    }

    @Override
    public DescribeContributorInsightsResponse describeContributorInsights(DescribeContributorInsightsRequest request) {
        return executor.write(request, null, false, DynamoDbClient::describeContributorInsights);
    }

    @Override
    public DescribeEndpointsResponse describeEndpoints(DescribeEndpointsRequest request) {
        return executor.write(request, null, false, DynamoDbClient::describeEndpoints);
    }

    @Override
    public DescribeExportResponse describeExport(DescribeExportRequest request) {
        return executor.write(request, null, false, DynamoDbClient::describeExport);
    }

    @Override
    public DescribeGlobalTableResponse describeGlobalTable(DescribeGlobalTableRequest request) {
        return executor.write(request, null, false, DynamoDbClient::describeGlobalTable);
    }

    @Override
    public DescribeGlobalTableSettingsResponse describeGlobalTableSettings(DescribeGlobalTableSettingsRequest request) {
        return executor.write(request, null, false, DynamoDbClient::describeGlobalTableSettings);
    }

    @Override
    public DescribeImportResponse describeImport(DescribeImportRequest request) {
        return executor.write(request, null, false, DynamoDbClient::describeImport);
    }

    @Override
    public DescribeKinesisStreamingDestinationResponse describeKinesisStreamingDestination(DescribeKinesisStreamingDestinationRequest request) {
        return executor.write(request, null, false, DynamoDbClient::describeKinesisStreamingDestination);
    }

    @Override
    public DescribeLimitsResponse describeLimits(DescribeLimitsRequest request) {
        return executor.write(request, null, false, DynamoDbClient::describeLimits);
    }

    @Override
    public DescribeTableResponse describeTable(DescribeTableRequest request) {
        return executor.write(request, null, false, DynamoDbClient::describeTable);
    }

    @Override
    public DescribeTableReplicaAutoScalingResponse describeTableReplicaAutoScaling(DescribeTableReplicaAutoScalingRequest request) {
        return executor.write(request, null, false, DynamoDbClient::describeTableReplicaAutoScaling);
    }

    @Override
    public DescribeTimeToLiveResponse describeTimeToLive(DescribeTimeToLiveRequest request) {
        return executor.write(request, null, false, DynamoDbClient::describeTimeToLive);
    }

    @Override
    public DisableKinesisStreamingDestinationResponse disableKinesisStreamingDestination(DisableKinesisStreamingDestinationRequest request) {
        return executor.write(request, null, false, DynamoDbClient::disableKinesisStreamingDestination);
    }

    @Override
    public EnableKinesisStreamingDestinationResponse enableKinesisStreamingDestination(EnableKinesisStreamingDestinationRequest request) {
        return executor.write(request, null, false, DynamoDbClient::enableKinesisStreamingDestination);
    }

    @Override
    public ExecuteTransactionResponse executeTransaction(ExecuteTransactionRequest request) {
        return executor.write(request, session, true, DynamoDbClient::executeTransaction);
    }

    @Override
    public ExportTableToPointInTimeResponse exportTableToPointInTime(ExportTableToPointInTimeRequest request) {
        return executor.write(request, null, false, DynamoDbClient::exportTableToPointInTime);
    }

    @Override
    public GetResourcePolicyResponse getResourcePolicy(GetResourcePolicyRequest request) {
        return executor.write(request, null, false, DynamoDbClient::getResourcePolicy);
    }

    @Override
    public ImportTableResponse importTable(ImportTableRequest request) {
        return executor.write(request, null, false, DynamoDbClient::importTable);
    }

    @Override
    public ListBackupsResponse listBackups(ListBackupsRequest request) {
        return executor.write(request, null, false, DynamoDbClient::listBackups);
    }

    @Override
    public ListContributorInsightsResponse listContributorInsights(ListContributorInsightsRequest request) {
        return executor.write(request, null, false, DynamoDbClient::listContributorInsights);
    }

    @Override
    public ListExportsResponse listExports(ListExportsRequest request) {
        return executor.write(request, null, false, DynamoDbClient::listExports);
    }

    @Override
    public ListGlobalTablesResponse listGlobalTables(ListGlobalTablesRequest request) {
        return executor.write(request, null, false, DynamoDbClient::listGlobalTables);
    }

    @Override
    public ListImportsResponse listImports(ListImportsRequest request) {
        return executor.write(request, null, false, DynamoDbClient::listImports);
    }

    @Override
    public ListTablesResponse listTables(ListTablesRequest request) {
        return executor.write(request, null, false, DynamoDbClient::listTables);
    }

    @Override
    public ListTagsOfResourceResponse listTagsOfResource(ListTagsOfResourceRequest request) {
        return executor.write(request, null, false, DynamoDbClient::listTagsOfResource);
    }

    @Override
    public PutItemResponse putItem(PutItemRequest request) {
        return executor.write(request, session, true, DynamoDbClient::putItem);
    }

    @Override
    public PutResourcePolicyResponse putResourcePolicy(PutResourcePolicyRequest request) {
        return executor.write(request, null, false, DynamoDbClient::putResourcePolicy);
    }

    @Override
    public QueryResponse query(QueryRequest request) {
        return executor.read(request, ReadShape.QUERY, consistency, session, DynamoDbClient::query);
    }

    @Override
    public RestoreTableFromBackupResponse restoreTableFromBackup(RestoreTableFromBackupRequest request) {
        return executor.write(request, null, false, DynamoDbClient::restoreTableFromBackup);
    }

    @Override
    public RestoreTableToPointInTimeResponse restoreTableToPointInTime(RestoreTableToPointInTimeRequest request) {
        return executor.write(request, null, false, DynamoDbClient::restoreTableToPointInTime);
    }

    @Override
    public ScanResponse scan(ScanRequest request) {
        return executor.read(request, ReadShape.SCAN, consistency, session, DynamoDbClient::scan);
    }

    @Override
    public SearchVectorsResponse searchVectors(SearchVectorsRequest request) {
        return executor.write(request, null, false, DynamoDbClient::searchVectors);
    }

    @Override
    public TagResourceResponse tagResource(TagResourceRequest request) {
        return executor.write(request, null, false, DynamoDbClient::tagResource);
    }

    @Override
    public TransactGetItemsResponse transactGetItems(TransactGetItemsRequest request) {
        return executor.read(request, ReadShape.TRANSACT_GET_ITEMS, consistency, session, DynamoDbClient::transactGetItems);
    }

    @Override
    public TransactWriteItemsResponse transactWriteItems(TransactWriteItemsRequest request) {
        return executor.write(request, session, true, DynamoDbClient::transactWriteItems);
    }

    @Override
    public UntagResourceResponse untagResource(UntagResourceRequest request) {
        return executor.write(request, null, false, DynamoDbClient::untagResource);
    }

    @Override
    public UpdateContinuousBackupsResponse updateContinuousBackups(UpdateContinuousBackupsRequest request) {
        return executor.write(request, null, false, DynamoDbClient::updateContinuousBackups);
    }

    @Override
    public UpdateContributorInsightsResponse updateContributorInsights(UpdateContributorInsightsRequest request) {
        return executor.write(request, null, false, DynamoDbClient::updateContributorInsights);
    }

    @Override
    public UpdateGlobalTableResponse updateGlobalTable(UpdateGlobalTableRequest request) {
        return executor.write(request, null, false, DynamoDbClient::updateGlobalTable);
    }

    @Override
    public UpdateGlobalTableSettingsResponse updateGlobalTableSettings(UpdateGlobalTableSettingsRequest request) {
        return executor.write(request, null, false, DynamoDbClient::updateGlobalTableSettings);
    }

    @Override
    public UpdateItemResponse updateItem(UpdateItemRequest request) {
        return executor.write(request, session, true, DynamoDbClient::updateItem);
    }

    @Override
    public UpdateKinesisStreamingDestinationResponse updateKinesisStreamingDestination(UpdateKinesisStreamingDestinationRequest request) {
        return executor.write(request, null, false, DynamoDbClient::updateKinesisStreamingDestination);
    }

    @Override
    public UpdateTableResponse updateTable(UpdateTableRequest request) {
        return executor.write(request, null, false, DynamoDbClient::updateTable);
    }

    @Override
    public UpdateTableReplicaAutoScalingResponse updateTableReplicaAutoScaling(UpdateTableReplicaAutoScalingRequest request) {
        return executor.write(request, null, false, DynamoDbClient::updateTableReplicaAutoScaling);
    }

    @Override
    public UpdateTimeToLiveResponse updateTimeToLive(UpdateTimeToLiveRequest request) {
        return executor.write(request, null, false, DynamoDbClient::updateTimeToLive);
    }

    // </generated>

    // ---------------------------------------------------------------------------------------------------------------

    /**
     * Builds a {@link HavenDynamoDbClient}. {@link #build()} validates every setting and fails with a message naming
     * the property, the rule and the value ({@code haven.dynamodb.probe-timeout must be > 0: was 0ms}); it then
     * checks the heartbeat table and runs the first probe round, so routing works on return.
     */
    public static final class Builder extends dev.haven.config.HavenBuilder<Builder>
            implements dev.haven.config.RetryBackoffBuilder<Builder> {

        private static final String P = DynamoDbKeys.SPEC.prefix();

        private final Map<String, DynamoDbSettings.RegionSpec> regions = new LinkedHashMap<>();
        private final Map<String, URI> endpoints = new LinkedHashMap<>();
        private AwsCredentialsProvider credentials;
        private software.amazon.awssdk.http.SdkHttpClient httpClient;

        private Builder() {
            super(DynamoDbKeys.SPEC);
        }

        /**
         * {@code haven.dynamodb.region.<name>.endpoint}: an endpoint override for that region. The other keys are
         * {@link DynamoDbKeys}; {@code regions} is comma-separated.
         *
         * <pre>{@code
         * Properties p = new Properties();
         * p.setProperty("haven.dynamodb.regions", "us-east-1, us-west-2");
         * p.setProperty("haven.dynamodb.home-region", "us-east-1");
         * p.setProperty("haven.dynamodb.local-region", "us-west-2");
         * p.setProperty("haven.dynamodb.heartbeat-table", "haven-heartbeat");
         * p.setProperty("haven.dynamodb.default-consistency", "bounded-staleness:1s");
         * HavenDynamoDbClient ddb = HavenDynamoDbClient.builder().properties(p).build();
         * }</pre>
         */
        @Override
        protected void family(dev.haven.config.SettingsSpec.Family family, String rest, String value, String key) {
            if (!rest.toLowerCase(java.util.Locale.ROOT).endsWith(".endpoint")) {
                throw new IllegalArgumentException(key + " is unknown: expected " + P + "region.<name>.endpoint");
            }
            String region = rest.substring(0, rest.length() - ".endpoint".length());
            try {
                endpoints.put(region, URI.create(value == null ? "" : value.trim()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(key + " must be a URI: was " + value);
            }
        }

        /** The regions listed in {@code regions}, then the endpoint overrides read with them. */
        @Override
        protected void afterProperties() {
            List<String> listed = keys().get(DynamoDbKeys.REGIONS);
            if (listed != null) {
                for (String r : listed) {
                    if (!regions.containsKey(r)) {
                        region(r);
                    }
                }
            }
            for (Map.Entry<String, URI> e : endpoints.entrySet()) {
                DynamoDbSettings.RegionSpec spec = regions.get(e.getKey());
                if (spec != null && spec.client() != null) {
                    throw new IllegalArgumentException(P + "region." + e.getKey() + ".endpoint: region " + e.getKey()
                            + " is served by a client given to region(name, client)");
                }
                region(e.getKey(), e.getValue());
            }
            endpoints.clear();
        }

        /** {@code haven.dynamodb.home-region}: where writes and STRONG reads go; one of the regions (required). */
        public Builder homeRegion(String region) {
            return set(DynamoDbKeys.HOME_REGION, region);
        }

        /** A region of the global table; Haven builds its client with the SDK's default endpoint. */
        public Builder region(String name) {
            return region(name, (URI) null);
        }

        /** A region whose client Haven builds with an endpoint override (DynamoDB Local, VPC endpoints...). */
        public Builder region(String name, URI endpoint) {
            regions.put(String.valueOf(name), new DynamoDbSettings.RegionSpec(name, endpoint, null));
            return this;
        }

        /**
         * A region served by the caller's client (its own HTTP client, timeouts, retry policy: give it explicit
         * {@code apiCallTimeout}s, and preferably no SDK retries, or a blackholed region holds reads that long). Not
         * closed by Haven unless {@link #closeUserClients(boolean)}. Haven cannot cancel a call made through a
         * caller's client, so a hedged read whose first region is such a region runs on Haven's read pool and the
         * caller waits for it (a thread hand-off per hedgeable read: tens of microseconds); with the clients Haven
         * builds ({@link #region(String)}, {@link #region(String, URI)}, optionally {@link #httpClient}) the first
         * call runs on the caller's thread and the loser's HTTP request is aborted.
         */
        public Builder region(String name, DynamoDbClient client) {
            regions.put(String.valueOf(name), new DynamoDbSettings.RegionSpec(name, null, Objects.requireNonNull(client, "client")));
            return this;
        }

        /** Credentials of the clients Haven builds (default: the SDK's default chain). Never logged. */
        public Builder credentialsProvider(AwsCredentialsProvider provider) {
            this.credentials = Objects.requireNonNull(provider, "provider");
            return this;
        }

        /**
         * The HTTP client of the SDK clients Haven builds (default: one {@code UrlConnectionHttpClient} per region with
         * the attempt timeout as connect and socket timeout). Shared by those regions; it stays the caller's: Haven
         * does not close it. Haven cancels the losing call of a hedged read by aborting its HTTP request, which every
         * SDK HTTP client supports.
         */
        public Builder httpClient(software.amazon.awssdk.http.SdkHttpClient client) {
            this.httpClient = Objects.requireNonNull(client, "httpClient");
            return this;
        }

        /**
         * {@code haven.dynamodb.deadline}: no call blocks longer, retries included (default 2s; the SDK's
         * {@code apiCallTimeout} of the clients Haven builds; the SDK has none by default).
         */
        public Builder deadline(Duration d) {
            return set(DynamoDbKeys.DEADLINE, d);
        }

        /** {@code haven.dynamodb.attempt-timeout}: one attempt in one region (default 700ms; the SDK's {@code apiCallAttemptTimeout}). */
        public Builder attemptTimeout(Duration d) {
            return set(DynamoDbKeys.ATTEMPT_TIMEOUT, d);
        }

        /**
         * {@code deadline(apiCall).attemptTimeout(attempt)}.
         *
         * @deprecated use {@link #deadline} and {@link #attemptTimeout}, the names every store uses
         */
        @Deprecated
        public Builder apiCallTimeouts(Duration apiCall, Duration attempt) {
            return deadline(apiCall).attemptTimeout(attempt);
        }

        /** {@code haven.dynamodb.lag-probe-interval}: while bounded or SESSION reads are made (default 200ms). */
        public Builder lagProbeInterval(Duration d) {
            return set(DynamoDbKeys.LAG_PROBE_INTERVAL, d);
        }

        /**
         * {@code haven.dynamodb.lag-margin}: subtracted from every staleness bound (and added to SESSION's "after
         * the write") because the heartbeat item and your items replicate independently, so a region can show a
         * heartbeat a little before a write acknowledged just ahead of it (default 250ms; 0 allowed). A bound at or
         * below the margin reads from the home region only.
         */
        public Builder lagMargin(Duration d) {
            return set(DynamoDbKeys.LAG_MARGIN, d);
        }

        /**
         * {@code haven.dynamodb.heartbeat-table} (required): an existing global table with a single String hash key,
         * in every region. Haven increments {@code seq} of the item {@code "haven#heartbeat"} in the home region
         * and reads it in the others to measure replication lag.
         */
        public Builder heartbeatTable(String table) {
            return set(DynamoDbKeys.HEARTBEAT_TABLE, table);
        }

        /** {@code haven.dynamodb.hedge.enabled}: hedged EVENTUAL, bounded and SESSION reads (default true). */
        public Builder hedging(boolean enabled) {
            return set(DynamoDbKeys.HEDGE_ENABLED, enabled);
        }

        /** {@code haven.dynamodb.hedge.delay}: a fixed hedge delay instead of the adaptive one. */
        public Builder hedgeDelay(Duration d) {
            return set(DynamoDbKeys.HEDGE_DELAY, Objects.requireNonNull(d, "hedge delay"));
        }

        /** {@code haven.dynamodb.hedge.min-delay}: the adaptive delay is at least this (default 5ms). */
        public Builder hedgeMinDelay(Duration d) {
            return set(DynamoDbKeys.HEDGE_MIN_DELAY, d);
        }

        /** {@code haven.dynamodb.hedge.latency-multiplier}: the adaptive delay is the latency average times this (default 3). */
        public Builder hedgeLatencyMultiplier(double multiplier) {
            return set(DynamoDbKeys.HEDGE_LATENCY_MULTIPLIER, multiplier);
        }

        /**
         * {@code hedgeMinDelay(minDelay).hedgeLatencyMultiplier(latencyMultiplier)}, and the adaptive delay (no
         * {@code hedge.delay}).
         */
        public Builder adaptiveHedgeDelay(Duration minDelay, double latencyMultiplier) {
            keys().set(DynamoDbKeys.HEDGE_DELAY, null);
            return hedgeMinDelay(minDelay).hedgeLatencyMultiplier(latencyMultiplier);
        }

        /** {@code haven.dynamodb.hedge.budget-ratio}: hedges allowed as a share of reads (default 0.05, plus 1/s). */
        public Builder hedgeBudgetRatio(double ratio) {
            return set(DynamoDbKeys.HEDGE_BUDGET_RATIO, ratio);
        }

        /** {@code haven.dynamodb.hedge.max-threads}: bound of the hedged-read pool; when full, reads run unhedged (default 64). */
        public Builder hedgeMaxThreads(int threads) {
            return set(DynamoDbKeys.HEDGE_MAX_THREADS, threads);
        }

        /**
         * {@code haven.dynamodb.write-failover} (default false): once the home region is declared down, send writes
         * to the nearest healthy region. <b>Risk</b>: global tables resolve conflicting writes by last writer wins,
         * so a failover write and a not-yet-replicated home write to the same item are both acknowledged and one is
         * silently lost; see the class documentation.
         */
        public Builder writeFailover(boolean enabled) {
            return set(DynamoDbKeys.WRITE_FAILOVER, enabled);
        }

        /**
         * {@code haven.dynamodb.item-cache.maximum-size} / {@code item-cache.max-age} (default: no cache): a Caffeine
         * cache of whole-item {@code GetItem} answers for EVENTUAL reads (and {@code boundedStaleness(d)} reads when
         * the entry is known to be fresh within {@code d}), bounded by size and by age, invalidated by writes through
         * this client (not by writes of other clients or regions: those show after {@code maxAge} at most). Needs
         * {@code com.github.ben-manes.caffeine:caffeine} on the class path.
         */
        public Builder itemCache(long maximumSize, Duration maxAge) {
            return set(DynamoDbKeys.ITEM_CACHE_MAXIMUM_SIZE, maximumSize)
                    .set(DynamoDbKeys.ITEM_CACHE_MAX_AGE, Objects.requireNonNull(maxAge, "maxAge"));
        }

        /** {@code haven.dynamodb.close-user-clients}: {@link HavenDynamoDbClient#close()} also closes clients given to {@link #region(String, DynamoDbClient)}. */
        public Builder closeUserClients(boolean close) {
            return set(DynamoDbKeys.CLOSE_USER_CLIENTS, close);
        }

        /**
         * Validates, builds (or takes) one SDK client per region, checks the heartbeat table and starts the monitor.
         *
         * @throws IllegalArgumentException naming the property, the rule and the value
         */
        public HavenDynamoDbClient build() {
            DynamoDbSettings s = settings();
            return new HavenDynamoDbClient(new RegionExecutor(s), s.defaultConsistency(), null, true);
        }

        /** The validated settings (no I/O): what {@link #build()} checks first. */
        DynamoDbSettings settings() {
            dev.haven.config.Settings values = checkedKeys();
            if (regions.isEmpty()) {
                throw new IllegalArgumentException(P + "regions must name at least one region: was none");
            }
            for (DynamoDbSettings.RegionSpec r : regions.values()) {
                if (!DynamoDbKeys.isAwsRegionName(r.name())) {
                    throw new IllegalArgumentException(P + "regions must match [a-z0-9]+(-[a-z0-9]+)*: was " + r.name());
                }
            }
            String homeRegion = values.get(DynamoDbKeys.HOME_REGION);
            if (homeRegion == null || !regions.containsKey(homeRegion)) {
                throw new IllegalArgumentException(P + "home-region must be one of the regions " + regions.keySet() + ": was " + homeRegion);
            }
            String localRegion = values.get(DynamoDbKeys.LOCAL_REGION);
            String local = localRegion == null || localRegion.isBlank() ? homeRegion : localRegion;
            if (!DynamoDbKeys.isAwsRegionName(local)) {
                throw new IllegalArgumentException(P + "local-region must match [a-z0-9]+(-[a-z0-9]+)*: was " + local);
            }
            Duration deadline = values.get(DynamoDbKeys.DEADLINE);
            Duration attempt = values.get(DynamoDbKeys.ATTEMPT_TIMEOUT);
            if (attempt.compareTo(deadline) > 0) {
                throw new IllegalArgumentException(P + "attempt-timeout must be <= " + P + "deadline ("
                        + Durations.format(deadline) + "): was " + Durations.format(attempt));
            }
            Duration lagProbe = values.get(DynamoDbKeys.LAG_PROBE_INTERVAL);
            Duration fast = values.get(DynamoDbKeys.FAST_PROBE_INTERVAL);
            if (lagProbe.compareTo(fast) < 0) {
                throw new IllegalArgumentException(P + "lag-probe-interval must be >= " + P + "fast-probe-interval ("
                        + Durations.format(fast) + "): was " + Durations.format(lagProbe));
            }
            values.require(DynamoDbKeys.HEARTBEAT_TABLE);
            boolean cacheSize = values.isGiven(DynamoDbKeys.ITEM_CACHE_MAXIMUM_SIZE);
            boolean cacheAge = values.isGiven(DynamoDbKeys.ITEM_CACHE_MAX_AGE);
            if (cacheSize != cacheAge) {
                throw new IllegalArgumentException(P + "item-cache.maximum-size and " + P + "item-cache.max-age must be given together: was "
                        + (cacheSize ? "maximum-size only" : "max-age only"));
            }
            return new DynamoDbSettings(values, List.copyOf(regions.values()), credentials, httpClient, local,
                    listeners(), ticker(), clock());
        }
    }
}
