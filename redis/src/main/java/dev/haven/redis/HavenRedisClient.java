package dev.haven.redis;

import dev.haven.Endpoint;
import dev.haven.Ticker;
import dev.haven.Topology;
import dev.haven.engine.ConfigRules;
import dev.haven.engine.Durations;
import dev.haven.event.HavenEventListener;
import dev.haven.redis.internal.RedisRouting;
import dev.haven.redis.internal.RedisSettings;
import io.lettuce.core.RedisURI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * A Redis client over a replicated deployment — Sentinel, a static list of nodes, an ElastiCache primary endpoint, or
 * the regions of an ElastiCache Global Datastore ({@link Builder#globalDatastoreRegion}) —
 * that sends writes to the current primary and reads to a replica that satisfies the read's
 * {@link dev.haven.Consistency}, measured from replication offsets; follows failovers ({@code +switch-master},
 * polling, errors); and never re-sends a write whose outcome is unknown. Lettuce underneath: one
 * {@code RedisClient}, one shared connection per node.
 *
 * <pre>{@code
 * try (HavenRedisClient client = HavenRedisClient.builder()
 *         .sentinel("redis-sentinel://s1:26379,s2:26379,s3:26379#mymaster")
 *         .password(System.getenv("REDIS_PASSWORD"))
 *         .lagBound(Duration.ofMillis(500))
 *         .build();
 *      HavenRedisConnection redis = client.connect()) {
 *     redis.sync().set("k", "v");
 *     String v = redis.reads(Consistency.SESSION).get("k");
 * }
 * }</pre>
 *
 * <p>Errors: {@link HavenRedisWriteOutcomeUnknownException} when a write may or may not have run,
 * {@link HavenRedisUnavailableException} when no node could take a command within {@code writer-wait}; both are
 * Lettuce {@code RedisException}s. Application errors ({@code WRONGTYPE}...) come through unchanged.
 */
public final class HavenRedisClient implements AutoCloseable {

    private final RedisRouting routing;

    private HavenRedisClient(RedisSettings settings) {
        this.routing = new RedisRouting(settings);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A new session (cheap: no socket of its own). */
    public HavenRedisConnection connect() {
        if (routing.isClosed()) {
            throw new IllegalStateException("HavenRedisClient " + routing.settings().clusterName() + " is closed");
        }
        return new HavenRedisConnection(routing);
    }

    /** The current topology snapshot. */
    public Topology topology() {
        return routing.topology();
    }

    /** The near cache's counters, or empty when the client was built without {@link Builder#nearCache}. */
    public java.util.Optional<NearCacheStats> nearCacheStats() {
        return routing.nearCacheStats();
    }

    public void addListener(HavenEventListener listener) {
        routing.events().add(listener);
    }

    public void removeListener(HavenEventListener listener) {
        routing.events().remove(listener);
    }

    /**
     * Closes every connection, the Lettuce client and its threads, and releases the cluster's topology monitor (shared
     * with the other clients of the cluster in this JVM; it stops with the last of them).
     */
    @Override
    public void close() {
        routing.close();
    }

    @Override
    public String toString() {
        return routing.settings().toString();
    }

    /**
     * Builds a {@link HavenRedisClient}; {@link #build()} validates every setting and fails with a message naming the
     * property ({@code haven.redis.<name>}), the rule and the value.
     */
    public static final class Builder {

        static final String P = "haven.redis.";
        private static final String GLOBAL_DATASTORE = "global-datastore.";

        private String sentinelUri;
        private final List<String> nodes = new ArrayList<>();
        private String primaryEndpoint;
        private String readerEndpoint;
        private final Map<String, List<String>> globalDatastore = new LinkedHashMap<>();
        private String username;
        private char[] password;
        private String clusterName = "haven";
        private Duration commandTimeout = Duration.ofMillis(250);
        private Duration connectTimeout = Duration.ofSeconds(1);
        private Duration lagBound = Duration.ofSeconds(1);
        private boolean readFallbackToWriter = true;
        private String region = "";
        private String zone = "";
        private final Map<String, String[]> locations = new LinkedHashMap<>();
        private Duration probeInterval = Duration.ofSeconds(1);
        private Duration fastProbeInterval = Duration.ofMillis(100);
        private Duration probeTimeout = Duration.ofMillis(500);
        private Duration writerWait = Duration.ofSeconds(5);
        private int retryMaxAttempts = 3;
        private double retryBudgetRatio = 0.1;
        private int retryBudgetReserve = 10;
        private int requestQueueSize = 10_000;
        private Duration keepAliveIdle = Duration.ofSeconds(5);
        private final List<HavenEventListener> listeners = new ArrayList<>();
        private Ticker ticker = Ticker.system();
        private Clock clock = Clock.systemUTC();
        private NearCacheConfig nearCache;

        private Builder() {
        }

        /**
         * Reads {@code haven.redis.*} properties (names as on each method); an unknown {@code haven.redis.*} key fails.
         * {@code nodes} is a comma-separated list of {@code host:port}.
         */
        public Builder properties(Properties props) {
            for (String key : props.stringPropertyNames()) {
                if (!key.startsWith(P)) {
                    continue;
                }
                String name = key.substring(P.length());
                String v = props.getProperty(key).trim();
                if (name.startsWith(GLOBAL_DATASTORE)) {
                    globalDatastoreRegion(name.substring(GLOBAL_DATASTORE.length()), v.isEmpty() ? new String[0] : v.split("\\s*,\\s*"));
                    continue;
                }
                switch (name) {
                    case "sentinel" -> sentinel(v);
                    case "nodes" -> nodes(v.split("\\s*,\\s*"));
                    case "primary-endpoint" -> primaryEndpoint = v;
                    case "reader-endpoint" -> readerEndpoint = v;
                    case "username" -> username = v;
                    case "password" -> password(v);
                    case "cluster-name" -> clusterName(v);
                    case "command-timeout" -> commandTimeout(Durations.parse(key, v));
                    case "connect-timeout" -> connectTimeout(Durations.parse(key, v));
                    case "lag-bound" -> lagBound(Durations.parse(key, v));
                    case "read-fallback" -> readFallbackToWriter = switch (v) {
                        case "writer", "true" -> true;
                        case "fail", "false" -> false;
                        default -> throw new IllegalArgumentException(key + " must be 'writer' or 'fail': was " + v);
                    };
                    case "region" -> region = v;
                    case "zone" -> zone = v;
                    case "probe-interval" -> probeInterval(Durations.parse(key, v));
                    case "fast-probe-interval" -> fastProbeInterval(Durations.parse(key, v));
                    case "probe-timeout" -> probeTimeout(Durations.parse(key, v));
                    case "writer-wait" -> writerWait(Durations.parse(key, v));
                    case "retry.max-attempts" -> retryMaxAttempts = ConfigRules.parseInt(key, v);
                    case "retry.budget-ratio" -> retryBudgetRatio = ConfigRules.parseDouble(key, v);
                    case "retry.budget-reserve-per-second" -> retryBudgetReserve = ConfigRules.parseInt(key, v);
                    case "request-queue-size" -> requestQueueSize = ConfigRules.parseInt(key, v);
                    case "keepalive-idle" -> keepAliveIdle = Durations.parse(key, v);
                    default -> throw new IllegalArgumentException(key + " is not a Haven Redis setting (see the haven-redis README)");
                }
            }
            return this;
        }

        /** {@code haven.redis.sentinel}: Lettuce's {@code redis-sentinel://host1:port1,host2:port2#masterName}. */
        public Builder sentinel(String uri) {
            this.sentinelUri = uri;
            return this;
        }

        /** {@code haven.redis.nodes}: the primary and replicas as {@code host:port}; roles are discovered ({@code INFO replication}). */
        public Builder nodes(String... hostPorts) {
            nodes.addAll(List.of(hostPorts));
            return this;
        }

        /**
         * {@code haven.redis.primary-endpoint} / {@code reader-endpoint}: ElastiCache (cluster mode disabled) endpoints as
         * {@code host:port}; the reader endpoint may be {@code null}. Replicas are discovered from the primary.
         */
        public Builder elastiCache(String primaryEndpoint, String readerEndpoint) {
            this.primaryEndpoint = primaryEndpoint;
            this.readerEndpoint = readerEndpoint;
            return this;
        }

        /**
         * {@code haven.redis.global-datastore.<region>} (comma-separated {@code host:port}): one region of an ElastiCache
         * Global Datastore (cluster mode disabled). Call it once per region, the primary region and every secondary
         * region, in any order, and name the region this application runs in with {@link #localZone}
         * ({@code haven.redis.region}), which must be one of them.
         *
         * <p>List each region's primary node (its read-only primary in a secondary region) as the region's nodes
         * announce themselves in {@code INFO replication}; replicas may be listed too, and are found otherwise: a node
         * that is not listed belongs to the region of the node it replicates from (only the links into a region's
         * primary cross regions).
         *
         * <ul>
         *   <li>Writes go to the global primary: the one node with {@code role:master}, found by probing every region
         *       (no Sentinel). After {@code failover-global-replication-group} the promoted region's primary is the only
         *       master once the old one replicates from it, and writes resume there.</li>
         *   <li>Reads stay in the local region (its replicas and its read-only primary) while a local node is up and within
         *       the read's bound; the lag is measured with replication offsets, which along the chain are in the global
         *       primary's offset space. When no local node qualifies (e.g. the cross-region link stalls) a read goes to
         *       another region's replicas, the nearest by measured latency first, then to the writer
         *       ({@code read-fallback=writer}, the default).</li>
         * </ul>
         *
         * <p>Replication between regions is asynchronous: a write acknowledged by the primary region but not yet
         * replicated is lost if the other region is promoted before it arrives. {@link HavenRedisConnection#awaitReplicas}
         * ({@code WAIT}) counts the global primary's direct replicas, which include the secondary regions' primaries.
         *
         * <pre>{@code
         * HavenRedisClient client = HavenRedisClient.builder()
         *         .globalDatastoreRegion("us-east-1", "10.0.1.10:6379", "10.0.1.11:6379")
         *         .globalDatastoreRegion("eu-west-1", "10.1.1.10:6379")
         *         .localZone("eu-west-1", "")          // this application runs in eu-west-1: reads stay there
         *         .lagBound(Duration.ofMillis(500))
         *         .build();
         * }</pre>
         */
        public Builder globalDatastoreRegion(String region, String... hostPorts) {
            globalDatastore.computeIfAbsent(region, r -> new ArrayList<>()).addAll(List.of(hostPorts));
            return this;
        }

        /** {@code haven.redis.password}: of the data nodes (Sentinels are reached without); never logged. */
        public Builder password(String password) {
            this.password = password == null ? null : password.toCharArray();
            return this;
        }

        /** {@code haven.redis.username} + password: ACL user. */
        public Builder credentials(String username, String password) {
            this.username = username;
            return password(password);
        }

        /** {@code haven.redis.cluster-name}: names events, metrics and threads (default {@code haven}). */
        public Builder clusterName(String name) {
            this.clusterName = name;
            return this;
        }

        /** {@code haven.redis.command-timeout}: a command not answered within this fails (default 250ms). */
        public Builder commandTimeout(Duration d) {
            this.commandTimeout = d;
            return this;
        }

        /** {@code haven.redis.connect-timeout}: TCP connect + handshake (default 1s). */
        public Builder connectTimeout(Duration d) {
            this.connectTimeout = d;
            return this;
        }

        /** {@code haven.redis.lag-bound}: staleness allowed to {@code sync()} reads (default 1s). */
        public Builder lagBound(Duration d) {
            this.lagBound = d;
            return this;
        }

        /** {@code haven.redis.read-fallback}: {@code writer} (default) or {@code fail} when no replica qualifies. */
        public Builder readFallbackToWriter(boolean fallback) {
            this.readFallbackToWriter = fallback;
            return this;
        }

        /** {@code haven.redis.region} / {@code zone}: where this application runs; reads stay in its zone when they can. */
        public Builder localZone(String region, String zone) {
            this.region = region == null ? "" : region;
            this.zone = zone == null ? "" : zone;
            return this;
        }

        /** Labels a node ({@code host:port} as the servers announce it) with its region and zone. */
        public Builder endpointLocation(String hostPort, String region, String zone) {
            locations.put(hostPort, new String[] {region == null ? "" : region, zone == null ? "" : zone});
            return this;
        }

        /** {@code haven.redis.probe-interval}: topology probe interval when all is well (default 1s). */
        public Builder probeInterval(Duration d) {
            this.probeInterval = d;
            return this;
        }

        /** {@code haven.redis.fast-probe-interval}: during a failover, after an error, and for lag sampling (default 100ms). */
        public Builder fastProbeInterval(Duration d) {
            this.fastProbeInterval = d;
            return this;
        }

        /** {@code haven.redis.probe-timeout}: a node not answering a probe within this is down (default 500ms). */
        public Builder probeTimeout(Duration d) {
            this.probeTimeout = d;
            return this;
        }

        /** {@code haven.redis.writer-wait}: how long a command waits for a primary / a qualifying node (default 5s). */
        public Builder writerWait(Duration d) {
            this.writerWait = d;
            return this;
        }

        /** {@code haven.redis.retry.max-attempts}: attempts of a read, the first included (default 3). */
        public Builder retryMaxAttempts(int attempts) {
            this.retryMaxAttempts = attempts;
            return this;
        }

        /** {@code haven.redis.retry.budget-ratio} / {@code budget-reserve-per-second} (default 0.1 / 10). */
        public Builder retryBudget(double ratio, int reservePerSecond) {
            this.retryBudgetRatio = ratio;
            this.retryBudgetReserve = reservePerSecond;
            return this;
        }

        /** {@code haven.redis.request-queue-size}: commands queued per node connection before rejection (default 10000). */
        public Builder requestQueueSize(int size) {
            this.requestQueueSize = size;
            return this;
        }

        /** {@code haven.redis.keepalive-idle}: TCP keepalive idle time (probes every 1s, 3 tries) (default 5s). */
        public Builder keepAliveIdle(Duration d) {
            this.keepAliveIdle = d;
            return this;
        }

        /**
         * Turns on the near cache for {@code GET}s of {@code EVENTUAL} and {@code boundedStaleness} reads (see
         * {@link NearCacheConfig}); {@code null} (the default) turns it off.
         */
        public Builder nearCache(NearCacheConfig config) {
            this.nearCache = config;
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

        /** Validates the settings into the immutable form the engine uses (no I/O); visible for tests. */
        RedisSettings settings() {
            int sources = (sentinelUri != null ? 1 : 0) + (nodes.isEmpty() ? 0 : 1) + (primaryEndpoint != null ? 1 : 0)
                    + (globalDatastore.isEmpty() ? 0 : 1);
            if (sources != 1) {
                throw new IllegalArgumentException(P + "sentinel, " + P + "nodes, " + P + "primary-endpoint and " + P
                        + GLOBAL_DATASTORE + "<region>: exactly one must be given: was " + sources);
            }
            List<Endpoint> sentinels = List.of();
            String masterName = null;
            if (sentinelUri != null) {
                RedisURI uri;
                try {
                    uri = RedisURI.create(sentinelUri);
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException(P + "sentinel must be redis-sentinel://host:port[,host:port...]#master: was "
                            + sentinelUri);
                }
                if (uri.getSentinels().isEmpty() || uri.getSentinelMasterId() == null || uri.getSentinelMasterId().isBlank()) {
                    throw new IllegalArgumentException(P + "sentinel must name Sentinels and a master (redis-sentinel://host:port#master): was "
                            + sentinelUri);
                }
                sentinels = uri.getSentinels().stream().map(s -> Endpoint.of(s.getHost(), s.getPort())).toList();
                masterName = uri.getSentinelMasterId();
            }
            List<Endpoint> nodeList = new ArrayList<>();
            for (String n : nodes) {
                nodeList.add(hostPort("nodes", n));
            }
            Endpoint primary = primaryEndpoint == null ? null : hostPort("primary-endpoint", primaryEndpoint);
            Endpoint reader = readerEndpoint == null ? null : hostPort("reader-endpoint", readerEndpoint);
            if (reader != null && primary == null) {
                throw new IllegalArgumentException(P + "reader-endpoint needs " + P + "primary-endpoint: was " + readerEndpoint);
            }
            if (clusterName == null || !clusterName.matches("[A-Za-z0-9._-]{1,64}")) {
                throw new IllegalArgumentException(P + "cluster-name must match [A-Za-z0-9._-]{1,64}: was " + clusterName);
            }
            ConfigRules.positive(P + "command-timeout", commandTimeout);
            ConfigRules.atLeast(P + "command-timeout", commandTimeout, Duration.ofMillis(10));
            ConfigRules.positive(P + "connect-timeout", connectTimeout);
            ConfigRules.positive(P + "lag-bound", lagBound);
            ConfigRules.positive(P + "probe-interval", probeInterval);
            ConfigRules.atLeast(P + "probe-interval", probeInterval, Duration.ofMillis(50));
            ConfigRules.positive(P + "fast-probe-interval", fastProbeInterval);
            ConfigRules.atLeast(P + "fast-probe-interval", fastProbeInterval, Duration.ofMillis(10));
            if (fastProbeInterval.compareTo(probeInterval) > 0) {
                throw new IllegalArgumentException(P + "fast-probe-interval must be <= " + P + "probe-interval ("
                        + Durations.format(probeInterval) + "): was " + Durations.format(fastProbeInterval));
            }
            ConfigRules.positive(P + "probe-timeout", probeTimeout);
            ConfigRules.atLeast(P + "probe-timeout", probeTimeout, Duration.ofMillis(50));
            if (writerWait == null || writerWait.isNegative()) {
                throw new IllegalArgumentException(P + "writer-wait must be >= 0: was " + (writerWait == null ? "null" : Durations.format(writerWait)));
            }
            if (retryMaxAttempts < 1 || retryMaxAttempts > 10) {
                throw new IllegalArgumentException(P + "retry.max-attempts must be in 1..10: was " + retryMaxAttempts);
            }
            if (!(retryBudgetRatio >= 0 && retryBudgetRatio <= 1)) {
                throw new IllegalArgumentException(P + "retry.budget-ratio must be in [0, 1]: was " + retryBudgetRatio);
            }
            if (retryBudgetReserve < 0) {
                throw new IllegalArgumentException(P + "retry.budget-reserve-per-second must be >= 0: was " + retryBudgetReserve);
            }
            if (requestQueueSize < 1 || requestQueueSize > 1_000_000) {
                throw new IllegalArgumentException(P + "request-queue-size must be in 1..1000000: was " + requestQueueSize);
            }
            ConfigRules.positive(P + "keepalive-idle", keepAliveIdle);
            ConfigRules.atLeast(P + "keepalive-idle", keepAliveIdle, Duration.ofSeconds(1));
            for (String id : locations.keySet()) {
                hostPort("endpoint.<host:port>", id);
            }
            Map<String, List<Endpoint>> regions = globalDatastoreRegions();
            Map<String, String[]> located = new LinkedHashMap<>(locations);
            regions.forEach((r, endpoints) -> endpoints.forEach(e -> {
                String[] loc = locations.get(e.id());
                if (loc != null && !loc[0].isEmpty() && !loc[0].equals(r)) {
                    throw new IllegalArgumentException(P + "endpoint." + e.id() + " region must be " + r + " (its " + P
                            + GLOBAL_DATASTORE + "<region>): was " + loc[0]);
                }
                located.put(e.id(), new String[] {r, loc == null ? "" : loc[1]});
            }));
            return new RedisSettings(clusterName, sentinels, masterName, List.copyOf(nodeList), primary, reader, username,
                    password == null ? null : password.clone(), commandTimeout, connectTimeout, lagBound, readFallbackToWriter,
                    region, zone, Map.copyOf(located), probeInterval, fastProbeInterval, probeTimeout, writerWait,
                    retryMaxAttempts, retryBudgetRatio, retryBudgetReserve, requestQueueSize, keepAliveIdle,
                    List.copyOf(listeners), ticker, clock, nearCache, regions);
        }

        /** Validates the Global Datastore regions (none: an empty map) and the local region among them. */
        private Map<String, List<Endpoint>> globalDatastoreRegions() {
            if (globalDatastore.isEmpty()) {
                return Map.of();
            }
            String name = P + GLOBAL_DATASTORE + "<region>";
            if (globalDatastore.size() < 2) {
                throw new IllegalArgumentException(name + " must name at least 2 regions (the primary region and a secondary one): was "
                        + globalDatastore.keySet());
            }
            Map<String, List<Endpoint>> out = new LinkedHashMap<>();
            Map<String, String> regionOf = new LinkedHashMap<>();
            for (var entry : globalDatastore.entrySet()) {
                String r = entry.getKey();
                if (r == null || !r.matches("[A-Za-z0-9._-]{1,64}")) {
                    throw new IllegalArgumentException(name + " region must match [A-Za-z0-9._-]{1,64}: was '" + r + "'");
                }
                if (entry.getValue().isEmpty()) {
                    throw new IllegalArgumentException(P + GLOBAL_DATASTORE + r + " must list at least the region's primary as host:port: was empty");
                }
                List<Endpoint> endpoints = new ArrayList<>();
                for (String hp : entry.getValue()) {
                    Endpoint e = hostPort(GLOBAL_DATASTORE + r, hp);
                    String other = regionOf.putIfAbsent(e.id(), r);
                    if (other != null) {
                        throw new IllegalArgumentException(P + GLOBAL_DATASTORE + r + " must not list a node twice: was '" + hp
                                + "', already in " + P + GLOBAL_DATASTORE + other);
                    }
                    endpoints.add(e);
                }
                out.put(r, List.copyOf(endpoints));
            }
            if (!out.containsKey(region)) {
                throw new IllegalArgumentException(P + "region must be one of the Global Datastore's regions " + out.keySet()
                        + " (reads stay in it): was '" + region + "'");
            }
            return java.util.Collections.unmodifiableMap(out);
        }

        /**
         * Validates every setting, starts the topology monitor (its first probe round runs before this returns, so
         * routing works at once) and subscribes to Sentinel's {@code +switch-master}, or joins the monitor another client
         * of the same cluster runs in this JVM.
         *
         * @throws IllegalArgumentException naming the property, the rule and the value; also when the cluster is
         *         already monitored in this JVM with other {@code probe-interval}, {@code fast-probe-interval},
         *         {@code probe-timeout} or {@code endpoint.*} settings
         * @throws HavenRedisUnavailableException if no Sentinel answers
         */
        public HavenRedisClient build() {
            return new HavenRedisClient(settings());
        }

        private static Endpoint hostPort(String name, String value) {
            if (value == null || !value.matches("[^:\\s]+:\\d{1,5}")) {
                throw new IllegalArgumentException(P + name + " must be host:port: was '" + value + "'");
            }
            int colon = value.lastIndexOf(':');
            int port = Integer.parseInt(value.substring(colon + 1));
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException(P + name + " port must be in 1..65535: was '" + value + "'");
            }
            return Endpoint.of(value.substring(0, colon), port);
        }

    }
}
