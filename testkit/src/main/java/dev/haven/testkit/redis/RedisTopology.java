package dev.haven.testkit.redis;

import dev.haven.testkit.internal.FileTree;
import dev.haven.testkit.internal.OpenClusters;
import dev.haven.testkit.internal.RunDirectory;
import dev.haven.testkit.redis.internal.RedisBinaries;
import dev.haven.testkit.redis.internal.RedisProxy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.netcrusher.core.reactor.NioReactor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Redis primary with replicas and (by default) three Sentinels on this machine, each process behind a fault
 * proxy; or, in {@linkplain Builder#elastiCacheMode(boolean) ElastiCache mode}, no Sentinel but a stable
 * "primary endpoint" that is re-pointed on failover; or, in {@linkplain Builder#globalDatastore(String, String...)
 * Global Datastore mode}, several regions, each a primary + replicas, chained to one global primary.
 *
 * <pre>{@code
 * try (RedisTopology redis = RedisTopology.start(2)) {          // primary + 2 replicas + 3 Sentinels
 *     RedisClient client = RedisClient.create(redis.sentinelUri());
 *     ...
 *     redis.awaitReplicated(Duration.ofSeconds(5));
 *     RedisNode newPrimary = redis.killPrimaryAndAwaitFailover(Duration.ofSeconds(30));
 * }
 * }</pre>
 *
 * <h2>Addresses</h2>
 * Every process announces its proxied address ({@code replica-announce-ip/port}, {@code sentinel announce-ip/port}),
 * so clients that discover the topology through Sentinel connect through the fault proxies, and so does Sentinel
 * itself: a primary frozen for longer than {@link #sentinelDownAfter()} (3 s by default) is failed over, as a partitioned
 * primary would be. Replication also flows through the primary's proxy (Sentinel re-points replicas to the announced
 * address), but the proxy recognises replication connections by their source address (each data node binds
 * {@code 127.0.0.<2+i>} first, and Redis connects to its primary from its first bind address), so
 * {@link #freeze}, {@link #reset} and {@link #latency} never touch replication, and {@link #pauseReplication}
 * freezes exactly one replica's link.
 *
 * <h2>Global Datastore mode</h2>
 * Imitates ElastiCache Global Datastore (cluster mode disabled) on one machine, without Sentinel:
 * <pre>{@code
 * try (RedisTopology gds = RedisTopology.builder().replicas(1).globalDatastore("us-east-1", "eu-west-1").start()) {
 *     RedisNode writer = gds.primary();                        // us-east-1's primary: the only role:master
 *     RedisNode euPrimary = gds.regionPrimary("eu-west-1");   // replicates from writer (cross-region link)
 *     gds.regionNodes("eu-west-1").forEach(n -> gds.latency(n, Duration.ofMillis(80)));  // far from the app
 *     gds.pauseRegionReplication("eu-west-1");               // the whole region falls behind
 *     gds.resumeRegionReplication("eu-west-1");
 *     gds.promoteRegion("eu-west-1");                         // failover-global-replication-group
 * }
 * }</pre>
 * Every region has a primary and {@code replicas} replicas. The primary region's primary is the global primary
 * ({@link #primary()}); each secondary region's primary replicates from it ({@code REPLICAOF} over the global primary's
 * proxy), and a region's replicas replicate from their region's primary (chained replication: with PSYNC2 the whole
 * chain shares one replication id and one offset space, so every node's offset compares with the global primary's).
 * {@link #promoteRegion} moves the primary role to another region as {@code failover-global-replication-group} does.
 * Not modelled: cluster mode (shards), in-region automatic failover ({@link #failover()} refuses in this mode),
 * per-region DNS endpoints (use the nodes' addresses), the replication delay of real distance (add it to client
 * traffic with {@link #latency}, or stop the cross-region link with {@link #pauseRegionReplication}).
 *
 * <h2>Threading</h2>
 * Topology operations (kill, stop, restart, failover, pause/resume replication) are serialized on the topology;
 * proxy operations (freeze, unfreeze, reset, latency) are not and may be called from any thread. {@link #close()}
 * is idempotent and also run by one JVM shutdown hook for every topology still open.
 */
public final class RedisTopology implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RedisTopology.class);

    /** System property or environment variable: a directory that {@link #close()} copies every node's log into. */
    public static final String KEEP_LOGS_PROPERTY = "HAVEN_TESTKIT_KEEP_LOGS";

    static final int MAX_REPLICAS = 5;
    static final String MASTER_NAME = "haven";
    /** Default {@code down-after-milliseconds} once the topology is up; see {@link Builder#sentinelDownAfter}. */
    static final Duration DEFAULT_DOWN_AFTER = Duration.ofMillis(3000);

    // Every collaborator works on the one state; the operations that change it hold this topology's lock.
    private final TopologyState state;
    private final RedisAdmin admin;
    private final FaultProxies proxies;
    private final ReplicationWatch replication;
    private final RedisProcesses processes;
    private final SentinelControl sentinel;
    private final ManualPromotion promotion;
    private final GlobalDatastoreControl gds;
    private final TopologyStartup startup;
    private volatile Duration startupTime = Duration.ZERO;

    private RedisTopology(Builder b, RedisBinaries binaries, Path runDir, NioReactor reactor) {
        this.state = new TopologyState(b, binaries, runDir);
        this.admin = new RedisAdmin(state.password);
        this.proxies = new FaultProxies(reactor);
        this.replication = new ReplicationWatch(state, admin, proxies);
        this.processes = new RedisProcesses(state, admin, replication);
        this.sentinel = new SentinelControl(state, admin, replication);
        this.promotion = new ManualPromotion(state, admin, replication, proxies);
        this.gds = new GlobalDatastoreControl(state, admin, replication, proxies, promotion);
        this.startup = new TopologyStartup(state, proxies, replication, processes, sentinel, admin);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A primary, {@code replicas} replicas and three Sentinels: {@code builder().replicas(n).start()}. */
    public static RedisTopology start(int replicas) {
        return builder().replicas(replicas).start();
    }

    // ------------------------------------------------------------------------------------------------ accessors

    /** The data node the testkit treats as the primary; changes through {@link #failover()}, {@link #killPrimaryAndAwaitFailover} and {@link #discoverPrimary()}. */
    public RedisNode primary() {
        return state.primary;
    }

    /** Every data node except {@link #primary()}, running or not, in creation order. */
    public List<RedisNode> replicas() {
        return state.replicas();
    }

    /** All data nodes, primary first (Sentinels are in {@link #sentinels()}). */
    public List<RedisNode> nodes() {
        List<RedisNode> out = new ArrayList<>();
        out.add(state.primary);
        out.addAll(replicas());
        return Collections.unmodifiableList(out);
    }

    /** The Sentinels (empty with {@code sentinels(0)} or in ElastiCache mode). */
    public List<RedisNode> sentinels() {
        return List.copyOf(state.sentinels);
    }

    /** The name the Sentinels monitor the primary under: {@code "haven"}. */
    public String masterName() {
        return MASTER_NAME;
    }

    /** The password of the data nodes ({@code requirepass}/{@code masterauth}); Sentinels have none. */
    public Optional<String> password() {
        return Optional.ofNullable(state.password);
    }

    public boolean elastiCacheMode() {
        return state.elastiCacheMode;
    }

    /** True when built with {@link Builder#globalDatastore(String, String...)}. */
    public boolean globalDatastoreMode() {
        return !state.regions.isEmpty();
    }

    /** Global Datastore mode: every region, in the order configured (the first was the initial primary region). */
    public List<String> regions() {
        gds.requireGlobalDatastore();
        return state.regions;
    }

    /** Global Datastore mode: the region of {@link #primary()}; changes with {@link #promoteRegion}. */
    public String primaryRegion() {
        gds.requireGlobalDatastore();
        return state.primaryRegion;
    }

    /**
     * Global Datastore mode: the region's primary: the global primary in the primary region, a read-only node that
     * replicates across regions from the global primary in a secondary region.
     */
    public RedisNode regionPrimary(String region) {
        return gds.regionPrimary(region);
    }

    /** Global Datastore mode: the region's data nodes, its primary first, then its replicas in creation order. */
    public List<RedisNode> regionNodes(String region) {
        return gds.regionNodes(region);
    }

    /** {@code redis://127.0.0.1:<proxied port>} (without the password: set it on the client). */
    public String redisUri(RedisNode n) {
        requireMember(n);
        return "redis://" + n.host() + ":" + n.port();
    }

    /** Lettuce's Sentinel URI over the Sentinels' proxied addresses: {@code redis-sentinel://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3#haven}. */
    public String sentinelUri() {
        if (state.sentinels.isEmpty()) {
            throw new IllegalStateException("This topology has no Sentinel (" + (state.elastiCacheMode ? "elastiCacheMode" : "sentinels(0)")
                    + "); use primaryEndpoint() or redisUri(primary())");
        }
        return "redis-sentinel://" + state.sentinels.stream().map(s -> s.host() + ":" + s.port()).collect(Collectors.joining(","))
                + "#" + MASTER_NAME;
    }

    /** ElastiCache mode only: the stable proxied address of "the primary", re-pointed by {@link #failover()}. */
    public HostAndPort primaryEndpoint() {
        HostAndPort e = proxies.endpointAddress();
        if (!state.elastiCacheMode || e == null) {
            throw new IllegalStateException("primaryEndpoint() exists only in elastiCacheMode; with Sentinel use sentinelUri()");
        }
        return e;
    }

    /** Where the server binary came from, e.g. "maven (embedded-redis-1.4.4.jar) Redis 6.2.11 at /tmp/...". */
    public String binarySource() {
        return state.binaries.description();
    }

    /** True when built with {@link Builder#tls()}: every data node and Sentinel accepts TLS connections only. */
    public boolean tlsEnabled() {
        return state.tls;
    }

    /**
     * The PEM certificate of the CA that signed every node's certificate (valid for {@code 127.0.0.1} and
     * {@code localhost}): what a client trusts, e.g. Haven's {@code haven.redis.tls-ca-certificate}.
     *
     * @throws IllegalStateException if the topology was not built with {@link Builder#tls()}
     */
    public Path tlsCaCertificate() {
        if (!state.tls) {
            throw new IllegalStateException("This topology runs without TLS; build it with tls()");
        }
        return state.certificates.caCertificate();
    }

    /** The Redis server version, e.g. "6.2.11". */
    public String serverVersion() {
        return state.binaries.version();
    }

    /**
     * The Sentinels' {@code down-after-milliseconds}: how long a node must not answer before a Sentinel sees it down
     * (a failover follows once two agree). Applied once the topology is up; see {@link Builder#sentinelDownAfter}.
     */
    public Duration sentinelDownAfter() {
        return state.downAfter;
    }

    /** How long {@code start()} took until every replica was in sync and every Sentinel knew the whole topology. */
    public Duration startupTime() {
        return startupTime;
    }

    /**
     * Time from the kill (or the {@code SENTINEL FAILOVER} / promotion) until the new primary was reported by every
     * running Sentinel and answered as a master, of the last failover; null before any.
     */
    public Duration lastFailoverTime() {
        return state.lastFailoverTime;
    }

    /** The run directory holding every node's config, data and log; deleted by {@link #close()}. */
    public Path workDir() {
        return state.runDir;
    }

    /** Pids of every process this topology ever started (for leak checks). */
    public List<Long> pids() {
        return processes.pids();
    }

    // ------------------------------------------------------------------------------------------------ start

    private static RedisTopology start(Builder b) {
        RedisBinaries binaries = RedisBinaries.resolve(b.binaries);
        if (!binaries.atLeast(6, 2)) {
            throw new IllegalStateException("The Redis testkit needs Redis 6.2 or newer (CLIENT PAUSE WRITE, proc-title-template, "
                    + "CLIENT LIST laddr); " + binaries.description() + " is too old. Set " + RedisBinaries.SELECTION_PROPERTY
                    + "=maven or point REDIS_BIN at a newer redis-server");
        }
        Path runDir;
        NioReactor reactor;
        try {
            runDir = RunDirectory.create(null);
            reactor = new NioReactor(5);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not prepare the testkit work directory: " + e.getMessage(), e);
        }
        RedisTopology t = new RedisTopology(b, binaries, runDir, reactor);
        OpenClusters.register(t);
        try {
            t.boot();
            return t;
        } catch (RuntimeException | Error e) {
            t.close();
            throw e;
        }
    }

    private synchronized void boot() {
        long t0 = System.nanoTime();
        startup.run(t0 + state.startupTimeout.toNanos());
        startupTime = Duration.ofNanos(System.nanoTime() - t0);
        LOG.info("Redis primary + {} replica(s) + {} Sentinel(s){} ready in {} ms ({}; work dir {})", state.initialReplicas,
                state.sentinelCount, state.elastiCacheMode ? " (ElastiCache mode, primary endpoint " + primaryEndpoint() + ")"
                        : state.regions.isEmpty() ? "" : " per region, Global Datastore " + state.regions + " (primary region " + state.primaryRegion + ")",
                startupTime.toMillis(), state.binaries.description(), state.runDir);
    }

    // ------------------------------------------------------------------------------------------------ operations

    /** SIGKILL; returns when the process is gone. */
    public synchronized void kill(RedisNode n) {
        requireMember(n);
        processes.kill(n);
    }

    /** SIGTERM (Redis shuts down cleanly), SIGKILL after 10 s. */
    public synchronized void stop(RedisNode n) {
        requireMember(n);
        processes.stop(n);
    }

    /**
     * Starts a stopped or killed node again on the same port with its config file (which Sentinel may have rewritten).
     * Returns when it answers PING. With Sentinel, a former primary comes back as a primary until Sentinel converts it
     * into a replica (as in real life); without Sentinel, a node that is not {@link #primary()} is started as a
     * replica of the primary (as a managed service would re-add it).
     */
    public synchronized void restart(RedisNode n) {
        requireMember(n);
        processes.restart(n);
    }

    /**
     * Makes another data node the primary and returns it.
     *
     * <ul>
     *   <li>With Sentinel: {@code SENTINEL FAILOVER haven}; waits until every running Sentinel reports a new primary that
     *       answers as a master, and every other running data node (the old primary included) replicates from it. The
     *       old primary is sent the {@code REPLICAOF} Sentinel itself would send only ~8 s later.</li>
     *   <li>Without Sentinel (ElastiCache mode, or {@code sentinels(0)}): pauses writes on the old primary
     *       ({@code CLIENT PAUSE WRITE}) until the most advanced replica caught up, promotes it ({@code REPLICAOF NO ONE}),
     *       re-points the others ({@code REPLICAOF}), and in ElastiCache mode re-points the primary endpoint (its open
     *       connections are closed, as when the DNS name flips and the old node restarts).</li>
     * </ul>
     */
    public synchronized RedisNode failover() {
        requireOpen();
        gds.refuseInGlobalDatastore("failover()");
        long t0 = System.nanoTime();
        long deadline = t0 + state.startupTimeout.toNanos();
        RedisNode old = state.primary;
        if (!state.sentinels.isEmpty()) {
            return sentinel.failover(old, t0, deadline);
        }
        return promotion.promote(old, t0, deadline);
    }

    /**
     * Kills the primary (SIGKILL) and waits for the failover: with Sentinel, the automatic one
     * ({@link #sentinelDownAfter()}, then election and promotion); without, the testkit promotes the most advanced
     * replica like {@link #failover()} does.
     * The time from the kill until every Sentinel reports the new primary is logged and kept in {@link #lastFailoverTime()}.
     * Returns the new primary after the other running replicas follow it: with Sentinel, the one they settled on (if
     * they fail the elected node over again meanwhile, the next one; see {@link #sentinelFailovers()}).
     */
    public synchronized RedisNode killPrimaryAndAwaitFailover(Duration timeout) {
        requireOpen();
        gds.refuseInGlobalDatastore("killPrimaryAndAwaitFailover()");
        Objects.requireNonNull(timeout, "timeout");
        RedisNode old = state.primary;
        if (replicas().stream().noneMatch(RedisNode::isRunning)) {
            throw new IllegalStateException("No running replica: nothing to fail over to");
        }
        long t0 = System.nanoTime();
        long deadline = t0 + timeout.toNanos();
        kill(old);
        RedisNode next;
        if (!state.sentinels.isEmpty()) {
            next = sentinel.awaitFailoverOf(old, t0, deadline);
        } else {
            next = promotion.promote(old, t0, deadline);
        }
        LOG.info("Failover after killing {}: {} is primary, elected in {} ms, replicas following after {} ms", old.name(), next.name(),
                state.lastFailoverTime.toMillis(), Duration.ofNanos(System.nanoTime() - t0).toMillis());
        return next;
    }

    /**
     * Asks the Sentinels (or, without Sentinel, every running data node's ROLE) which node is the primary, makes it
     * {@link #primary()} and returns it: for when Sentinel failed over by itself (e.g. after a long {@link #freeze}, or
     * a promoted primary that did not answer them in time on a loaded machine). With Sentinel this is their settled
     * answer: it waits (at most {@code startupTimeout}) until every running Sentinel names the same node, none of them
     * sees it down or is failing it over, and the node answers as a master.
     */
    public synchronized RedisNode discoverPrimary() {
        requireOpen();
        if (!state.sentinels.isEmpty()) {
            RedisNode n = sentinel.awaitSettled(System.nanoTime() + state.startupTimeout.toNanos());
            state.primary = n;
            return n;
        }
        for (RedisNode n : state.data) {
            if (n.isRunning() && "master".equals(admin.replicationInfo(n).get("role"))) {
                state.primary = n;
                return n;
            }
        }
        throw new RedisTopologyException("No running data node is a master");
    }

    /**
     * Every failover the Sentinels completed since the start, oldest first, from their logs ({@code +switch-master}).
     * One {@link #killPrimaryAndAwaitFailover} adds one, unless the Sentinels then fail the promoted primary over as
     * well (it did not answer them within {@link #sentinelDownAfter()}: a loaded machine can do that); compare with
     * {@link #discoverPrimary()} rather than with what the kill returned when that matters. Empty without Sentinel.
     */
    public List<SentinelFailover> sentinelFailovers() {
        return sentinel.failovers();
    }

    /** {@code promoteRegion(region, true)}: a planned promotion that loses no acknowledged write. */
    public RedisNode promoteRegion(String region) {
        return promoteRegion(region, true);
    }

    /**
     * Global Datastore mode: makes {@code region} the primary region, as {@code failover-global-replication-group}
     * does, and returns its primary, now the global primary.
     *
     * <ol>
     *   <li>With {@code awaitCatchUp} (and the old primary running): {@code CLIENT PAUSE WRITE} on the old global primary
     *       until the region's primary has processed everything it accepted (at most 10 s). Without it, whatever the
     *       region had not received yet is lost, as with any asynchronous replication: the old primary discards it
     *       when it resynchronises from the new one.</li>
     *   <li>{@code REPLICAOF NO ONE} on the region's primary (its replicas keep replicating from it).</li>
     *   <li>{@code REPLICAOF} the new primary on every other region's primary, the old global primary included: the old
     *       primary region becomes a secondary region, its replicas still chained to its primary.</li>
     *   <li>Writes on the old primary are released: those held by the pause now fail with {@code READONLY}.</li>
     * </ol>
     * A {@linkplain #pauseRegionReplication pause} of the promoted region ends with the promotion. Returns when every
     * running node replicates from its new upstream; the time until the region's primary answered as master is in
     * {@link #lastFailoverTime()}.
     */
    public synchronized RedisNode promoteRegion(String region, boolean awaitCatchUp) {
        requireOpen();
        return gds.promoteRegion(region, awaitCatchUp);
    }

    /**
     * Global Datastore mode: freezes the cross-region link of a secondary region (at the global primary's proxy): its
     * primary stops receiving writes, and so do its replicas, which keep streaming from it; the whole region answers
     * reads with ever older data while the primary region accepts writes. See {@link #pauseReplication}.
     */
    public synchronized void pauseRegionReplication(String secondaryRegion) {
        pauseReplication(gds.secondaryPrimary(secondaryRegion));
    }

    /** Global Datastore mode: lets the region's cross-region link flow again; the region catches up. */
    public synchronized void resumeRegionReplication(String secondaryRegion) {
        resumeReplication(gds.secondaryPrimary(secondaryRegion));
    }

    /**
     * Freezes the replica's replication link (at the primary's proxy, where it arrives from the replica's own source
     * address): the replica keeps answering reads with ever older data, its offset stays where it was, and the primary
     * keeps accepting writes (buffering them for the replica, without limit). The pause also applies to a link the
     * replica opens later (e.g. to a new primary) until {@link #resumeReplication}. It lasts at most
     * {@code repl-timeout} (300 s), after which Redis drops and re-opens the link.
     */
    public synchronized void pauseReplication(RedisNode replica) {
        requireMember(replica);
        if (replica.isSentinel() || replica == state.primary) {
            throw new IllegalArgumentException(replica.name() + " is " + (replica.isSentinel() ? "a Sentinel" : "the primary")
                    + ", not a replica");
        }
        proxies.pauseReplication(replica, state.data);
    }

    /** Lets the replica's link flow again; it catches up from the primary's buffer. */
    public synchronized void resumeReplication(RedisNode replica) {
        requireMember(replica);
        proxies.resumeReplication(replica, state.data);
    }

    /** {@code master_repl_offset} of a master, {@code slave_repl_offset} of a replica (INFO replication, direct port). */
    public long replicationOffset(RedisNode n) {
        requireMember(n);
        if (n.isSentinel()) {
            throw new IllegalArgumentException(n.name() + " is a Sentinel: it has no replication offset");
        }
        return replication.offset(n);
    }

    /**
     * Waits until every running replica of the primary has processed the primary's replication offset taken at the call.
     *
     * @throws RedisTopologyException naming the laggard and both offsets
     */
    public void awaitReplicated(Duration timeout) {
        requireOpen();
        replication.awaitReplicated(timeout);
    }

    /**
     * Blackhole at the node's proxy for clients (applications, Sentinel): open connections stay open and no byte flows;
     * new connections complete the TCP handshake (kernel backlog) but get nothing, so they hang until the client's
     * timeout, and are served after {@link #unfreeze}. Replication links are not affected.
     */
    public void freeze(RedisNode n) {
        proxyOf(n).freeze();
    }

    public void unfreeze(RedisNode n) {
        proxyOf(n).unfreeze();
    }

    /** Closes every client connection at the node's proxy (replication links stay); new ones work. */
    public void reset(RedisNode n) {
        proxyOf(n).reset();
    }

    /** Adds {@code d} to every client round trip through the node's proxy (d/2 each way); {@code Duration.ZERO} removes it. */
    public void latency(RedisNode n, Duration d) {
        proxyOf(n).latency(d);
    }

    // ------------------------------------------------------------------------------------------------ close

    /**
     * Stops every process (SIGTERM in parallel, SIGKILL after 10 s), closes the proxies and deletes the run directory.
     * Idempotent; safe from any thread.
     */
    @Override
    public void close() {
        if (!state.closed.compareAndSet(false, true)) {
            return;
        }
        processes.stopAll();
        proxies.close(state.all());
        processes.keepLogs();
        try {
            FileTree.deleteRecursively(state.runDir);
        } catch (IOException e) {
            LOG.warn("Could not delete testkit work dir {}: {}", state.runDir, e.toString());
        }
        OpenClusters.unregister(this);
        LOG.info("Closed Redis topology in {}", state.runDir);
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private void requireOpen() {
        if (state.closed.get()) {
            throw new IllegalStateException("The topology is closed");
        }
    }

    private void requireMember(RedisNode n) {
        Objects.requireNonNull(n, "node");
        if (!state.data.contains(n) && !state.sentinels.contains(n)) {
            throw new IllegalArgumentException(n + " is not a node of this topology");
        }
        requireOpen();
    }

    private RedisProxy proxyOf(RedisNode n) {
        requireMember(n);
        RedisProxy p = n.proxy;
        if (p == null) {
            throw new IllegalStateException(n.name() + " has no proxy yet");
        }
        return p;
    }

    // ------------------------------------------------------------------------------------------------ builder

    /**
     * Settings for a topology; {@link #start()} validates them and starts it.
     *
     * <pre>{@code
     * RedisTopology t = RedisTopology.builder().replicas(2).elastiCacheMode(true).start();
     * }</pre>
     */
    public static final class Builder {
        int replicas = 2;
        int sentinels = 3;
        private boolean sentinelsSet;
        String password;
        boolean elastiCacheMode;
        boolean announceDirectPorts;
        boolean tls;
        final List<String> regions = new ArrayList<>();
        Duration startupTimeout = Duration.ofSeconds(60);
        Duration downAfter = DEFAULT_DOWN_AFTER;
        String binaries;

        private Builder() {
        }

        /** Number of replicas, 0..5 (default 2). */
        public Builder replicas(int replicas) {
            if (replicas < 0 || replicas > MAX_REPLICAS) {
                throw new IllegalArgumentException("replicas must be between 0 and " + MAX_REPLICAS + ": was " + replicas);
            }
            this.replicas = replicas;
            return this;
        }

        /** Number of Sentinels: 3 (default) or 0. */
        public Builder sentinels(int sentinels) {
            if (sentinels != 0 && sentinels != 3) {
                throw new IllegalArgumentException("sentinels must be 0 or 3: was " + sentinels + " (3 Sentinels with quorum 2 can "
                        + "elect a leader when one is down; use 0 for no Sentinel, or elastiCacheMode(true))");
            }
            this.sentinels = sentinels;
            this.sentinelsSet = true;
            return this;
        }

        /**
         * Replicas announce their server's own port, not their proxy's ({@code replica-announce-port}): a client seeded
         * with {@link RedisNode#directPort() direct ports} then discovers every replica on its direct port too and never
         * goes through a fault proxy. For benchmarks against a raw client on the direct ports; without Sentinels (which
         * would hand out the announced addresses); faults injected at the proxies do not reach such a client.
         */
        public Builder announceDirectPorts() {
            this.announceDirectPorts = true;
            return this;
        }

        /**
         * TLS only, as ElastiCache with in-transit encryption: every data node and Sentinel listens with TLS and without a
         * plain port ({@code port 0}, {@code tls-port} on its direct port), replication and the Sentinels' own links run
         * over TLS ({@code tls-replication yes}), and clients need no certificate ({@code tls-auth-clients no}). A CA and
         * one server certificate for {@code 127.0.0.1}/{@code localhost} are made at start; clients trust
         * {@link RedisTopology#tlsCaCertificate()}. Addresses ({@link RedisTopology#sentinelUri()},
         * {@link RedisTopology#redisUri}) are unchanged: TLS is a client setting. The fault proxies forward the TLS bytes
         * unchanged, so every fault works as without TLS; the testkit's own commands use TLS too.
         *
         * <pre>{@code
         * try (RedisTopology redis = RedisTopology.builder().tls().start()) {
         *     HavenRedisClient client = HavenRedisClient.builder().sentinel(redis.sentinelUri())
         *             .tls(redis.tlsCaCertificate()).build();
         * }
         * }</pre>
         */
        public Builder tls() {
            this.tls = true;
            return this;
        }

        /** {@code requirepass}/{@code masterauth} of the data nodes (default: none). Sentinels need no password. */
        public Builder password(String password) {
            if (password == null || password.isEmpty()) {
                throw new IllegalArgumentException("password must not be empty (leave it unset for no password)");
            }
            this.password = password;
            return this;
        }

        /**
         * No Sentinel; a stable primary endpoint ({@link RedisTopology#primaryEndpoint()}) that {@link RedisTopology#failover()}
         * re-points to the new primary, as ElastiCache flips its primary DNS name.
         */
        public Builder elastiCacheMode(boolean on) {
            this.elastiCacheMode = on;
            return this;
        }

        /**
         * Global Datastore mode: {@code primaryRegion} and 1..3 secondary regions, each a primary and {@link #replicas}
         * replicas (so {@code replicas(1)} with two regions starts four nodes); no Sentinel. Region names: 1..32 of
         * {@code [a-z0-9-]}, distinct.
         */
        public Builder globalDatastore(String primaryRegion, String... secondaryRegions) {
            List<String> all = new ArrayList<>();
            all.add(primaryRegion);
            all.addAll(List.of(secondaryRegions));
            if (secondaryRegions.length < 1 || secondaryRegions.length > 3) {
                throw new IllegalArgumentException("globalDatastore needs 1..3 secondary regions: was " + secondaryRegions.length);
            }
            for (String r : all) {
                if (r == null || !r.matches("[a-z0-9-]{1,32}")) {
                    throw new IllegalArgumentException("globalDatastore region names must be 1..32 of [a-z0-9-]: was '" + r + "'");
                }
            }
            if (Set.copyOf(all).size() != all.size()) {
                throw new IllegalArgumentException("globalDatastore region names must be distinct: was " + all);
            }
            regions.clear();
            regions.addAll(all);
            return this;
        }

        /** Bound for start and for every later wait of restart/failover (default 60 s). */
        public Builder startupTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("startupTimeout must be > 0: was " + timeout);
            }
            this.startupTimeout = timeout;
            return this;
        }

        /**
         * The Sentinels' {@code down-after-milliseconds} once the topology is up: a primary that does not answer them
         * for that long is failed over (default 3 s; 100 ms to 60 s). Shorter makes failovers faster, and a stalled
         * machine more likely to cause one nobody asked for (see the testkit README). During {@code start()} the
         * Sentinels run with a much longer value, so they never fail over a topology that is still starting.
         */
        public Builder sentinelDownAfter(Duration downAfter) {
            if (downAfter == null || downAfter.compareTo(Duration.ofMillis(100)) < 0 || downAfter.compareTo(Duration.ofSeconds(60)) > 0) {
                throw new IllegalArgumentException("sentinelDownAfter must be between 100 ms and 60 s: was " + downAfter);
            }
            this.downAfter = downAfter;
            return this;
        }

        /** "auto", "system", "maven", or a redis-server path / directory. Default: HAVEN_REDIS_BINARIES or "auto". */
        public Builder binaries(String selection) {
            if (selection == null || selection.isBlank()) {
                throw new IllegalArgumentException("binaries must be auto, system, maven or a redis-server path: was '" + selection + "'");
            }
            this.binaries = selection;
            return this;
        }

        /** Validates and starts the topology; returns when replicas are in sync and the Sentinels agree. */
        public RedisTopology start() {
            if (!regions.isEmpty() && (elastiCacheMode || (sentinelsSet && sentinels > 0))) {
                throw new IllegalArgumentException("globalDatastore has no Sentinel and no primary endpoint: was "
                        + (elastiCacheMode ? "elastiCacheMode(true)" : "sentinels(" + sentinels + ")"));
            }
            if (elastiCacheMode && sentinelsSet && sentinels > 0) {
                throw new IllegalArgumentException("elastiCacheMode has no Sentinel: was sentinels(" + sentinels
                        + "); drop sentinels(...) or use sentinels(0)");
            }
            if (!elastiCacheMode && sentinels > 0 && replicas == 0) {
                LOG.debug("Sentinel with 0 replicas: failovers are impossible");
            }
            return RedisTopology.start(this);
        }
    }
}
