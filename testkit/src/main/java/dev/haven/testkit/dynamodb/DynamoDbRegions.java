package dev.haven.testkit.dynamodb;

import dev.haven.testkit.dynamodb.internal.DynamoDbLocal;
import dev.haven.testkit.dynamodb.internal.LastWriterWins;
import dev.haven.testkit.dynamodb.internal.Replicator;
import dev.haven.testkit.internal.FaultProxy;
import dev.haven.testkit.internal.FileTree;
import dev.haven.testkit.internal.FreePorts;
import dev.haven.testkit.internal.OpenClusters;
import dev.haven.testkit.internal.RunDirectory;
import dev.haven.testkit.internal.ServerProcesses;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.netcrusher.core.reactor.NioReactor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.StreamSpecification;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * DynamoDB Global Tables on this machine: one DynamoDB Local process per region, each behind a fault proxy, and a
 * replicator that copies every change of a global table to the other regions after a configurable delay, resolving
 * conflicts by last writer wins.
 *
 * <pre>{@code
 * try (DynamoDbRegions regions = DynamoDbRegions.start("us-east-1", "us-west-2")) {
 *     regions.createGlobalTable(CreateTableRequest.builder().tableName("orders")
 *             .keySchema(KeySchemaElement.builder().attributeName("id").keyType(KeyType.HASH).build())
 *             .attributeDefinitions(AttributeDefinition.builder().attributeName("id").attributeType(ScalarAttributeType.S).build())
 *             .billingMode(BillingMode.PAY_PER_REQUEST).build());
 *     regions.client("us-east-1").putItem(b -> b.tableName("orders").item(Map.of("id", AttributeValue.fromS("1"))));
 *     regions.awaitReplicated(Duration.ofSeconds(10));   // now in us-west-2 too
 *     regions.freeze("us-east-1");                       // clients of endpoint("us-east-1") hang until their timeout
 * }
 * }</pre>
 *
 * <h2>Addresses</h2>
 * {@link #endpoint(String)} is the proxied address applications under test use: {@link #freeze}, {@link #reset} and
 * {@link #latency} act there. {@link #directEndpoint(String)} and {@link #client(String)} bypass the proxy (test setup,
 * assertions, and the replicator itself, so proxy faults never slow replication; use {@link #pauseReplication} for
 * that). Every server runs in memory with {@code -sharedDb}: any credentials and signing region see the same tables.
 *
 * <h2>Replication</h2>
 * See {@code testkit/README.md} ("DynamoDB regions") for what the replicator models and what it does not. In short:
 * each region's stream is read from TRIM_HORIZON; every change is applied to every other region no earlier than
 * {@link #replicationDelay(Duration)} after the replicator read it, if its stamp ({@link #TIMESTAMP_ATTRIBUTE},
 * {@link #REGION_ATTRIBUTE}) is later than the target item's; changes of writers that set no stamp are stamped with
 * the stream record's creation time.
 *
 * <h2>Threading</h2>
 * Region operations ({@link #createGlobalTable}, {@link #kill}, {@link #restart}) are serialized. Proxy and
 * replication controls may be called from any thread at any time. {@link #close()} is idempotent and also run by one
 * JVM shutdown hook for every instance still open.
 */
public final class DynamoDbRegions implements AutoCloseable {

    /** Last-writer-wins stamp of a replicated item: microseconds since the epoch, a Number attribute. */
    public static final String TIMESTAMP_ATTRIBUTE = LastWriterWins.TS;
    /** Region in which the stamped change was made, a String attribute. */
    public static final String REGION_ATTRIBUTE = LastWriterWins.REGION;

    private static final Logger LOG = LoggerFactory.getLogger(DynamoDbRegions.class);

    static final int MAX_REGIONS = 8;
    static final List<String> DEFAULT_REGIONS = List.of("us-east-1", "us-west-2", "eu-west-1");
    private static final Pattern REGION_NAME = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)*");
    private static final Duration CLIENT_CALL_TIMEOUT = Duration.ofSeconds(30);
    private static final long POLL_MILLIS = 25;
    private static final int START_ATTEMPTS = 3;
    private static final AwsCredentialsProvider CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("haven", "haven"));

    private final List<String> regions;
    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private final DynamoDbLocal local;
    private final Path javaHome;
    private final Path runDir;
    private final Duration startupTimeout;
    private final NioReactor reactor;
    private final Replicator replicator;
    private final List<CreateTableRequest> tables = new CopyOnWriteArrayList<>();
    private final List<Long> pids = new CopyOnWriteArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Duration startupTime = Duration.ZERO;

    /** One region: its server process, proxy and direct clients. */
    private static final class Node {
        final String region;
        final Path dir;
        volatile int port;
        volatile Process process;
        volatile FaultProxy proxy;
        volatile DynamoDbClient client;
        volatile DynamoDbStreamsClient streams;

        Node(String region, Path dir) {
            this.region = region;
            this.dir = dir;
        }

        boolean running() {
            Process p = process;
            return p != null && ServerProcesses.isRunning(p.toHandle()); // a killed, not yet reaped child is a zombie
        }
    }

    private DynamoDbRegions(Builder b, DynamoDbLocal local, Path javaHome, Path runDir, NioReactor reactor) {
        this.regions = List.copyOf(b.regions);
        this.local = local;
        this.javaHome = javaHome;
        this.runDir = runDir;
        this.startupTimeout = b.startupTimeout;
        this.reactor = reactor;
        for (String r : regions) {
            nodes.put(r, new Node(r, runDir.resolve(r)));
        }
        this.replicator = new Replicator(regions, r -> nodes.get(r).client, r -> nodes.get(r).streams, b.replicationDelay);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The given regions with default settings: {@code builder().regions(regions).start()}. */
    public static DynamoDbRegions start(String... regions) {
        return builder().regions(regions).start();
    }

    // ------------------------------------------------------------------------------------------------ accessors

    /** Region names in the order given to the builder. */
    public List<String> regions() {
        return regions;
    }

    /** The proxied endpoint of a region ({@code http://127.0.0.1:<proxy port>}): what applications under test use. */
    public URI endpoint(String region) {
        return URI.create("http://127.0.0.1:" + node(region).proxy.port());
    }

    /** The server's own endpoint, bypassing the fault proxy. */
    public URI directEndpoint(String region) {
        return URI.create("http://127.0.0.1:" + node(region).port);
    }

    /**
     * An SDK client of the region's direct endpoint (dummy static credentials, signing region = the region name,
     * 30 s api-call timeout) for test setup and assertions. Owned by this object: closed by {@link #close()}.
     */
    public DynamoDbClient client(String region) {
        requireOpen();
        return node(region).client;
    }

    /** The dummy static credentials the testkit's clients use (any others work as well: servers run with -sharedDb). */
    public AwsCredentialsProvider credentials() {
        return CREDENTIALS;
    }

    /** True while the region's server process runs (false after {@link #kill} until {@link #restart}). */
    public boolean isRunning(String region) {
        return node(region).running();
    }

    /** Where DynamoDB Local came from: version, directory and how it was found. */
    public String binarySource() {
        return local.describe();
    }

    /** Wall time of {@link Builder#start()}: from launching the servers until all answered and replication ran. */
    public Duration startupTime() {
        return startupTime;
    }

    /** Every server pid ever started by this instance (restarts included), for leak checks. */
    public List<Long> pids() {
        return List.copyOf(pids);
    }

    // ------------------------------------------------------------------------------------------------ tables

    /**
     * Creates the table in every region with a stream of NEW_AND_OLD_IMAGES (added if the request has none; any
     * other stream view is rejected) and starts replicating it. Returns when the table is ACTIVE everywhere and the
     * replicator follows every region's stream from its first record.
     */
    public synchronized void createGlobalTable(CreateTableRequest request) {
        requireOpen();
        Objects.requireNonNull(request, "request");
        StreamSpecification spec = request.streamSpecification();
        if (spec != null && (Boolean.FALSE.equals(spec.streamEnabled())
                || spec.streamViewType() != null && spec.streamViewType() != StreamViewType.NEW_AND_OLD_IMAGES)) {
            throw new IllegalArgumentException("A global table needs a stream of NEW_AND_OLD_IMAGES (the replicator reads it): was "
                    + spec + "; leave streamSpecification unset and createGlobalTable adds it");
        }
        CreateTableRequest global = request.toBuilder()
                .streamSpecification(StreamSpecification.builder().streamEnabled(true).streamViewType(StreamViewType.NEW_AND_OLD_IMAGES).build())
                .build();
        for (Node n : nodes.values()) {
            if (!n.running()) {
                throw new IllegalStateException("Region " + n.region + " is not running (killed); restart it before creating global tables");
            }
        }
        long deadline = System.nanoTime() + startupTimeout.toNanos();
        for (Node n : nodes.values()) {
            createTable(n, global, deadline);
        }
        tables.add(global);
        for (Node n : nodes.values()) {
            replicator.follow(n.region, global.tableName());
        }
    }

    private void createTable(Node n, CreateTableRequest request, long deadline) {
        n.client.createTable(request);
        while (n.client.describeTable(b -> b.tableName(request.tableName())).table().tableStatus() != TableStatus.ACTIVE) {
            if (System.nanoTime() > deadline) {
                throw new DynamoDbRegionsException("Table " + request.tableName() + " did not become ACTIVE in " + n.region + " within " + startupTimeout);
            }
            sleep(POLL_MILLIS);
        }
    }

    // ------------------------------------------------------------------------------------------------ faults

    /**
     * Blackhole at the region's proxy: open connections stay open and no byte flows; new connections complete the
     * TCP handshake (kernel backlog) but get no answer, so SDK calls through {@link #endpoint} hang until their
     * api-call (attempt) timeout. The direct endpoint and replication are unaffected.
     */
    public void freeze(String region) {
        proxy(region).freeze();
    }

    public void unfreeze(String region) {
        proxy(region).unfreeze();
    }

    /**
     * SIGSTOP to the region's server: the whole process hangs without closing a socket (proxied and direct
     * connections, and replication from and to it), like a server stuck in a stall or a frozen VM. The kernel still
     * completes new TCP handshakes into its backlog, so SDK calls hang until their timeout. {@link #resume} sends
     * SIGCONT; {@link #kill}, {@link #restart} and {@link #close} work on a suspended region.
     */
    public synchronized void suspend(String region) {
        requireOpen();
        Process p = node(region).process;
        if (p == null || !p.isAlive()) {
            throw new IllegalStateException("DynamoDB Local for " + region + " is not running");
        }
        ServerProcesses.signal(p.pid(), "STOP");
        LOG.info("Suspended DynamoDB Local for {} (SIGSTOP to pid {})", region, p.pid());
    }

    /** SIGCONT to the region's server ({@link #suspend}); a no-op when it runs. */
    public synchronized void resume(String region) {
        requireOpen();
        Process p = node(region).process;
        if (p != null && p.isAlive()) {
            ServerProcesses.signal(p.pid(), "CONT");
            LOG.info("Resumed DynamoDB Local for {} (SIGCONT to pid {})", region, p.pid());
        }
    }

    /** Closes every connection through the region's proxy; new ones work. */
    public void reset(String region) {
        proxy(region).reset();
    }

    /** Adds {@code d} to every round trip through the region's proxy ({@code Duration.ZERO} removes it). */
    public void latency(String region, Duration d) {
        Objects.requireNonNull(d, "latency");
        proxy(region).latency(d);
    }

    // ------------------------------------------------------------------------------------------------ replication

    /** Stops applying changes on every link; streams are still read, so changes queue up (replication lag grows). */
    public void pauseReplication() {
        requireOpen();
        replicator.pauseAll(true);
    }

    /** Resumes every link; changes queued longer than the delay are applied at once, in order. */
    public void resumeReplication() {
        requireOpen();
        replicator.pauseAll(false);
    }

    /** Stops applying changes made in {@code fromRegion} to {@code toRegion} only. */
    public void pauseReplication(String fromRegion, String toRegion) {
        requireOpen();
        requireLink(fromRegion, toRegion);
        replicator.pause(fromRegion, toRegion, true);
    }

    public void resumeReplication(String fromRegion, String toRegion) {
        requireOpen();
        requireLink(fromRegion, toRegion);
        replicator.pause(fromRegion, toRegion, false);
    }

    /** Changes are applied no earlier than this after the replicator read them (also applies to queued changes). */
    public void replicationDelay(Duration d) {
        requireOpen();
        replicator.delay(Builder.requireDelay(d));
    }

    /**
     * Waits until every change in the running regions' streams at the time of the call has been read and applied
     * (or discarded by last writer wins) in every other region.
     *
     * @throws DynamoDbRegionsException naming the links with changes pending (paused, target down) after {@code timeout}
     */
    public void awaitReplicated(Duration timeout) {
        requireOpen();
        Objects.requireNonNull(timeout, "timeout");
        String pending = replicator.awaitReplicated(timeout, this::isRunning);
        if (pending != null) {
            throw new DynamoDbRegionsException("Replication did not catch up within " + timeout + ": " + pending);
        }
    }

    /** Changes applied to a target region so far (not counting those discarded because the target held a newer stamp). */
    public long replicatedCount() {
        return replicator.appliedCount();
    }

    /** Changes not applied because the target already held a newer stamp (conflicts lost by last writer wins). */
    public long discardedCount() {
        return replicator.discardedCount();
    }

    // ------------------------------------------------------------------------------------------------ processes

    /**
     * SIGKILL to the region's server; returns when it is gone. Its in-memory data and streams are lost with it.
     * Changes for it queue up on the other regions' links (as for an unreachable region) until {@link #restart}.
     */
    public synchronized void kill(String region) {
        requireOpen();
        Node n = node(region);
        Process p = n.process;
        if (p != null && p.isAlive()) {
            ServerProcesses.kill(p);
        }
        replicator.forget(region);
    }

    /**
     * Starts the region's server again, killing it first if it runs, on the same port behind the same proxy. The
     * server is in memory, so it comes back EMPTY: every global table is recreated (empty, with a new stream that the
     * replicator follows from its start); items of the other regions are not copied back, only changes made from now
     * on (and those queued while it was down) replicate to it.
     */
    public synchronized void restart(String region) {
        requireOpen();
        kill(region);
        Node n = node(region);
        long deadline = System.nanoTime() + startupTimeout.toNanos();
        try {
            launch(n);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not restart DynamoDB Local for " + region, e);
        }
        if (!awaitReady(n, deadline)) {
            throw new DynamoDbRegionsException("DynamoDB Local for " + region + " could not get its port " + n.port
                    + " back on restart (taken by another process); log:\n" + ServerProcesses.tail(log(n), 20));
        }
        for (CreateTableRequest t : tables) {
            createTable(n, t, deadline);
            replicator.follow(region, t.tableName());
        }
    }

    /** Stops every server (SIGKILL: they are in memory), the replicator, proxies and clients; deletes the run directory. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        replicator.close();
        List<Process> running = new ArrayList<>();
        for (Node n : nodes.values()) {
            Process p = n.process;
            if (p != null && p.isAlive()) {
                p.destroyForcibly();
                running.add(p);
            }
        }
        for (Process p : running) {
            ServerProcesses.kill(p); // waits (bounded) until gone
        }
        for (Node n : nodes.values()) {
            closeQuietly(n.client, n.region);
            closeQuietly(n.streams, n.region);
            closeQuietly(n.proxy, n.region);
        }
        reactor.close();
        try {
            FileTree.deleteRecursively(runDir);
        } catch (IOException e) {
            LOG.warn("Could not delete testkit work dir {}: {}", runDir, e.toString());
        }
        OpenClusters.unregister(this);
        LOG.info("Closed DynamoDB regions {} in {}", regions, runDir);
    }

    // ------------------------------------------------------------------------------------------------ start

    private void startAll() {
        long t0 = System.nanoTime();
        long deadline = t0 + startupTimeout.toNanos();
        try {
            for (Node n : nodes.values()) { // all servers start in parallel; each JVM takes seconds to boot
                Files.createDirectories(n.dir);
                n.port = FreePorts.pick();
                launch(n);
            }
            for (Node n : nodes.values()) {
                int attempt = 1;
                while (!awaitReady(n, deadline)) {
                    if (++attempt > START_ATTEMPTS) {
                        throw new DynamoDbRegionsException("DynamoDB Local for " + n.region + " hit a port conflict " + START_ATTEMPTS
                                + " times; log:\n" + ServerProcesses.tail(log(n), 20));
                    }
                    LOG.info("Port {} of {} was taken; retrying on another port", n.port, n.region);
                    n.port = FreePorts.pick();
                    launch(n);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start DynamoDB Local: " + e.getMessage(), e);
        }
        warmUp(deadline);
        for (Node n : nodes.values()) {
            n.proxy = FaultProxy.open(reactor, "127.0.0.1", n.port);
        }
        replicator.start();
        startupTime = Duration.ofNanos(System.nanoTime() - t0);
        LOG.info("DynamoDB regions {} ready in {} ms ({}; run dir {})", regions, startupTime.toMillis(), local.describe(), runDir);
    }

    private void launch(Node n) throws IOException {
        Path data = n.dir.resolve("data");
        Files.createDirectories(data);
        ProcessBuilder pb = new ProcessBuilder(local.command(javaHome, n.port, n.dir));
        pb.directory(data.toFile());
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log(n).toFile()));
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        // options meant for the test JVM (agents, debuggers) must not reach the servers
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        pb.environment().remove("JDK_JAVA_OPTIONS");
        pb.environment().remove("_JAVA_OPTIONS");
        Process p = pb.start();
        n.process = p;
        pids.add(p.pid());
        Files.writeString(n.dir.resolve(RunDirectory.SERVER_PID_FILE), p.pid() + "\n", StandardCharsets.UTF_8);
        ensureClients(n);
    }

    /** Direct clients of the node's current port (a port conflict at start moves the server to another port). */
    private void ensureClients(Node n) {
        URI direct = directEndpoint(n.region);
        if (n.client != null && direct.equals(n.client.serviceClientConfiguration().endpointOverride().orElse(null))) {
            return;
        }
        closeQuietly(n.client, n.region);
        closeQuietly(n.streams, n.region);
        n.client = DynamoDbClient.builder()
                .endpointOverride(direct)
                .region(Region.of(n.region))
                .credentialsProvider(CREDENTIALS)
                .httpClientBuilder(UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(2)).socketTimeout(CLIENT_CALL_TIMEOUT))
                .overrideConfiguration(o -> o.apiCallTimeout(CLIENT_CALL_TIMEOUT))
                .build();
        n.streams = DynamoDbStreamsClient.builder()
                .endpointOverride(direct)
                .region(Region.of(n.region))
                .credentialsProvider(CREDENTIALS)
                .httpClientBuilder(UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(2)).socketTimeout(CLIENT_CALL_TIMEOUT))
                .overrideConfiguration(o -> o.apiCallTimeout(CLIENT_CALL_TIMEOUT))
                .build();
    }

    /**
     * Runs every operation the replicator uses once per region, in parallel, on a scratch table that is then
     * deleted. A fresh DynamoDB Local (and this JVM's SDK) takes up to seconds for the first stream read and
     * conditional write on a busy machine; without this, the first replicated change of a test would lag far
     * behind the configured delay and lag measurements would mean nothing.
     */
    private void warmUp(long deadline) {
        List<Thread> threads = new ArrayList<>();
        Map<String, Throwable> failures = new java.util.concurrent.ConcurrentHashMap<>();
        for (Node n : nodes.values()) {
            Thread t = new Thread(() -> {
                try {
                    warmUp(n);
                } catch (RuntimeException e) {
                    failures.put(n.region, e);
                }
            }, "haven-dynamodb-warmup-" + n.region);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            try {
                t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DynamoDbRegionsException("Interrupted while warming up", e);
            }
            if (t.isAlive()) {
                throw new DynamoDbRegionsException("Warming up DynamoDB Local did not finish within " + startupTimeout + " (startupTimeout)");
            }
        }
        if (!failures.isEmpty()) {
            Map.Entry<String, Throwable> f = failures.entrySet().iterator().next();
            throw new DynamoDbRegionsException("Warming up DynamoDB Local for " + f.getKey() + " failed: " + f.getValue(), f.getValue());
        }
    }

    private static void warmUp(Node n) {
        String table = "haven-testkit-warmup";
        DynamoDbClient c = n.client;
        c.createTable(b -> b.tableName(table)
                .keySchema(KeySchemaElement.builder().attributeName("id").keyType(KeyType.HASH).build())
                .attributeDefinitions(AttributeDefinition.builder().attributeName("id").attributeType(ScalarAttributeType.S).build())
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .streamSpecification(s -> s.streamEnabled(true).streamViewType(StreamViewType.NEW_AND_OLD_IMAGES)));
        Map<String, AttributeValue> key = Map.of("id", AttributeValue.fromS("w"));
        Map<String, String> names = Map.of("#hts", LastWriterWins.TS, "#hrg", LastWriterWins.REGION);
        Map<String, AttributeValue> values = Map.of(":hts", AttributeValue.fromN("1"), ":hrg", AttributeValue.fromS(n.region));
        c.putItem(b -> b.tableName(table).item(key));
        c.putItem(b -> b.tableName(table).item(key).conditionExpression(LastWriterWins.CONDITION)
                .expressionAttributeNames(names).expressionAttributeValues(values));
        c.updateItem(b -> b.tableName(table).key(key).updateExpression("SET #hts = :hts, #hrg = :hrg")
                .expressionAttributeNames(names).expressionAttributeValues(values));
        c.getItem(b -> b.tableName(table).key(key).consistentRead(true));
        c.deleteItem(b -> b.tableName(table).key(key).conditionExpression("attribute_not_exists(#hts) OR #hts < :hts OR #hrg < :hrg")
                .expressionAttributeNames(names).expressionAttributeValues(Map.of(":hts", AttributeValue.fromN("2"), ":hrg", AttributeValue.fromS("~")))
                .returnValues(ReturnValue.ALL_OLD));
        String arn = c.describeTable(b -> b.tableName(table)).table().latestStreamArn();
        for (Shard shard : n.streams.describeStream(b -> b.streamArn(arn)).streamDescription().shards()) {
            String it = n.streams.getShardIterator(b -> b.streamArn(arn).shardId(shard.shardId())
                    .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
            n.streams.getRecords(b -> b.shardIterator(it).limit(1000));
        }
        c.deleteTable(b -> b.tableName(table));
    }

    /** True when the server answers; false after a port conflict (the process exited); throws on any other failure. */
    private boolean awaitReady(Node n, long deadline) {
        while (true) {
            Process p = n.process;
            if (!p.isAlive()) {
                String tail = ServerProcesses.tail(log(n), 30);
                if (DynamoDbLocal.portConflict(tail)) {
                    return false;
                }
                throw new DynamoDbRegionsException("DynamoDB Local for " + n.region + " exited with code " + p.exitValue()
                        + " during start (" + local.describe() + ", java " + javaHome + "); log:\n" + tail);
            }
            if (listening(n.port)) {
                try {
                    n.client.listTables(b -> b.limit(1));
                    return true;
                } catch (SdkException e) {
                    // up but not serving yet
                }
            }
            if (System.nanoTime() > deadline) {
                ServerProcesses.kill(p);
                throw new DynamoDbRegionsException("DynamoDB Local for " + n.region + " did not answer within " + startupTimeout
                        + " (startupTimeout); log:\n" + ServerProcesses.tail(log(n), 30));
            }
            sleep(POLL_MILLIS);
        }
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private Path log(Node n) {
        return n.dir.resolve("server.log");
    }

    private Node node(String region) {
        Node n = nodes.get(region);
        if (n == null) {
            throw new IllegalArgumentException("Unknown region '" + region + "': regions are " + regions);
        }
        return n;
    }

    private FaultProxy proxy(String region) {
        requireOpen();
        return node(region).proxy;
    }

    private void requireLink(String from, String to) {
        node(from);
        node(to);
        if (from.equals(to)) {
            throw new IllegalArgumentException("A replication link joins two different regions: was " + from + " → " + to);
        }
    }

    private void requireOpen() {
        if (closed.get()) {
            throw new IllegalStateException("These DynamoDB regions are closed");
        }
    }

    private static void closeQuietly(AutoCloseable c, String region) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            LOG.debug("closing {} of {}", c, region, e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DynamoDbRegionsException("Interrupted", e);
        }
    }

    @Override
    public String toString() {
        return "DynamoDbRegions" + regions;
    }

    // ------------------------------------------------------------------------------------------------ builder

    /** Settings, each validated when set; {@link #start()} launches the servers. */
    public static final class Builder {
        private List<String> regions = DEFAULT_REGIONS;
        private Duration replicationDelay = Duration.ofSeconds(1);
        private Duration startupTimeout = Duration.ofSeconds(60);
        private Path javaHome;
        private Path dynamoDbLocal;

        private Builder() {
        }

        /**
         * Region names, 1 to 8, distinct, lower case like AWS's ({@code us-east-1}); default us-east-1, us-west-2,
         * eu-west-1. Each is one DynamoDB Local JVM (~150–250 MB resident).
         */
        public Builder regions(String... names) {
            if (names == null || names.length == 0) {
                throw new IllegalArgumentException("regions must name at least one region, e.g. regions(\"us-east-1\", \"us-west-2\"): was none");
            }
            if (names.length > MAX_REGIONS) {
                throw new IllegalArgumentException("regions must name at most " + MAX_REGIONS + " regions (each is a JVM): was "
                        + names.length + " " + Arrays.toString(names));
            }
            Set<String> seen = new LinkedHashSet<>();
            for (String name : names) {
                if (name == null || !REGION_NAME.matcher(name).matches()) {
                    throw new IllegalArgumentException("region names must be lower-case letters, digits and single dashes, like us-east-1: was '"
                            + name + "' in " + Arrays.toString(names));
                }
                if (!seen.add(name)) {
                    throw new IllegalArgumentException("region names must be distinct: '" + name + "' appears more than once in " + Arrays.toString(names));
                }
            }
            this.regions = Collections.unmodifiableList(new ArrayList<>(seen));
            return this;
        }

        /** How long after the replicator reads a change it is applied in the other regions (default 1 s; 0 allowed). */
        public Builder replicationDelay(Duration delay) {
            this.replicationDelay = requireDelay(delay);
            return this;
        }

        /** Bound for start, restart and table creation (default 60 s). */
        public Builder startupTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("startupTimeout must be > 0: was " + timeout);
            }
            this.startupTimeout = timeout;
            return this;
        }

        /** The JDK (17+) that runs DynamoDB Local; default: the JDK running this JVM. */
        public Builder javaHome(Path javaHome) {
            Objects.requireNonNull(javaHome, "javaHome");
            if (!Files.isExecutable(javaHome.resolve("bin").resolve("java"))) {
                throw new IllegalArgumentException("javaHome must be a JDK/JRE directory holding bin/java: " + javaHome.resolve("bin/java")
                        + " is not an executable");
            }
            this.javaHome = javaHome.toAbsolutePath();
            return this;
        }

        /**
         * A directory holding DynamoDB Local's jars (DynamoDBLocal*.jar, its dependencies and the sqlite4java native
         * libraries), or holding {@code lib/} with them. Default: {@code HAVEN_DYNAMODB_LOCAL} (system property, then
         * environment variable), else {@code target/dynamodb-local} of the working directory.
         */
        public Builder dynamoDbLocal(Path dir) {
            this.dynamoDbLocal = Objects.requireNonNull(dir, "dynamoDbLocal").toAbsolutePath();
            return this;
        }

        static Duration requireDelay(Duration delay) {
            if (delay == null || delay.isNegative()) {
                throw new IllegalArgumentException("replicationDelay must be >= 0: was " + delay);
            }
            return delay;
        }

        /** Starts every region's server in parallel and the replicator; returns when all answer. */
        public DynamoDbRegions start() {
            DynamoDbLocal local = DynamoDbLocal.locate(dynamoDbLocal);
            Path java = javaHome != null ? javaHome : Paths.get(System.getProperty("java.home"));
            Path runDir;
            NioReactor reactor;
            try {
                runDir = RunDirectory.create(null);
                reactor = new NioReactor(5);
            } catch (IOException e) {
                throw new UncheckedIOException("Could not prepare the testkit work directory: " + e.getMessage(), e);
            }
            DynamoDbRegions r = new DynamoDbRegions(this, local, java, runDir, reactor);
            OpenClusters.register(r);
            try {
                r.startAll();
            } catch (RuntimeException | Error e) {
                r.close();
                throw e;
            }
            return r;
        }
    }
}
