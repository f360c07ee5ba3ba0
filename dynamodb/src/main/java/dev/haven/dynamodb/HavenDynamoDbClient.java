package dev.haven.dynamodb;

import dev.haven.Consistency;
import dev.haven.Ticker;
import dev.haven.Topology;
import dev.haven.dynamodb.internal.DynamoDbSettings;
import dev.haven.dynamodb.internal.ItemCache;
import dev.haven.dynamodb.internal.ReadShape;
import dev.haven.dynamodb.internal.RegionExecutor;
import dev.haven.engine.ConfigRules;
import dev.haven.engine.Durations;
import dev.haven.event.HavenEventListener;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
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
    private final HavenDynamoDbSession session;
    private final boolean root;

    private HavenDynamoDbClient(RegionExecutor executor, Consistency consistency, HavenDynamoDbSession session, boolean root) {
        this.executor = executor;
        this.consistency = consistency;
        this.session = session;
        this.root = root;
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
     * read-your-writes across regions.
     */
    public HavenDynamoDbClient withSession(HavenDynamoDbSession session) {
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
    public static final class Builder {

        private static final String P = "haven.dynamodb.";

        private String clusterName = "haven-dynamodb";
        private String homeRegion;
        private final Map<String, DynamoDbSettings.RegionSpec> regions = new LinkedHashMap<>();
        private AwsCredentialsProvider credentials;
        private software.amazon.awssdk.http.SdkHttpClient httpClient;
        private String localRegion;
        private Consistency defaultConsistency = Consistency.EVENTUAL;
        private Duration apiCallTimeout = Duration.ofSeconds(2);
        private Duration apiCallAttemptTimeout = Duration.ofMillis(700);
        private Duration probeInterval = Duration.ofSeconds(1);
        private Duration fastProbeInterval = Duration.ofMillis(100);
        private Duration lagProbeInterval = Duration.ofMillis(200);
        private Duration probeTimeout = Duration.ofMillis(500);
        private Duration lagMargin = Duration.ofMillis(250);
        private String heartbeatTable;
        private int retryMaxAttempts = 3;
        private Duration retryBaseBackoff = Duration.ofMillis(25);
        private Duration retryMaxBackoff = Duration.ofSeconds(1);
        private double retryBudgetRatio = 0.1;
        private int retryBudgetReserve = 10;
        private boolean hedging = true;
        private Duration hedgeDelay;
        private Duration hedgeMinDelay = Duration.ofMillis(5);
        private double hedgeLatencyMultiplier = 3;
        private double hedgeBudgetRatio = 0.05;
        private int hedgeMaxThreads = 64;
        private boolean writeFailover;
        private boolean closeUserClients;
        private final List<HavenEventListener> listeners = new ArrayList<>();
        private Ticker ticker = Ticker.system();
        private Clock clock = Clock.systemUTC();
        private long itemCacheMaximumSize;
        private Duration itemCacheMaxAge;

        private Builder() {
        }

        /**
         * Settings from {@code haven.dynamodb.*} keys (other keys are ignored), applied over what was set before:
         * {@code regions} (comma-separated), {@code region.<name>.endpoint} (an endpoint override for that region),
         * {@code home-region}, {@code local-region}, {@code heartbeat-table}, {@code cluster-name},
         * {@code default-consistency} ({@code strong}, {@code session}, {@code eventual},
         * {@code bounded-staleness:<duration>}), {@code api-call-timeout}, {@code api-call-attempt-timeout},
         * {@code probe-interval}, {@code fast-probe-interval}, {@code lag-probe-interval}, {@code probe-timeout},
         * {@code lag-margin}, {@code retry.max-attempts}, {@code retry.base-backoff}, {@code retry.max-backoff},
         * {@code retry.budget-ratio}, {@code retry.budget-reserve-per-second}, {@code hedge.enabled},
         * {@code hedge.delay}, {@code hedge.min-delay}, {@code hedge.latency-multiplier}, {@code hedge.budget-ratio},
         * {@code hedge.max-threads}, {@code write-failover}, {@code item-cache.maximum-size},
         * {@code item-cache.max-age}. Durations as {@code 500ms}, {@code 2s}, {@code 1m} or ISO-8601. An unknown
         * {@code haven.dynamodb.} key or a malformed value fails at once, naming the key. Credentials and HTTP clients
         * are objects: set them with {@link #credentialsProvider} and {@link #httpClient}.
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
        public Builder properties(java.util.Properties props) {
            Map<String, URI> endpoints = new LinkedHashMap<>();
            for (String key : props.stringPropertyNames()) {
                if (!key.startsWith(P)) {
                    continue;
                }
                String name = key.substring(P.length());
                String v = props.getProperty(key).trim();
                if (name.startsWith("region.") && name.endsWith(".endpoint")) {
                    String region = name.substring("region.".length(), name.length() - ".endpoint".length());
                    try {
                        endpoints.put(region, URI.create(v));
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException(key + " must be a URI: was " + v);
                    }
                    continue;
                }
                switch (name) {
                    case "regions" -> {
                        for (String r : v.split("\\s*,\\s*")) {
                            if (!r.isEmpty() && !regions.containsKey(r)) {
                                region(r);
                            }
                        }
                    }
                    case "home-region" -> homeRegion(v);
                    case "local-region" -> localRegion(v);
                    case "heartbeat-table" -> heartbeatTable(v);
                    case "cluster-name" -> clusterName(v);
                    case "default-consistency" -> defaultConsistency(ConfigRules.parseConsistency(key, v));
                    case "api-call-timeout" -> apiCallTimeout = Durations.parse(key, v);
                    case "api-call-attempt-timeout" -> apiCallAttemptTimeout = Durations.parse(key, v);
                    case "probe-interval" -> probeInterval(Durations.parse(key, v));
                    case "fast-probe-interval" -> fastProbeInterval(Durations.parse(key, v));
                    case "lag-probe-interval" -> lagProbeInterval(Durations.parse(key, v));
                    case "probe-timeout" -> probeTimeout(Durations.parse(key, v));
                    case "lag-margin" -> lagMargin(Durations.parse(key, v));
                    case "retry.max-attempts" -> retryMaxAttempts = ConfigRules.parseInt(key, v);
                    case "retry.base-backoff" -> retryBaseBackoff = Durations.parse(key, v);
                    case "retry.max-backoff" -> retryMaxBackoff = Durations.parse(key, v);
                    case "retry.budget-ratio" -> retryBudgetRatio = ConfigRules.parseDouble(key, v);
                    case "retry.budget-reserve-per-second" -> retryBudgetReserve = ConfigRules.parseInt(key, v);
                    case "hedge.enabled" -> hedging(ConfigRules.parseBoolean(key, v));
                    case "hedge.delay" -> hedgeDelay(Durations.parse(key, v));
                    case "hedge.min-delay" -> hedgeMinDelay = Durations.parse(key, v);
                    case "hedge.latency-multiplier" -> hedgeLatencyMultiplier = ConfigRules.parseDouble(key, v);
                    case "hedge.budget-ratio" -> hedgeBudgetRatio(ConfigRules.parseDouble(key, v));
                    case "hedge.max-threads" -> hedgeMaxThreads(ConfigRules.parseInt(key, v));
                    case "write-failover" -> writeFailover(ConfigRules.parseBoolean(key, v));
                    case "item-cache.maximum-size" -> itemCacheMaximumSize = ConfigRules.parseLong(key, v);
                    case "item-cache.max-age" -> itemCacheMaxAge = Durations.parse(key, v);
                    default -> throw new IllegalArgumentException(key + " is not a Haven DynamoDB setting (see the haven-dynamodb README)");
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
            return this;
        }

        /** {@code haven.dynamodb.cluster-name}: names events, metrics and threads (default {@code haven-dynamodb}). */
        public Builder clusterName(String name) {
            this.clusterName = name;
            return this;
        }

        /** {@code haven.dynamodb.home-region}: where writes and STRONG reads go; one of the regions (required). */
        public Builder homeRegion(String region) {
            this.homeRegion = region;
            return this;
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

        /** {@code haven.dynamodb.local-region}: where this application runs; reads prefer it (default: the home region). */
        public Builder localRegion(String region) {
            this.localRegion = region;
            return this;
        }

        /** {@code haven.dynamodb.default-consistency}: of reads that say nothing (default EVENTUAL, as the SDK's). */
        public Builder defaultConsistency(Consistency consistency) {
            this.defaultConsistency = consistency;
            return this;
        }

        /**
         * {@code haven.dynamodb.api-call-timeout} / {@code api-call-attempt-timeout}: deadlines of the clients Haven
         * builds (default 2s / 700ms; the SDK has none). The SDK's own retries are off: Haven retries.
         */
        public Builder apiCallTimeouts(Duration apiCall, Duration attempt) {
            this.apiCallTimeout = apiCall;
            this.apiCallAttemptTimeout = attempt;
            return this;
        }

        /** {@code haven.dynamodb.probe-interval}: heartbeat probe interval when all is well (default 1s). */
        public Builder probeInterval(Duration d) {
            this.probeInterval = d;
            return this;
        }

        /** {@code haven.dynamodb.fast-probe-interval}: while a region is failing (default 100ms). */
        public Builder fastProbeInterval(Duration d) {
            this.fastProbeInterval = d;
            return this;
        }

        /** {@code haven.dynamodb.lag-probe-interval}: while bounded or SESSION reads are made (default 200ms). */
        public Builder lagProbeInterval(Duration d) {
            this.lagProbeInterval = d;
            return this;
        }

        /** {@code haven.dynamodb.probe-timeout}: a region not answering a probe within this is down (default 500ms). */
        public Builder probeTimeout(Duration d) {
            this.probeTimeout = d;
            return this;
        }

        /**
         * {@code haven.dynamodb.lag-margin}: subtracted from every staleness bound (and added to SESSION's "after
         * the write") because the heartbeat item and your items replicate independently, so a region can show a
         * heartbeat a little before a write acknowledged just ahead of it (default 250ms; 0 allowed). A bound at or
         * below the margin reads from the home region only.
         */
        public Builder lagMargin(Duration d) {
            this.lagMargin = d;
            return this;
        }

        /**
         * {@code haven.dynamodb.heartbeat-table} (required): an existing global table with a single String hash key,
         * in every region. Haven increments {@code seq} of the item {@code "haven#heartbeat"} in the home region
         * and reads it in the others to measure replication lag.
         */
        public Builder heartbeatTable(String table) {
            this.heartbeatTable = table;
            return this;
        }

        /** {@code haven.dynamodb.retry.*}: attempts (first included, default 3), full-jitter backoff range (25ms..1s). */
        public Builder retry(int maxAttempts, Duration baseBackoff, Duration maxBackoff) {
            this.retryMaxAttempts = maxAttempts;
            this.retryBaseBackoff = baseBackoff;
            this.retryMaxBackoff = maxBackoff;
            return this;
        }

        /** {@code haven.dynamodb.retry.budget-ratio} / {@code budget-reserve-per-second} (default 0.1 / 10). */
        public Builder retryBudget(double ratio, int reservePerSecond) {
            this.retryBudgetRatio = ratio;
            this.retryBudgetReserve = reservePerSecond;
            return this;
        }

        /** {@code haven.dynamodb.hedge.enabled}: hedged EVENTUAL, bounded and SESSION reads (default true). */
        public Builder hedging(boolean enabled) {
            this.hedging = enabled;
            return this;
        }

        /** {@code haven.dynamodb.hedge.delay}: a fixed hedge delay instead of the adaptive one. */
        public Builder hedgeDelay(Duration d) {
            this.hedgeDelay = Objects.requireNonNull(d, "hedge delay");
            return this;
        }

        /**
         * {@code haven.dynamodb.hedge.min-delay} / {@code latency-multiplier}: the adaptive delay is the first
         * region's latency average times the multiplier, at least the minimum (default 5ms, 3).
         */
        public Builder adaptiveHedgeDelay(Duration minDelay, double latencyMultiplier) {
            this.hedgeMinDelay = minDelay;
            this.hedgeLatencyMultiplier = latencyMultiplier;
            this.hedgeDelay = null;
            return this;
        }

        /** {@code haven.dynamodb.hedge.budget-ratio}: hedges allowed as a share of reads (default 0.05, plus 1/s). */
        public Builder hedgeBudgetRatio(double ratio) {
            this.hedgeBudgetRatio = ratio;
            return this;
        }

        /** {@code haven.dynamodb.hedge.max-threads}: bound of the hedged-read pool; when full, reads run unhedged (default 64). */
        public Builder hedgeMaxThreads(int threads) {
            this.hedgeMaxThreads = threads;
            return this;
        }

        /**
         * {@code haven.dynamodb.write-failover} (default false): once the home region is declared down, send writes
         * to the nearest healthy region. <b>Risk</b>: global tables resolve conflicting writes by last writer wins,
         * so a failover write and a not-yet-replicated home write to the same item are both acknowledged and one is
         * silently lost; see the class documentation.
         */
        public Builder writeFailover(boolean enabled) {
            this.writeFailover = enabled;
            return this;
        }

        /**
         * {@code haven.dynamodb.item-cache.maximum-size} / {@code item-cache.max-age} (default: no cache): a Caffeine
         * cache of whole-item {@code GetItem} answers for EVENTUAL reads (and {@code boundedStaleness(d)} reads when
         * the entry is known to be fresh within {@code d}), bounded by size and by age, invalidated by writes through
         * this client (not by writes of other clients or regions: those show after {@code maxAge} at most). Needs
         * {@code com.github.ben-manes.caffeine:caffeine} on the class path.
         */
        public Builder itemCache(long maximumSize, Duration maxAge) {
            this.itemCacheMaximumSize = maximumSize;
            this.itemCacheMaxAge = Objects.requireNonNull(maxAge, "maxAge");
            return this;
        }

        /** Whether {@link HavenDynamoDbClient#close()} also closes clients given to {@link #region(String, DynamoDbClient)}. */
        public Builder closeUserClients(boolean close) {
            this.closeUserClients = close;
            return this;
        }

        public Builder listener(HavenEventListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /** For tests: the monotonic time source. */
        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /** For tests: the wall clock of event timestamps. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Validates, builds (or takes) one SDK client per region, checks the heartbeat table and starts the monitor.
         *
         * @throws IllegalArgumentException naming the property, the rule and the value
         */
        public HavenDynamoDbClient build() {
            return new HavenDynamoDbClient(new RegionExecutor(settings()), defaultConsistency, null, true);
        }

        /** The validated settings (no I/O): what {@link #build()} checks first. */
        DynamoDbSettings settings() {
            ConfigRules.requireText(P + "cluster-name", clusterName, "[A-Za-z0-9._-]{1,64}");
            if (regions.isEmpty()) {
                throw new IllegalArgumentException(P + "regions must name at least one region: was none");
            }
            for (DynamoDbSettings.RegionSpec r : regions.values()) {
                ConfigRules.requireText(P + "regions", r.name(), "[a-z0-9]+(-[a-z0-9]+)*");
            }
            if (homeRegion == null || !regions.containsKey(homeRegion)) {
                throw new IllegalArgumentException(P + "home-region must be one of the regions " + regions.keySet() + ": was " + homeRegion);
            }
            String local = localRegion == null || localRegion.isBlank() ? homeRegion : localRegion;
            ConfigRules.requireText(P + "local-region", local, "[a-z0-9]+(-[a-z0-9]+)*");
            Objects.requireNonNull(defaultConsistency, P + "default-consistency");
            ConfigRules.positive(P + "api-call-timeout", apiCallTimeout);
            ConfigRules.positive(P + "api-call-attempt-timeout", apiCallAttemptTimeout);
            if (apiCallAttemptTimeout.compareTo(apiCallTimeout) > 0) {
                throw new IllegalArgumentException(P + "api-call-attempt-timeout must be <= " + P + "api-call-timeout ("
                        + Durations.format(apiCallTimeout) + "): was " + Durations.format(apiCallAttemptTimeout));
            }
            ConfigRules.positive(P + "probe-interval", probeInterval);
            ConfigRules.atLeast(P + "probe-interval", probeInterval, Duration.ofMillis(50));
            ConfigRules.positive(P + "fast-probe-interval", fastProbeInterval);
            ConfigRules.atLeast(P + "fast-probe-interval", fastProbeInterval, Duration.ofMillis(10));
            if (fastProbeInterval.compareTo(probeInterval) > 0) {
                throw new IllegalArgumentException(P + "fast-probe-interval must be <= " + P + "probe-interval ("
                        + Durations.format(probeInterval) + "): was " + Durations.format(fastProbeInterval));
            }
            ConfigRules.positive(P + "lag-probe-interval", lagProbeInterval);
            ConfigRules.atLeast(P + "lag-probe-interval", lagProbeInterval, fastProbeInterval);
            ConfigRules.positive(P + "probe-timeout", probeTimeout);
            ConfigRules.atLeast(P + "probe-timeout", probeTimeout, Duration.ofMillis(50));
            if (lagMargin == null || lagMargin.isNegative()) {
                throw new IllegalArgumentException(P + "lag-margin must be >= 0: was " + (lagMargin == null ? "null" : Durations.format(lagMargin)));
            }
            ConfigRules.requireText(P + "heartbeat-table", heartbeatTable, "[A-Za-z0-9._-]{3,255}");
            if (retryMaxAttempts < 1 || retryMaxAttempts > 10) {
                throw new IllegalArgumentException(P + "retry.max-attempts must be in 1..10: was " + retryMaxAttempts);
            }
            ConfigRules.positive(P + "retry.base-backoff", retryBaseBackoff);
            if (retryMaxBackoff == null || retryMaxBackoff.compareTo(retryBaseBackoff) < 0) {
                throw new IllegalArgumentException(P + "retry.max-backoff must be >= " + P + "retry.base-backoff ("
                        + Durations.format(retryBaseBackoff) + "): was " + (retryMaxBackoff == null ? "null" : Durations.format(retryMaxBackoff)));
            }
            if (!(retryBudgetRatio >= 0 && retryBudgetRatio <= 1)) {
                throw new IllegalArgumentException(P + "retry.budget-ratio must be in [0, 1]: was " + retryBudgetRatio);
            }
            if (retryBudgetReserve < 0) {
                throw new IllegalArgumentException(P + "retry.budget-reserve-per-second must be >= 0: was " + retryBudgetReserve);
            }
            if (hedgeDelay != null) {
                ConfigRules.positive(P + "hedge.delay", hedgeDelay);
            }
            ConfigRules.positive(P + "hedge.min-delay", hedgeMinDelay);
            if (!(hedgeLatencyMultiplier >= 1 && hedgeLatencyMultiplier <= 100)) {
                throw new IllegalArgumentException(P + "hedge.latency-multiplier must be in [1, 100]: was " + hedgeLatencyMultiplier);
            }
            if (!(hedgeBudgetRatio >= 0 && hedgeBudgetRatio <= 1)) {
                throw new IllegalArgumentException(P + "hedge.budget-ratio must be in [0, 1]: was " + hedgeBudgetRatio);
            }
            if (itemCacheMaxAge != null) {
                ConfigRules.positive(P + "item-cache.max-age", itemCacheMaxAge);
                if (itemCacheMaximumSize < 1) {
                    throw new IllegalArgumentException(P + "item-cache.maximum-size must be >= 1: was " + itemCacheMaximumSize);
                }
            }
            if (hedgeMaxThreads < 2 || hedgeMaxThreads > 4096) {
                throw new IllegalArgumentException(P + "hedge.max-threads must be in 2..4096: was " + hedgeMaxThreads);
            }
            return new DynamoDbSettings(clusterName, homeRegion, List.copyOf(regions.values()), credentials, httpClient, local,
                    defaultConsistency, apiCallTimeout, apiCallAttemptTimeout, probeInterval, fastProbeInterval,
                    lagProbeInterval, probeTimeout, lagMargin, heartbeatTable, retryMaxAttempts, retryBaseBackoff, retryMaxBackoff,
                    retryBudgetRatio, retryBudgetReserve, hedging, hedgeDelay, hedgeMinDelay, hedgeLatencyMultiplier,
                    hedgeBudgetRatio, hedgeMaxThreads, writeFailover, closeUserClients, itemCacheMaximumSize, itemCacheMaxAge,
                    List.copyOf(listeners), ticker, clock);
        }
    }
}
