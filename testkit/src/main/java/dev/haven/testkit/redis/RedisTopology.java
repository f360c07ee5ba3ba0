package dev.haven.testkit.redis;

import dev.haven.testkit.internal.FileTree;
import dev.haven.testkit.internal.FreePorts;
import dev.haven.testkit.internal.OpenClusters;
import dev.haven.testkit.internal.RunDirectory;
import dev.haven.testkit.internal.ServerProcesses;
import dev.haven.testkit.redis.internal.RedisBinaries;
import dev.haven.testkit.redis.internal.RedisProxy;
import dev.haven.testkit.redis.internal.Resp;
import dev.haven.testkit.redis.internal.SentinelLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
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
    /**
     * {@code down-after-milliseconds} the Sentinels boot with: long enough that nothing a slow machine does while they
     * connect and learn the topology looks like an outage; lowered to {@link #downAfter} once they all agree.
     */
    static final int BOOT_DOWN_AFTER_MILLIS = 600_000;
    static final int FAILOVER_TIMEOUT_MILLIS = 3000;
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(2);
    private static final long POLL_MILLIS = 25;
    private static final int START_ATTEMPTS = 3;
    private static final String PROC_TITLE = "proc-title-template \"{title} {listen-addr} {server-mode} {config-file}\"";

    private final int initialReplicas;
    private final int sentinelCount;
    private final String password;
    private final boolean elastiCacheMode;
    private final List<String> regions; // Global Datastore mode: configured order; empty otherwise
    private final Map<String, RedisNode> regionPrimaries = new ConcurrentHashMap<>();
    private volatile String primaryRegion = "";
    private final Duration startupTimeout;
    private final Duration downAfter;
    private final RedisBinaries binaries;
    private final Path runDir;
    private final NioReactor reactor;

    private final List<RedisNode> data = new CopyOnWriteArrayList<>();
    private final List<RedisNode> sentinels = new CopyOnWriteArrayList<>();
    private final List<Long> pids = new CopyOnWriteArrayList<>();
    private final Set<InetAddress> pausedSources = ConcurrentHashMap.newKeySet();
    private final Set<InetAddress> replicationSources = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final List<String> sentinelIds = new ArrayList<>();
    private volatile RedisNode primary;
    private volatile RedisProxy endpoint;
    private volatile Duration startupTime = Duration.ZERO;
    private volatile Duration lastFailoverTime;

    private RedisTopology(Builder b, RedisBinaries binaries, Path runDir, NioReactor reactor) {
        this.initialReplicas = b.replicas;
        this.regions = List.copyOf(b.regions);
        this.sentinelCount = b.elastiCacheMode || !regions.isEmpty() ? 0 : b.sentinels;
        this.password = b.password;
        this.elastiCacheMode = b.elastiCacheMode;
        this.startupTimeout = b.startupTimeout;
        this.downAfter = b.downAfter;
        this.binaries = binaries;
        this.runDir = runDir;
        this.reactor = reactor;
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
        return primary;
    }

    /** Every data node except {@link #primary()}, running or not, in creation order. */
    public List<RedisNode> replicas() {
        RedisNode p = primary;
        return data.stream().filter(n -> n != p).collect(Collectors.toUnmodifiableList());
    }

    /** All data nodes, primary first (Sentinels are in {@link #sentinels()}). */
    public List<RedisNode> nodes() {
        List<RedisNode> out = new ArrayList<>();
        out.add(primary);
        out.addAll(replicas());
        return Collections.unmodifiableList(out);
    }

    /** The Sentinels (empty with {@code sentinels(0)} or in ElastiCache mode). */
    public List<RedisNode> sentinels() {
        return List.copyOf(sentinels);
    }

    /** The name the Sentinels monitor the primary under: {@code "haven"}. */
    public String masterName() {
        return MASTER_NAME;
    }

    /** The password of the data nodes ({@code requirepass}/{@code masterauth}); Sentinels have none. */
    public Optional<String> password() {
        return Optional.ofNullable(password);
    }

    public boolean elastiCacheMode() {
        return elastiCacheMode;
    }

    /** True when built with {@link Builder#globalDatastore(String, String...)}. */
    public boolean globalDatastoreMode() {
        return !regions.isEmpty();
    }

    /** Global Datastore mode: every region, in the order configured (the first was the initial primary region). */
    public List<String> regions() {
        requireGlobalDatastore();
        return regions;
    }

    /** Global Datastore mode: the region of {@link #primary()}; changes with {@link #promoteRegion}. */
    public String primaryRegion() {
        requireGlobalDatastore();
        return primaryRegion;
    }

    /**
     * Global Datastore mode: the region's primary: the global primary in the primary region, a read-only node that
     * replicates across regions from the global primary in a secondary region.
     */
    public RedisNode regionPrimary(String region) {
        requireGlobalDatastore();
        RedisNode n = regionPrimaries.get(region);
        if (n == null) {
            throw new IllegalArgumentException("No region '" + region + "' in this topology: regions are " + regions);
        }
        return n;
    }

    /** Global Datastore mode: the region's data nodes, its primary first, then its replicas in creation order. */
    public List<RedisNode> regionNodes(String region) {
        RedisNode rp = regionPrimary(region);
        List<RedisNode> out = new ArrayList<>();
        out.add(rp);
        data.stream().filter(n -> n != rp && n.region().equals(region)).forEach(out::add);
        return Collections.unmodifiableList(out);
    }

    /** {@code redis://127.0.0.1:<proxied port>} (without the password: set it on the client). */
    public String redisUri(RedisNode n) {
        requireMember(n);
        return "redis://" + n.host() + ":" + n.port();
    }

    /** Lettuce's Sentinel URI over the Sentinels' proxied addresses: {@code redis-sentinel://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3#haven}. */
    public String sentinelUri() {
        if (sentinels.isEmpty()) {
            throw new IllegalStateException("This topology has no Sentinel (" + (elastiCacheMode ? "elastiCacheMode" : "sentinels(0)")
                    + "); use primaryEndpoint() or redisUri(primary())");
        }
        return "redis-sentinel://" + sentinels.stream().map(s -> s.host() + ":" + s.port()).collect(Collectors.joining(","))
                + "#" + MASTER_NAME;
    }

    /** ElastiCache mode only: the stable proxied address of "the primary", re-pointed by {@link #failover()}. */
    public HostAndPort primaryEndpoint() {
        RedisProxy e = endpoint;
        if (!elastiCacheMode || e == null) {
            throw new IllegalStateException("primaryEndpoint() exists only in elastiCacheMode; with Sentinel use sentinelUri()");
        }
        return new HostAndPort("127.0.0.1", e.port());
    }

    /** Where the server binary came from, e.g. "maven (embedded-redis-1.4.4.jar) Redis 6.2.11 at /tmp/...". */
    public String binarySource() {
        return binaries.description();
    }

    /** The Redis server version, e.g. "6.2.11". */
    public String serverVersion() {
        return binaries.version();
    }

    /**
     * The Sentinels' {@code down-after-milliseconds}: how long a node must not answer before a Sentinel sees it down
     * (a failover follows once two agree). Applied once the topology is up; see {@link Builder#sentinelDownAfter}.
     */
    public Duration sentinelDownAfter() {
        return downAfter;
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
        return lastFailoverTime;
    }

    /** The run directory holding every node's config, data and log; deleted by {@link #close()}. */
    public Path workDir() {
        return runDir;
    }

    /** Pids of every process this topology ever started (for leak checks). */
    public List<Long> pids() {
        return List.copyOf(pids);
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
        long deadline = t0 + startupTimeout.toNanos();
        try {
            int perRegion = initialReplicas + 1;
            int dataNodes = regions.isEmpty() ? perRegion : perRegion * regions.size();
            for (int i = 0; i < dataNodes; i++) {
                RedisNode n = newNode("redis" + i, false, i);
                if (!regions.isEmpty()) {
                    n.region = regions.get(i / perRegion);
                    regionPrimaries.putIfAbsent(n.region, n);
                }
                data.add(n);
                replicationSources.add(InetAddress.getByName(n.sourceAddress()));
            }
            primaryRegion = regions.isEmpty() ? "" : regions.get(0);
            for (int i = 0; i < sentinelCount; i++) {
                sentinels.add(newNode("sentinel" + i, true, i));
                sentinelIds.add(HexFormat.of().formatHex(new SecureRandom().generateSeed(20)));
            }
            primary = data.get(0);
            for (int attempt = 1; ; attempt++) {
                for (RedisNode n : all()) {
                    n.directPort = FreePorts.pick();
                    openProxy(n);
                }
                if (elastiCacheMode) {
                    flipEndpoint(primary);
                }
                for (RedisNode n : data) {
                    writeDataConfig(n, upstreamOf(n));
                }
                for (int i = 0; i < sentinels.size(); i++) {
                    writeSentinelConfig(i);
                }
                try {
                    // Data nodes first, Sentinels only once every replica is in sync: Sentinels that watch a primary
                    // still starting (or a replica still loading its first sync) on a slow machine see it down, and
                    // with a short down-after they fail it over before the test has even begun.
                    for (RedisNode n : data) {
                        spawn(n);
                    }
                    for (RedisNode n : data) {
                        awaitUp(n, deadline);
                    }
                    awaitChain(deadline);
                    for (RedisNode n : sentinels) {
                        spawn(n);
                    }
                    for (RedisNode n : sentinels) {
                        awaitUp(n, deadline);
                    }
                    break;
                } catch (PortConflict e) {
                    all().forEach(this::killQuietly);
                    if (attempt == START_ATTEMPTS) {
                        throw new RedisTopologyException("Could not start the topology: " + START_ATTEMPTS
                                + " attempts on fresh free ports all hit a port conflict. Last: " + e.getMessage());
                    }
                    LOG.info("Port conflict while starting ({}); retrying on other ports", e.getMessage());
                }
            }
            if (!sentinels.isEmpty()) {
                // Booted with a down-after no stall can reach, so nothing they see while they connect is an outage;
                // the real one only once all of them agree on the primary, the replicas and each other.
                awaitSentinelsAgree(primary, deadline);
                applyDownAfter(deadline);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not set up the topology in " + runDir + ": " + e.getMessage(), e);
        }
        startupTime = Duration.ofNanos(System.nanoTime() - t0);
        LOG.info("Redis primary + {} replica(s) + {} Sentinel(s){} ready in {} ms ({}; work dir {})", initialReplicas, sentinelCount,
                elastiCacheMode ? " (ElastiCache mode, primary endpoint " + primaryEndpoint() + ")"
                        : regions.isEmpty() ? "" : " per region, Global Datastore " + regions + " (primary region " + primaryRegion + ")",
                startupTime.toMillis(), binaries.description(), runDir);
    }

    private List<RedisNode> all() {
        List<RedisNode> out = new ArrayList<>(data);
        out.addAll(sentinels);
        return out;
    }

    private RedisNode newNode(String name, boolean sentinel, int index) throws IOException {
        RedisNode n = new RedisNode(name, sentinel, index, runDir.resolve(name));
        Files.createDirectories(n.dataDir);
        return n;
    }

    private void openProxy(RedisNode n) {
        RedisProxy old = n.proxy;
        if (old != null) {
            old.close();
        }
        Predicate<InetAddress> replication = replicationSources::contains;
        n.proxy = RedisProxy.open(reactor, 0, "127.0.0.1", n.directPort, replication, pausedSources);
    }

    /** (Re)opens the primary endpoint on its port (a fresh one the first time) towards {@code target}'s proxy. */
    private void flipEndpoint(RedisNode target) {
        RedisProxy old = endpoint;
        int port = 0;
        if (old != null) {
            port = old.port();
            old.close();
        }
        // the endpoint forwards to the node's fault proxy, so node faults apply to it too; its own connections come
        // from 127.0.0.1 and are "client" connections there
        endpoint = RedisProxy.open(reactor, port, "127.0.0.1", target.port(), a -> false, pausedSources);
    }

    private void writeDataConfig(RedisNode n, RedisNode upstream) throws IOException {
        StringBuilder c = new StringBuilder("# haven testkit: ").append(n.name()).append('\n');
        c.append("bind ").append(n.sourceAddress()).append(" 127.0.0.1\n");
        c.append("port ").append(n.directPort).append('\n');
        c.append("protected-mode no\ndaemonize no\nlogfile \"\"\n");
        c.append("dir \"").append(n.dataDir).append("\"\n");
        c.append("save \"\"\nappendonly no\n");
        c.append(PROC_TITLE).append('\n');
        c.append("replica-announce-ip 127.0.0.1\n");
        c.append("replica-announce-port ").append(n.port()).append('\n');
        // a paused replication link must not be dropped by either side for a while, nor by the output buffer limit
        c.append("repl-timeout 300\n");
        c.append("client-output-buffer-limit replica 0 0 0\n");
        c.append("repl-diskless-sync yes\nrepl-diskless-sync-delay 0\n");
        if (password != null) {
            c.append("requirepass ").append(quote(password)).append('\n');
            c.append("masterauth ").append(quote(password)).append('\n');
        }
        if (upstream != null) {
            c.append("replicaof 127.0.0.1 ").append(upstream.port()).append('\n');
        }
        Files.writeString(n.configFile, c.toString(), StandardCharsets.UTF_8);
    }

    private void writeSentinelConfig(int i) throws IOException {
        RedisNode s = sentinels.get(i);
        StringBuilder c = new StringBuilder("# haven testkit: ").append(s.name()).append('\n');
        c.append("bind 127.0.0.1\n");
        c.append("port ").append(s.directPort).append('\n');
        c.append("protected-mode no\ndaemonize no\nlogfile \"\"\n");
        c.append("dir \"").append(s.dataDir).append("\"\n");
        c.append(PROC_TITLE).append('\n');
        c.append("sentinel myid ").append(sentinelIds.get(i)).append('\n');
        c.append("sentinel announce-ip 127.0.0.1\n");
        c.append("sentinel announce-port ").append(s.port()).append('\n');
        c.append("sentinel monitor ").append(MASTER_NAME).append(" 127.0.0.1 ").append(primary.port()).append(" 2\n");
        c.append("sentinel down-after-milliseconds ").append(MASTER_NAME).append(' ').append(BOOT_DOWN_AFTER_MILLIS).append('\n');
        c.append("sentinel failover-timeout ").append(MASTER_NAME).append(' ').append(FAILOVER_TIMEOUT_MILLIS).append('\n');
        c.append("sentinel parallel-syncs ").append(MASTER_NAME).append(' ').append(MAX_REPLICAS).append('\n');
        if (password != null) {
            c.append("sentinel auth-pass ").append(MASTER_NAME).append(' ').append(quote(password)).append('\n');
        }
        // known from the start: no wait for INFO (10 s period) and hello messages (2 s) before a failover can work
        for (RedisNode r : replicas()) {
            c.append("sentinel known-replica ").append(MASTER_NAME).append(" 127.0.0.1 ").append(r.port()).append('\n');
        }
        for (int j = 0; j < sentinels.size(); j++) {
            if (j != i) {
                c.append("sentinel known-sentinel ").append(MASTER_NAME).append(" 127.0.0.1 ").append(sentinels.get(j).port())
                        .append(' ').append(sentinelIds.get(j)).append('\n');
            }
        }
        Files.writeString(s.configFile, c.toString(), StandardCharsets.UTF_8);
    }

    /** A Redis config string: double-quoted with backslash escapes. */
    static String quote(String value) {
        StringBuilder sb = new StringBuilder("\"");
        for (char ch : value.toCharArray()) {
            if (ch == '"' || ch == '\\') {
                sb.append('\\');
            }
            sb.append(ch);
        }
        return sb.append('"').toString();
    }

    private void spawn(RedisNode n) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(binaries.executable().toString(), n.configFile.toString()));
        if (n.isSentinel()) {
            cmd.add("--sentinel");
        }
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.directory(n.nodeDir.toFile());
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(n.logFile.toFile()));
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p = pb.start();
        n.process = p;
        pids.add(p.pid());
        Files.writeString(n.nodeDir.resolve(RunDirectory.SERVER_PID_FILE), p.pid() + "\n");
        if (closed.get()) { // close() ran concurrently: do not leak this one
            ServerProcesses.kill(p);
            throw new IllegalStateException("topology is closed");
        }
    }

    /** Thrown when a server exits because its port is taken; the caller retries on other ports. */
    private static final class PortConflict extends Exception {
        private static final long serialVersionUID = 1L;

        PortConflict(String message) {
            super(message, null, false, false);
        }
    }

    /** Polls PING on the direct port until PONG; fails fast, with the tail of the log, when the process exits. */
    private void awaitUp(RedisNode n, long deadline) throws PortConflict {
        Exception last = null;
        while (true) {
            Process p = n.process;
            if (p == null || !p.isAlive()) {
                String tail = ServerProcesses.tail(n.logFile, 25);
                if (tail.contains("Address already in use")) {
                    throw new PortConflict(n.name() + " port " + n.directPort + " is in use");
                }
                throw new RedisTopologyException(n.name() + " (" + binaries.description() + ") exited with code "
                        + (p == null ? "?" : Integer.toString(p.exitValue())) + " while starting. Last lines of " + n.logFile + ":\n" + tail);
            }
            try {
                if ("PONG".equals(Resp.once("127.0.0.1", n.directPort, n.isSentinel() ? null : password, ADMIN_TIMEOUT, "PING"))) {
                    return;
                }
            } catch (IOException e) {
                last = e;
            }
            if (System.nanoTime() > deadline) {
                throw new RedisTopologyException(n.name() + " did not answer PING on port " + n.directPort + " within " + startupTimeout
                        + " (last error: " + (last == null ? "none" : last.getMessage()) + "). Last lines of " + n.logFile + ":\n"
                        + ServerProcesses.tail(n.logFile, 25));
            }
            pause();
        }
    }

    /**
     * Waits until every running node of {@code followers} replicates from {@code upstream}'s proxied address with its
     * link up (a replica whose replication is paused only has to point at it).
     */
    private void awaitFollowing(RedisNode upstream, List<RedisNode> followers, long deadline) {
        for (RedisNode r : followers) {
            Map<String, String> info = Map.of();
            while (r.isRunning()) {
                try {
                    info = replicationInfo(r);
                    if ("slave".equals(info.get("role")) && Integer.toString(upstream.port()).equals(info.get("master_port"))
                            && ("up".equals(info.get("master_link_status")) || pausedSources.contains(sourceOf(r)))) {
                        break;
                    }
                } catch (RedisTopologyException e) {
                    // briefly unavailable (e.g. LOADING): keep polling
                }
                if (System.nanoTime() > deadline) {
                    throw new RedisTopologyException(r.name() + " did not replicate from " + upstream.name() + " (" + upstream.host()
                            + ":" + upstream.port() + ") in time: role=" + info.get("role") + " master_port=" + info.get("master_port")
                            + " master_link_status=" + info.get("master_link_status") + ". Last lines of " + r.logFile + ":\n"
                            + ServerProcesses.tail(r.logFile, 15));
                }
                pause();
            }
        }
    }

    /**
     * Where {@code n} replicates from: nothing for the primary; in Global Datastore mode the global primary for a
     * secondary region's primary and the region's primary for its replicas; else the primary.
     */
    private RedisNode upstreamOf(RedisNode n) {
        RedisNode p = primary;
        if (n == p) {
            return null;
        }
        if (regions.isEmpty()) {
            return p;
        }
        RedisNode rp = regionPrimaries.get(n.region());
        return n == rp ? p : rp;
    }

    /** Waits until every running data node but the primary replicates from its {@link #upstreamOf upstream}. */
    private void awaitChain(long deadline) {
        for (RedisNode n : data) {
            RedisNode up = upstreamOf(n);
            if (up != null) {
                awaitFollowing(up, List.of(n), deadline);
            }
        }
    }

    /**
     * Waits until every running Sentinel names {@code expected} as the master, sees it up, knows every running
     * replica and the other Sentinels, and has a quorum (so that a failover can start right away).
     */
    private void awaitSentinelsAgree(RedisNode expected, long deadline) {
        long runningReplicas = replicas().stream().filter(RedisNode::isRunning).count();
        long runningSentinels = sentinels.stream().filter(RedisNode::isRunning).count();
        for (RedisNode s : sentinels) {
            String seen = "nothing yet";
            while (s.isRunning()) {
                try {
                    Map<String, String> m = Resp.pairs(admin(s, "SENTINEL", "MASTER", MASTER_NAME));
                    seen = "master " + m.get("ip") + ":" + m.get("port") + " flags=" + m.get("flags") + " num-slaves=" + m.get("num-slaves")
                            + " num-other-sentinels=" + m.get("num-other-sentinels");
                    if (Integer.toString(expected.port()).equals(m.get("port")) && "master".equals(m.get("flags"))
                            && Long.parseLong(m.get("num-other-sentinels")) >= runningSentinels - 1
                            && healthyReplicas(s) >= runningReplicas) {
                        break;
                    }
                } catch (RedisTopologyException | NumberFormatException e) {
                    seen = e.getMessage();
                }
                if (System.nanoTime() > deadline) {
                    throw new RedisTopologyException(s.name() + " did not agree on " + expected.name() + " (" + expected.host() + ":"
                            + expected.port() + ") as master of a healthy topology in time; it sees: " + seen + ". Last lines of "
                            + s.logFile + ":\n" + ServerProcesses.tail(s.logFile, 15));
                }
                pause();
            }
        }
    }

    /**
     * {@code SENTINEL SET haven down-after-milliseconds} to {@link #downAfter} on every running Sentinel, each checked
     * with {@code SENTINEL MASTER}: a Sentinel left on the boot value would never vote a dead primary down.
     */
    private void applyDownAfter(long deadline) {
        String value = Long.toString(downAfter.toMillis());
        for (RedisNode s : sentinels) {
            String seen = "nothing yet";
            while (s.isRunning()) {
                try {
                    admin(s, "SENTINEL", "SET", MASTER_NAME, "down-after-milliseconds", value);
                    seen = Resp.pairs(admin(s, "SENTINEL", "MASTER", MASTER_NAME)).get("down-after-milliseconds");
                    if (value.equals(seen)) {
                        break;
                    }
                } catch (RedisTopologyException e) {
                    seen = e.getMessage();
                }
                if (System.nanoTime() > deadline) {
                    throw new RedisTopologyException(s.name() + " did not apply down-after-milliseconds " + value + " in time: it reports "
                            + seen + ". Last lines of " + s.logFile + ":\n" + ServerProcesses.tail(s.logFile, 15));
                }
                pause();
            }
        }
    }

    private long healthyReplicas(RedisNode sentinel) {
        Object reply = admin(sentinel, "SENTINEL", "REPLICAS", MASTER_NAME);
        long healthy = 0;
        for (Object r : (List<?>) reply) {
            Map<String, String> m = Resp.pairs(r);
            RedisNode n = byPort(Integer.parseInt(m.get("port")));
            if ("slave".equals(m.get("flags")) && n != null && n.isRunning() && "ok".equals(m.get("master-link-status"))) {
                healthy++;
            }
        }
        return healthy;
    }

    // ------------------------------------------------------------------------------------------------ operations

    /** SIGKILL; returns when the process is gone. */
    public synchronized void kill(RedisNode n) {
        requireMember(n);
        Process p = n.process;
        if (p != null && p.isAlive()) {
            ServerProcesses.kill(p);
            reap(p);
        }
    }

    /** Waits (bounded) until the JVM has reaped the child, so that {@link RedisNode#isRunning()} says false at once. */
    private static void reap(Process p) {
        try {
            p.waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGTERM (Redis shuts down cleanly), SIGKILL after 10 s. */
    public synchronized void stop(RedisNode n) {
        requireMember(n);
        Process p = n.process;
        if (p != null && p.isAlive()) {
            ServerProcesses.signal(p.pid(), "TERM");
            if (!ServerProcesses.awaitExit(p.toHandle(), STOP_GRACE)) {
                ServerProcesses.kill(p);
            }
            reap(p);
        }
    }

    /**
     * Starts a stopped or killed node again on the same port with its config file (which Sentinel may have rewritten).
     * Returns when it answers PING. With Sentinel, a former primary comes back as a primary until Sentinel converts it
     * into a replica (as in real life); without Sentinel, a node that is not {@link #primary()} is started as a
     * replica of the primary (as a managed service would re-add it).
     */
    public synchronized void restart(RedisNode n) {
        requireMember(n);
        if (n.isRunning()) {
            throw new IllegalStateException(n.name() + " is running; stop or kill it first");
        }
        long deadline = System.nanoTime() + startupTimeout.toNanos();
        try {
            if (!n.isSentinel() && sentinels.isEmpty()) {
                writeDataConfig(n, upstreamOf(n));
            }
            spawn(n);
            awaitUp(n, deadline);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not restart " + n.name() + ": " + e.getMessage(), e);
        } catch (PortConflict e) {
            throw new RedisTopologyException("Cannot restart " + n.name() + ": " + e.getMessage()
                    + " (another process took the port while it was down)");
        }
        RedisNode upstream = n.isSentinel() ? null : upstreamOf(n);
        if (upstream != null && upstream.isRunning() && sentinels.isEmpty()) {
            awaitFollowing(upstream, List.of(n), deadline);
        }
        LOG.info("Restarted {}", n);
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
        refuseInGlobalDatastore("failover()");
        long t0 = System.nanoTime();
        long deadline = t0 + startupTimeout.toNanos();
        RedisNode old = primary;
        RedisNode next;
        if (!sentinels.isEmpty()) {
            RedisNode s = sentinels.stream().filter(RedisNode::isRunning).findFirst()
                    .orElseThrow(() -> new IllegalStateException("No Sentinel is running"));
            while (true) {
                try {
                    admin(s, "SENTINEL", "FAILOVER", MASTER_NAME);
                    break;
                } catch (RedisTopologyException e) {
                    // NOGOODSLAVE / INPROG right after a previous failover: Sentinel is still re-learning the replicas
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                    pause();
                }
            }
            next = awaitSentinelsReportNewPrimary(old, t0, deadline);
            demoteIfStillMaster(old, next);
            next = awaitSettledAndFollowed(deadline);
        } else {
            next = promoteManually(old, t0, deadline);
        }
        return next;
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
        refuseInGlobalDatastore("killPrimaryAndAwaitFailover()");
        Objects.requireNonNull(timeout, "timeout");
        RedisNode old = primary;
        if (replicas().stream().noneMatch(RedisNode::isRunning)) {
            throw new IllegalStateException("No running replica: nothing to fail over to");
        }
        long t0 = System.nanoTime();
        long deadline = t0 + timeout.toNanos();
        kill(old);
        RedisNode next;
        if (!sentinels.isEmpty()) {
            RedisNode elected = awaitSentinelsReportNewPrimary(old, t0, deadline);
            next = awaitSettledAndFollowed(deadline);
            if (next != elected) {
                LOG.warn("After killing {}, the Sentinels elected {} and then failed it over to {} (it did not answer them within {} ms)",
                        old.name(), elected.name(), next.name(), downAfter.toMillis());
            }
        } else {
            next = promoteManually(old, t0, deadline);
        }
        LOG.info("Failover after killing {}: {} is primary, elected in {} ms, replicas following after {} ms", old.name(), next.name(),
                lastFailoverTime.toMillis(), Duration.ofNanos(System.nanoTime() - t0).toMillis());
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
        if (!sentinels.isEmpty()) {
            RedisNode n = awaitSentinelsSettled(System.nanoTime() + startupTimeout.toNanos());
            primary = n;
            return n;
        }
        for (RedisNode n : data) {
            if (n.isRunning() && "master".equals(replicationInfo(n).get("role"))) {
                primary = n;
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
        List<List<SentinelLog.Switch>> perSentinel = new ArrayList<>();
        for (RedisNode s : sentinels) {
            try {
                if (Files.exists(s.logFile)) {
                    perSentinel.add(SentinelLog.switches(Files.readAllLines(s.logFile, StandardCharsets.UTF_8), MASTER_NAME,
                            java.time.ZoneId.systemDefault()));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("Could not read " + s.logFile + ": " + e.getMessage(), e);
            }
        }
        List<SentinelFailover> out = new ArrayList<>();
        for (SentinelLog.Switch sw : SentinelLog.merge(perSentinel)) {
            out.add(new SentinelFailover(sw.at(), byPort(sw.fromPort()), byPort(sw.toPort())));
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * Waits until the Sentinels have settled on a primary and every other running data node replicates from it, and
     * returns it (as {@link #primary()}): usually the node they just elected, but they may fail that one over again
     * while the replicas re-point (it did not answer them within down-after on a loaded machine), and waiting for the
     * replicas to follow a node that is no longer the primary would never end.
     */
    private RedisNode awaitSettledAndFollowed(long deadline) {
        while (true) {
            RedisNode p = awaitSentinelsSettled(deadline);
            List<RedisNode> behind = others(p).stream().filter(r -> !follows(p, r)).collect(Collectors.toList());
            if (behind.isEmpty()) {
                primary = p;
                return p;
            }
            if (System.nanoTime() > deadline) {
                awaitFollowing(p, behind, deadline); // throws, naming the replica and what it replicates from
            }
            pause();
        }
    }

    /** Whether {@code r} replicates from {@code upstream}'s proxied address with its link up (or paused by the test). */
    private boolean follows(RedisNode upstream, RedisNode r) {
        try {
            Map<String, String> info = replicationInfo(r);
            return "slave".equals(info.get("role")) && Integer.toString(upstream.port()).equals(info.get("master_port"))
                    && ("up".equals(info.get("master_link_status")) || pausedSources.contains(sourceOf(r)));
        } catch (RedisTopologyException e) {
            return false;
        }
    }

    /** See {@link #discoverPrimary()}. */
    private RedisNode awaitSentinelsSettled(long deadline) {
        long t0 = System.nanoTime();
        while (true) {
            RedisNode agreed = null;
            boolean settled = true;
            StringBuilder views = new StringBuilder();
            for (RedisNode s : sentinels) {
                if (!s.isRunning()) {
                    continue;
                }
                try {
                    Map<String, String> m = Resp.pairs(admin(s, "SENTINEL", "MASTER", MASTER_NAME));
                    RedisNode n = byPort(Integer.parseInt(m.get("port")));
                    views.append(s.name()).append("->").append(n == null ? m.get("port") : n.name()).append('[').append(m.get("flags"))
                            .append("] ");
                    if (n == null || !"master".equals(m.get("flags")) || (agreed != null && agreed != n)) {
                        settled = false;
                    } else {
                        agreed = n;
                    }
                } catch (RedisTopologyException | NumberFormatException e) {
                    views.append(s.name()).append(": ").append(e.getMessage()).append(' ');
                    settled = false;
                }
            }
            if (settled && agreed != null && agreed.isRunning()) {
                try {
                    if ("master".equals(replicationInfo(agreed).get("role"))) {
                        return agreed;
                    }
                } catch (RedisTopologyException e) {
                    // not answering yet
                }
            }
            if (System.nanoTime() > deadline) {
                throw new RedisTopologyException("The Sentinels did not settle on a primary within "
                        + Duration.ofNanos(System.nanoTime() - t0).toMillis() + " ms; they report: " + views.toString().trim());
            }
            pause();
        }
    }

    private RedisNode awaitSentinelsReportNewPrimary(RedisNode old, long t0, long deadline) {
        String seen = "";
        while (true) {
            RedisNode agreed = null;
            boolean all = true;
            StringBuilder views = new StringBuilder();
            for (RedisNode s : sentinels) {
                if (!s.isRunning()) {
                    continue;
                }
                try {
                    List<?> addr = (List<?>) admin(s, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME);
                    RedisNode n = byPort(Integer.parseInt(String.valueOf(addr.get(1))));
                    views.append(s.name()).append("->").append(n == null ? addr : n.name()).append(' ');
                    if (n == null || n == old || (agreed != null && agreed != n)) {
                        all = false;
                    } else {
                        agreed = n;
                    }
                } catch (RedisTopologyException e) {
                    views.append(s.name()).append(": ").append(e.getMessage()).append(' ');
                    all = false;
                }
            }
            seen = views.toString().trim();
            if (all && agreed != null && agreed.isRunning()) {
                try {
                    if ("master".equals(replicationInfo(agreed).get("role"))) {
                        lastFailoverTime = Duration.ofNanos(System.nanoTime() - t0);
                        primary = agreed;
                        return agreed;
                    }
                } catch (RedisTopologyException e) {
                    // not answering yet
                }
            }
            if (System.nanoTime() > deadline) {
                throw new RedisTopologyException("No new primary after " + Duration.ofNanos(System.nanoTime() - t0).toMillis()
                        + " ms (old: " + old.name() + "); Sentinels report: " + seen + ". Last lines of " + sentinels.get(0).logFile
                        + ":\n" + ServerProcesses.tail(sentinels.get(0).logFile, 20));
            }
            pause();
        }
    }

    private RedisNode promoteManually(RedisNode old, long t0, long deadline) {
        boolean oldRunning = old.isRunning();
        List<RedisNode> candidates = replicas().stream().filter(RedisNode::isRunning).collect(Collectors.toList());
        if (candidates.isEmpty()) {
            throw new IllegalStateException("No running replica: nothing to fail over to");
        }
        if (oldRunning) {
            holdWritesUntilCaughtUp(old, candidates, deadline);
        }
        RedisNode next = candidates.get(0);
        long best = Long.MIN_VALUE;
        for (RedisNode c : candidates) {
            long o = safeOffset(c);
            if (o > best) {
                best = o;
                next = c;
            }
        }
        admin(next, "REPLICAOF", "NO", "ONE");
        lastFailoverTime = Duration.ofNanos(System.nanoTime() - t0);
        primary = next;
        if (elastiCacheMode) {
            flipEndpoint(next);
        }
        for (RedisNode o : others(next)) {
            admin(o, "REPLICAOF", "127.0.0.1", Integer.toString(next.port()));
        }
        if (oldRunning) {
            releaseWrites(old);
        }
        awaitFollowing(next, others(next), deadline);
        LOG.info("Promoted {} (replication offset {}) in {} ms{}", next.name(), best, lastFailoverTime.toMillis(),
                elastiCacheMode ? "; primary endpoint " + primaryEndpoint() + " now leads to it" : "");
        return next;
    }

    /**
     * A planned promotion loses no acknowledged write: {@code CLIENT PAUSE WRITE} on the old primary, then wait (at
     * most 10 s) until one of {@code candidates} has processed everything it accepted.
     */
    private void holdWritesUntilCaughtUp(RedisNode old, List<RedisNode> candidates, long deadline) {
        admin(old, "CLIENT", "PAUSE", Long.toString(Math.max(1000, startupTimeout.toMillis())), "WRITE");
        long target = offset(old);
        long waitUntil = Math.min(deadline, System.nanoTime() + Duration.ofSeconds(10).toNanos());
        while (candidates.stream().noneMatch(c -> safeOffset(c) >= target) && System.nanoTime() < waitUntil) {
            pause();
        }
        if (candidates.stream().noneMatch(c -> safeOffset(c) >= target)) {
            LOG.warn("No candidate caught up with {} (offset {}) within 10 s; promoting anyway", old.name(), target);
        }
    }

    private void releaseWrites(RedisNode old) {
        try {
            admin(old, "CLIENT", "UNPAUSE");
        } catch (RedisTopologyException e) {
            LOG.debug("CLIENT UNPAUSE on {}: {}", old.name(), e.getMessage());
        }
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
        RedisNode next = regionPrimary(region);
        RedisNode old = primary;
        if (next == old) {
            throw new IllegalArgumentException(region + " is already the primary region");
        }
        if (!next.isRunning()) {
            throw new IllegalStateException(region + "'s primary " + next.name() + " is not running: it cannot be promoted");
        }
        long t0 = System.nanoTime();
        long deadline = t0 + startupTimeout.toNanos();
        boolean hold = awaitCatchUp && old.isRunning();
        if (hold) {
            holdWritesUntilCaughtUp(old, List.of(next), deadline);
        }
        long offset = safeOffset(next);
        admin(next, "REPLICAOF", "NO", "ONE");
        lastFailoverTime = Duration.ofNanos(System.nanoTime() - t0);
        String oldRegion = primaryRegion;
        primary = next;
        primaryRegion = region;
        pausedSources.remove(sourceOf(next));
        for (String r : regions) {
            RedisNode rp = regionPrimaries.get(r);
            if (rp != next && rp.isRunning()) {
                admin(rp, "REPLICAOF", "127.0.0.1", Integer.toString(next.port()));
            }
        }
        if (hold) {
            releaseWrites(old);
        }
        awaitChain(deadline);
        LOG.info("Promoted region {} ({} at replication offset {}{}) in {} ms; {} is a secondary region", region, next.name(), offset,
                awaitCatchUp ? "" : ", without waiting for catch-up", lastFailoverTime.toMillis(), oldRegion);
        return next;
    }

    /**
     * Global Datastore mode: freezes the cross-region link of a secondary region (at the global primary's proxy): its
     * primary stops receiving writes, and so do its replicas, which keep streaming from it; the whole region answers
     * reads with ever older data while the primary region accepts writes. See {@link #pauseReplication}.
     */
    public synchronized void pauseRegionReplication(String secondaryRegion) {
        pauseReplication(secondaryPrimary(secondaryRegion));
    }

    /** Global Datastore mode: lets the region's cross-region link flow again; the region catches up. */
    public synchronized void resumeRegionReplication(String secondaryRegion) {
        resumeReplication(secondaryPrimary(secondaryRegion));
    }

    private RedisNode secondaryPrimary(String region) {
        RedisNode rp = regionPrimary(region);
        if (rp == primary) {
            throw new IllegalArgumentException(region + " is the primary region: it has no cross-region link");
        }
        return rp;
    }

    /**
     * Sentinel converts a demoted primary into a replica only ~8 s after it sees it again (it waits for newer configs
     * first); the testkit sends the same {@code REPLICAOF} right away so that failover() returns a settled topology.
     */
    private void demoteIfStillMaster(RedisNode old, RedisNode next) {
        if (old.isRunning()) {
            try {
                if ("master".equals(replicationInfo(old).get("role"))) {
                    admin(old, "REPLICAOF", "127.0.0.1", Integer.toString(next.port()));
                }
            } catch (RedisTopologyException e) {
                LOG.debug("Could not demote {}: {}", old.name(), e.getMessage());
            }
        }
    }

    /** Running data nodes other than {@code n}. */
    private List<RedisNode> others(RedisNode n) {
        return data.stream().filter(o -> o != n && o.isRunning()).collect(Collectors.toList());
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
        if (replica.isSentinel() || replica == primary) {
            throw new IllegalArgumentException(replica.name() + " is " + (replica.isSentinel() ? "a Sentinel" : "the primary")
                    + ", not a replica");
        }
        pausedSources.add(sourceOf(replica));
        data.forEach(n -> n.proxy.applyPauses());
    }

    /** Lets the replica's link flow again; it catches up from the primary's buffer. */
    public synchronized void resumeReplication(RedisNode replica) {
        requireMember(replica);
        pausedSources.remove(sourceOf(replica));
        data.forEach(n -> n.proxy.applyPauses());
    }

    /** {@code master_repl_offset} of a master, {@code slave_repl_offset} of a replica (INFO replication, direct port). */
    public long replicationOffset(RedisNode n) {
        requireMember(n);
        if (n.isSentinel()) {
            throw new IllegalArgumentException(n.name() + " is a Sentinel: it has no replication offset");
        }
        return offset(n);
    }

    private long offset(RedisNode n) {
        Map<String, String> info = replicationInfo(n);
        String v = "master".equals(info.get("role")) ? info.get("master_repl_offset") : info.get("slave_repl_offset");
        if (v == null) {
            throw new RedisTopologyException(n.name() + ": INFO replication has no offset: " + info);
        }
        return Long.parseLong(v);
    }

    private long safeOffset(RedisNode n) {
        try {
            return offset(n);
        } catch (RedisTopologyException | NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Waits until every running replica of the primary has processed the primary's replication offset taken at the call.
     *
     * @throws RedisTopologyException naming the laggard and both offsets
     */
    public void awaitReplicated(Duration timeout) {
        requireOpen();
        long deadline = System.nanoTime() + timeout.toNanos();
        RedisNode p = primary;
        long target = offset(p);
        for (RedisNode n : data) {
            if (n == p) {
                continue;
            }
            while (n.isRunning()) {
                Map<String, String> info;
                try {
                    info = replicationInfo(n);
                } catch (RedisTopologyException e) {
                    info = null;
                }
                if (info != null) {
                    if (!"slave".equals(info.get("role"))) {
                        break; // e.g. a restarted former primary not yet converted: not a replica
                    }
                    long o = Long.parseLong(info.getOrDefault("slave_repl_offset", "-1"));
                    RedisNode up = upstreamOf(n);
                    if (o >= target && up != null && Integer.toString(up.port()).equals(info.get("master_port"))) {
                        break;
                    }
                    if (System.nanoTime() > deadline) {
                        throw new RedisTopologyException(n.name() + " did not reach the primary's (" + p.name() + ") offset " + target
                                + " within " + timeout + ": at " + o + " (" + (target - o) + " bytes behind), replicating from port "
                                + info.get("master_port") + ", link " + info.get("master_link_status"));
                    }
                } else if (System.nanoTime() > deadline) {
                    throw new RedisTopologyException(n.name() + " did not answer within " + timeout + " while waiting for offset " + target);
                }
                pause();
            }
        }
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
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        List<Process> running = new ArrayList<>();
        for (RedisNode n : all()) {
            Process p = n.process;
            if (p != null && p.isAlive()) {
                running.add(p);
                ServerProcesses.signal(p.pid(), "TERM");
            }
        }
        long deadline = System.nanoTime() + STOP_GRACE.toNanos();
        for (Process p : running) {
            long left = Math.max(0, deadline - System.nanoTime());
            if (!ServerProcesses.awaitExit(p.toHandle(), Duration.ofNanos(left))) {
                ServerProcesses.kill(p);
            }
        }
        List<RedisProxy> proxies = new ArrayList<>();
        all().forEach(n -> proxies.add(n.proxy));
        proxies.add(endpoint);
        for (RedisProxy proxy : proxies) {
            if (proxy != null) {
                try {
                    proxy.close();
                } catch (RuntimeException e) {
                    LOG.debug("closing proxy", e);
                }
            }
        }
        reactor.close();
        keepLogs();
        try {
            FileTree.deleteRecursively(runDir);
        } catch (IOException e) {
            LOG.warn("Could not delete testkit work dir {}: {}", runDir, e.toString());
        }
        OpenClusters.unregister(this);
        LOG.info("Closed Redis topology in {}", runDir);
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /**
     * With {@value #KEEP_LOGS_PROPERTY} set, copies every node's log to {@code <that dir>/<run dir name>/<node>.log}
     * before the run directory goes: what the Sentinels decided during a failed run is only in their logs.
     */
    private void keepLogs() {
        String keep = System.getProperty(KEEP_LOGS_PROPERTY);
        if (keep == null || keep.isBlank()) {
            keep = System.getenv(KEEP_LOGS_PROPERTY);
        }
        if (keep == null || keep.isBlank()) {
            return;
        }
        Path to = Path.of(keep).toAbsolutePath().resolve(runDir.getFileName().toString());
        try {
            Files.createDirectories(to);
            for (RedisNode n : all()) {
                if (Files.exists(n.logFile)) {
                    Files.copy(n.logFile, to.resolve(n.name() + ".log"));
                }
            }
            LOG.info("Kept the logs of {} in {}", runDir, to);
        } catch (IOException e) {
            LOG.warn("Could not keep the logs of {} in {}: {}", runDir, to, e.toString());
        }
    }

    private Object admin(RedisNode n, String... command) {
        try {
            return Resp.once("127.0.0.1", n.directPort, n.isSentinel() ? null : password, ADMIN_TIMEOUT, command);
        } catch (IOException e) {
            String what = command[0].equals("AUTH") ? "AUTH" : String.join(" ", command);
            throw new RedisTopologyException(n.name() + ": " + what + " failed: " + e.getMessage(), e);
        }
    }

    private Map<String, String> replicationInfo(RedisNode n) {
        return Resp.parseInfo(String.valueOf(admin(n, "INFO", "replication")));
    }

    private RedisNode byPort(int proxiedPort) {
        for (RedisNode n : data) {
            RedisProxy p = n.proxy;
            if (p != null && p.port() == proxiedPort) {
                return n;
            }
        }
        return null;
    }

    private static InetAddress sourceOf(RedisNode n) {
        try {
            return InetAddress.getByName(n.sourceAddress());
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private void requireGlobalDatastore() {
        if (regions.isEmpty()) {
            throw new IllegalStateException("Regions exist only in Global Datastore mode (builder().globalDatastore(...))");
        }
    }

    private void refuseInGlobalDatastore(String operation) {
        if (!regions.isEmpty()) {
            throw new IllegalStateException(operation + " is not modelled in Global Datastore mode (no in-region failover); "
                    + "use promoteRegion(region)");
        }
    }

    private void requireOpen() {
        if (closed.get()) {
            throw new IllegalStateException("The topology is closed");
        }
    }

    private void requireMember(RedisNode n) {
        Objects.requireNonNull(n, "node");
        if (!data.contains(n) && !sentinels.contains(n)) {
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

    private void killQuietly(RedisNode n) {
        Process p = n.process;
        if (p != null && p.isAlive()) {
            ServerProcesses.kill(p);
        }
    }

    private static void pause() {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RedisTopologyException("Interrupted while waiting");
        }
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
        private int replicas = 2;
        private int sentinels = 3;
        private boolean sentinelsSet;
        private String password;
        private boolean elastiCacheMode;
        private final List<String> regions = new ArrayList<>();
        private Duration startupTimeout = Duration.ofSeconds(60);
        private Duration downAfter = DEFAULT_DOWN_AFTER;
        private String binaries;

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
