package dev.haven.testkit;

import dev.haven.testkit.internal.HostsFile;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.security.Security;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the emulated AWS clusters ({@link AuroraPostgresCluster}, {@link RdsMultiAzCluster}) share: a
 * {@link PostgresCluster} whose nodes listen on their own loopback addresses ({@code 127.0.k.2}, {@code 127.0.k.3},
 * ...) and one shared port; the RDS-style DNS names of the instances, the cluster (writer) endpoint and the reader
 * endpoint in a block of a hosts file; the cluster endpoint's target and how it moves after a failover (at once,
 * late, never); the checks that this JVM sees those names; and the control plane's thread.
 *
 * <p>The loopback subnet {@code k} and the (hosts file, domain) pairs are reserved JVM-wide across both kinds, so
 * an Aurora and a Multi-AZ emulation can be open side by side. Package-private: the public classes expose what
 * users need and keep their own SQL and control-plane logic.
 */
final class RdsNames {

    private static final Logger LOG = LoggerFactory.getLogger(RdsNames.class);
    private static final Duration RESOLVE_CHECK = Duration.ofSeconds(5);
    static final int MAX_NODE_INDEX = 252; // 127.0.k.2 .. 127.0.k.254
    private static final String REGION = "[a-z]{2}(-[a-z]+)+-[0-9]+";

    // JVM-wide: loopback subnets (127.0.k.0/24) and hosts-file domains of the open emulations
    private static final Set<Integer> SUBNETS = new HashSet<>();
    private static final Set<String> DOMAINS = new HashSet<>();

    /** Builder settings both kinds share; validated as they are set, with messages naming the kind. */
    static final class Settings {
        final String kind;
        final String clusterId;
        final String region;
        String dnsId;
        Path hostsFile;
        Duration endpointMove = Duration.ZERO; // null = never
        /** Aurora Global Database: the secondary regions in the order given, with their instance counts; empty = regional. */
        final Map<String, Integer> secondaryRegions = new LinkedHashMap<>();

        /**
         * @param kind "Aurora", "RDS Multi-AZ DB cluster": how messages name the emulation
         * @param maxClusterIdLength 63 (RDS's limit), less where instance names are derived from the cluster id
         */
        Settings(String kind, String clusterId, String region, int maxClusterIdLength) {
            if (clusterId == null || !clusterId.matches("[a-zA-Z](?:[a-zA-Z0-9]|-(?!-)){0," + (maxClusterIdLength - 1) + "}")
                    || clusterId.endsWith("-")) {
                throw new IllegalArgumentException(kind + " cluster id must be 1-" + maxClusterIdLength + " letters, digits and single "
                        + "hyphens, starting with a letter and not ending with a hyphen (as " + kind + "'s DB cluster identifiers): was '"
                        + clusterId + "'");
            }
            if (region == null || !region.matches(REGION)) {
                throw new IllegalArgumentException(kind + " region must look like us-east-1: was '" + region + "'");
            }
            this.kind = kind;
            this.clusterId = clusterId;
            this.region = region;
            this.dnsId = clusterId.replaceAll("[^a-zA-Z0-9]", "").toLowerCase(Locale.ROOT);
        }

        void dnsId(String dnsId) {
            if (dnsId == null || !dnsId.matches("[a-z0-9]{1,63}")) {
                throw new IllegalArgumentException("dnsId must be 1-63 lower-case letters and digits (the AWS wrapper reads "
                        + "x.cluster-y.<region>.rds.amazonaws.com as a cluster endpoint, so no hyphens): was '" + dnsId + "'");
            }
            this.dnsId = dnsId;
        }

        void hostsFile(Path file) {
            this.hostsFile = Objects.requireNonNull(file, "hostsFile").toAbsolutePath();
        }

        void clusterEndpointMovesAfter(Duration delay) {
            if (delay == null || delay.isNegative()) {
                throw new IllegalArgumentException("clusterEndpointMovesAfter must be >= 0: was " + delay);
            }
            this.endpointMove = delay;
        }

        void clusterEndpointNeverMoves() {
            this.endpointMove = null;
        }

        /**
         * Adds a secondary region of {@code instances} instances, the last ones by creation index of a cluster that
         * starts with {@code initialNodes}.
         */
        void secondaryRegion(String r, int instances, int initialNodes) {
            if (r == null || !r.matches(REGION)) {
                throw new IllegalArgumentException("secondaryRegion region must look like us-west-2: was '" + r + "'");
            }
            if (r.equals(region) || secondaryRegions.containsKey(r)) {
                throw new IllegalArgumentException("secondaryRegion region must differ from the primary region " + region
                        + " and from the secondary regions " + secondaryRegions.keySet() + ": was '" + r + "'");
            }
            if (instances < 1) {
                throw new IllegalArgumentException("secondaryRegion instances must be >= 1: was " + instances + " for '" + r + "'");
            }
            secondaryRegions.put(r, instances);
            try {
                requirePrimaryInstance(initialNodes);
            } catch (IllegalArgumentException e) {
                secondaryRegions.remove(r);
                throw e;
            }
        }

        /** The primary region keeps at least one instance (the writer) among the {@code initialNodes}. */
        void requirePrimaryInstance(int initialNodes) {
            int secondary = secondaryInstances();
            if (secondary >= initialNodes) {
                throw new IllegalArgumentException("secondaryRegion instances must leave the primary region " + region
                        + " at least one instance (the writer): was " + secondaryRegions + ", " + secondary + " of "
                        + initialNodes + " instances (replicas(" + (initialNodes - 1) + ") + the writer)");
            }
        }

        private int secondaryInstances() {
            return secondaryRegions.values().stream().mapToInt(Integer::intValue).sum();
        }

        /** The primary region first, then the secondary regions in the order given. */
        List<String> regions() {
            List<String> out = new ArrayList<>();
            out.add(region);
            out.addAll(secondaryRegions.keySet());
            return List.copyOf(out);
        }

        /**
         * The region of the node with this creation index in a cluster that starts with {@code initialNodes}: the last
         * nodes belong to the secondary regions (in the order given), the first ones and every node added later to
         * the primary region.
         */
        String regionOf(int nodeIndex, int initialNodes) {
            int end = initialNodes - secondaryInstances();
            if (nodeIndex >= end && nodeIndex < initialNodes) {
                for (Map.Entry<String, Integer> e : secondaryRegions.entrySet()) {
                    end += e.getValue();
                    if (nodeIndex < end) {
                        return e.getKey();
                    }
                }
            }
            return region;
        }

        String domain() {
            return domain(region);
        }

        String domain(String r) {
            return dnsId + "." + r + ".rds.amazonaws.com";
        }
    }

    private final Settings settings;
    private final PostgresCluster postgres;
    private final String domain;
    private final Path hostsFile;
    private final List<String> domainKeys;
    private final int initialNodes;
    private final int subnet;
    private final IntFunction<String> instanceName;
    private final ScheduledExecutorService scheduler;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile PgNode clusterTarget;
    private volatile boolean cacheWarned;

    private RdsNames(Settings s, PostgresCluster postgres, Path hostsFile, List<String> domainKeys, int initialNodes, int subnet,
            IntFunction<String> instanceName) {
        this.settings = s;
        this.postgres = postgres;
        this.domain = s.domain();
        this.hostsFile = hostsFile;
        this.domainKeys = domainKeys;
        this.initialNodes = initialNodes;
        this.subnet = subnet;
        this.instanceName = instanceName;
        String threadName = "haven-" + s.kind.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-") + "-" + s.clusterId;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Reserves a loopback subnet (and the domain in the hosts file), then starts the PostgreSQL cluster of
     * {@code pgBuilder} with one address per node, one shared port, the per-node {@code serverSettings} and the
     * {@code extraConfig}; the builder is left as it was. The caller boots its catalog and then {@link #publish}es.
     *
     * @param instanceName the instance name of the node with a creation index (the first label of its host name)
     */
    static RdsNames start(PostgresCluster.Builder pgBuilder, Settings s, IntFunction<String> instanceName,
            IntFunction<Map<String, String>> serverSettings, Map<String, String> extraConfig) {
        String property = System.getProperty("jdk.net.hosts.file");
        Path hosts = s.hostsFile != null ? s.hostsFile : property != null ? Path.of(property).toAbsolutePath() : null;
        List<String> domainKeys = hosts == null ? List.of()
                : s.regions().stream().map(r -> hosts.normalize() + "|" + s.domain(r)).toList();
        int initialNodes = pgBuilder.replicas + 1;
        s.requirePrimaryInstance(initialNodes);
        int subnet = reserve(domainKeys);
        PostgresCluster.NodeLayout oldLayout = pgBuilder.layout;
        Map<String, String> oldConfig = new LinkedHashMap<>(pgBuilder.extraConfig);
        pgBuilder.layout = new PostgresCluster.NodeLayout() {
            @Override
            public String proxyHost(int nodeIndex) {
                requireIndex(s, nodeIndex);
                return "127.0." + subnet + "." + (nodeIndex + 2);
            }

            @Override
            public boolean sharedProxyPort() {
                return true;
            }

            @Override
            public Map<String, String> serverSettings(int nodeIndex) {
                return serverSettings.apply(nodeIndex);
            }
        };
        pgBuilder.extraConfig.putAll(extraConfig);
        PostgresCluster pg;
        try {
            pg = pgBuilder.start();
        } catch (RuntimeException | Error e) {
            release(subnet, domainKeys);
            throw e;
        } finally {
            pgBuilder.layout = oldLayout;
            pgBuilder.extraConfig.clear();
            pgBuilder.extraConfig.putAll(oldConfig);
        }
        return new RdsNames(s, pg, hosts != null ? hosts : pg.workDir().resolve("hosts"), domainKeys, initialNodes, subnet,
                instanceName);
    }

    static void requireIndex(Settings s, int nodeIndex) {
        if (nodeIndex > MAX_NODE_INDEX) {
            throw new IllegalStateException("An " + s.kind + " emulation has at most " + (MAX_NODE_INDEX + 1) + " instances over its life");
        }
    }

    // ------------------------------------------------------------------------------------------------ names

    PostgresCluster postgres() {
        return postgres;
    }

    String clusterId() {
        return settings.clusterId;
    }

    String region() {
        return settings.region;
    }

    String instanceName(PgNode node) {
        return instanceName.apply(node.index);
    }

    /** The primary region first, then the secondary regions (Aurora Global Database) in the order given. */
    List<String> regions() {
        return settings.regions();
    }

    /** The region the node is an instance of. */
    String region(PgNode node) {
        return settings.regionOf(node.index, initialNodes);
    }

    String instanceHost(PgNode node) {
        return instanceName(node) + "." + settings.domain(region(node));
    }

    String instanceHostPattern() {
        return "?." + domain;
    }

    String instanceHostPattern(String region) {
        return "?." + settings.domain(region);
    }

    String clusterEndpoint() {
        return settings.clusterId + ".cluster-" + domain;
    }

    String readerEndpoint() {
        return settings.clusterId + ".cluster-ro-" + domain;
    }

    int port() {
        return postgres.sharedProxyPort();
    }

    String jdbcUrl(String host) {
        return "jdbc:postgresql://" + host + ":" + port() + "/" + postgres.database();
    }

    Path hostsFile() {
        return hostsFile;
    }

    Optional<PgNode> clusterEndpointTarget() {
        return Optional.ofNullable(clusterTarget);
    }

    /** The control plane's thread (status refreshes, late endpoint moves); stopped by {@link #close()}. */
    ScheduledExecutorService scheduler() {
        return scheduler;
    }

    boolean isClosed() {
        return closed.get();
    }

    void requireOpen() {
        if (closed.get()) {
            throw new IllegalStateException("The " + settings.kind + " emulation " + settings.clusterId + " is closed");
        }
    }

    // ------------------------------------------------------------------------------------------------ failover

    /** SIGKILL to the writer, then promotion of the most advanced reader, which the other readers follow. */
    PgNode failover() {
        if (postgres.replicas().stream().noneMatch(PgNode::isRunning)) {
            throw new IllegalStateException("No running reader to fail over to: " + postgres.replicas());
        }
        postgres.killWriter();
        return postgres.promote(postgres.mostAdvancedReplica());
    }

    /** {@link #failover()} to a chosen reader. */
    PgNode failover(PgNode newWriter) {
        if (newWriter == postgres.primary()) {
            throw new IllegalArgumentException(newWriter.name() + " is already the writer");
        }
        if (!newWriter.isRunning()) {
            throw new IllegalStateException(newWriter.name() + " is not running: it cannot become the writer");
        }
        postgres.killWriter();
        return postgres.promote(newWriter);
    }

    // ------------------------------------------------------------------------------------------------ DNS

    /**
     * At start, once the catalog is in place: points the cluster endpoint at {@code writer}, writes the names and,
     * when this JVM reads the hosts file, checks that it resolves them (a start fails if not) and warns if its DNS
     * cache would hide a move.
     */
    void publish(PgNode writer) {
        synchronized (this) {
            clusterTarget = writer;
            writeHosts();
        }
        if (jvmReadsHostsFile()) {
            for (String name : List.of(clusterEndpoint(), instanceHost(writer))) {
                if (!awaitResolves(name, writer.host(), RESOLVE_CHECK)) {
                    throw new PostgresClusterException("This JVM reads the hosts file " + hostsFile + " (jdk.net.hosts.file) but "
                            + "does not resolve " + name + " to " + writer.host() + " within " + RESOLVE_CHECK + " (it resolves to "
                            + resolveQuietly(name) + "). A failed lookup of the name before start may be cached: start the JVM "
                            + "with -Djava.security.properties=<file> holding networkaddress.cache.negative.ttl=0");
                }
            }
            if (cacheTtlSeconds() != 0) {
                LOG.warn("This JVM caches DNS answers ({}): moves of {} will not be seen at once. Start it with "
                        + "-Dsun.net.inetaddr.ttl=0", describeCacheTtl(), clusterEndpoint());
            }
        }
    }

    /**
     * After a promotion (under the cluster's lock): the reader endpoint changes at once; the cluster endpoint names
     * the new writer at once (returning when this JVM resolves it so), after the configured delay, or never.
     */
    void promoted(PgNode newWriter) {
        Duration move = settings.endpointMove;
        if (move != null && move.isZero()) {
            synchronized (this) {
                clusterTarget = newWriter;
                writeHosts();
            }
            if (jvmReadsHostsFile()) {
                awaitResolves(clusterEndpoint(), newWriter.host(), RESOLVE_CHECK);
            }
            return;
        }
        writeHosts();
        if (move != null) {
            scheduler.schedule(() -> {
                if (!closed.get() && postgres.primary() == newWriter) {
                    pointClusterEndpointAt(newWriter);
                }
            }, move.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    /** Instances were added or removed: their names follow. */
    void nodesChanged() {
        writeHosts();
    }

    void pointClusterEndpointAt(PgNode node) {
        Objects.requireNonNull(node, "node");
        requireOpen();
        synchronized (this) {
            clusterTarget = node;
            writeHosts();
        }
        if (jvmReadsHostsFile() && !awaitResolves(clusterEndpoint(), node.host(), RESOLVE_CHECK) && !cacheWarned) {
            cacheWarned = true;
            LOG.warn("This JVM still resolves {} to its old address {} after the hosts file moved it to {}: its DNS cache "
                    + "hides the move. Start it with -Dsun.net.inetaddr.ttl=0 (cache TTL now: {})", clusterEndpoint(),
                    resolveQuietly(clusterEndpoint()), node.host(), describeCacheTtl());
        }
    }

    /**
     * Stops the control plane's thread, detaches from the cluster's topology events, removes the names from the
     * hosts file, closes the PostgreSQL cluster and frees the subnet. Idempotent.
     */
    void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        postgres.listener(PostgresCluster.TopologyListener.NONE);
        try {
            HostsFile.removeBlock(hostsFile, blockOwner());
        } catch (RuntimeException e) {
            LOG.warn("Could not remove {}'s names from {}: {}", settings.clusterId, hostsFile, e.toString());
        }
        clusterTarget = null;
        try {
            postgres.close();
        } finally {
            release(subnet, domainKeys);
        }
    }

    private String blockOwner() {
        return (settings.kind.equals("Aurora") ? "aurora " : "rds ") + clusterEndpoint() + " pid " + ProcessHandle.current().pid();
    }

    private synchronized void writeHosts() {
        if (closed.get()) {
            return;
        }
        List<String> lines = new ArrayList<>();
        PgNode w = postgres.primary();
        for (PgNode n : postgres.nodes()) {
            lines.add(n.host() + " " + instanceHost(n));
        }
        PgNode target = clusterTarget;
        if (target != null) {
            lines.add(target.host() + " " + clusterEndpoint());
        }
        List<PgNode> readers = postgres.replicas().stream().filter(PgNode::isRunning).toList();
        for (PgNode r : readers.isEmpty() ? List.of(w) : readers) {
            lines.add(r.host() + " " + readerEndpoint());
        }
        HostsFile.writeBlock(hostsFile, blockOwner(), lines);
    }

    private boolean jvmReadsHostsFile() {
        String p = System.getProperty("jdk.net.hosts.file");
        return p != null && Path.of(p).toAbsolutePath().normalize().equals(hostsFile.toAbsolutePath().normalize());
    }

    private static boolean awaitResolves(String name, String address, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (address.equals(resolveQuietly(name))) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    private static String resolveQuietly(String name) {
        try {
            return InetAddress.getByName(name).getHostAddress();
        } catch (UnknownHostException e) {
            return "nothing (" + e.getMessage() + ")";
        }
    }

    /** The JDK's positive cache TTL as it computes it: security property, else sun.net.inetaddr.ttl, else 30 s. */
    static int cacheTtlSeconds() {
        String v = Security.getProperty("networkaddress.cache.ttl");
        if (v == null) {
            v = System.getProperty("sun.net.inetaddr.ttl");
        }
        if (v == null) {
            return 30;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            return 30;
        }
    }

    private static String describeCacheTtl() {
        int ttl = cacheTtlSeconds();
        return ttl < 0 ? "forever" : ttl + " s";
    }

    // ------------------------------------------------------------------------------------------------ reservations

    /** @param domainKeys {@code <hosts file>|<domain>} of every region the emulation writes names under */
    private static int reserve(List<String> domainKeys) {
        synchronized (RdsNames.class) {
            for (String domainKey : domainKeys) {
                if (DOMAINS.contains(domainKey)) {
                    int bar = domainKey.lastIndexOf('|');
                    throw new IllegalStateException("Another open Aurora or RDS emulation of this JVM already writes names under "
                            + domainKey.substring(bar + 1) + " into " + domainKey.substring(0, bar)
                            + "; give this one another dnsId(...) or cluster id");
                }
            }
            for (int k = 0; k < 256; k++) {
                if (SUBNETS.add(k)) {
                    DOMAINS.addAll(domainKeys);
                    return k;
                }
            }
            throw new IllegalStateException("256 Aurora or RDS emulations are open in this JVM; close some first");
        }
    }

    private static void release(int subnet, List<String> domainKeys) {
        synchronized (RdsNames.class) {
            SUBNETS.remove(subnet);
            DOMAINS.removeAll(domainKeys);
        }
    }
}
