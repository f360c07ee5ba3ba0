package dev.haven.redis.internal;

import dev.haven.Consistency;
import dev.haven.Endpoint;
import dev.haven.ReadFallback;
import dev.haven.Ticker;
import dev.haven.config.CommonKeys;
import dev.haven.config.Settings;
import dev.haven.engine.Durations;
import dev.haven.engine.RetryPolicy;
import dev.haven.event.HavenEventListener;
import dev.haven.redis.NearCacheConfig;
import dev.haven.redis.RedisKeys;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Validated settings of a {@code HavenRedisClient}: the {@link RedisKeys} values and what is not a key. Exactly one of the
 * four topology sources is set: Sentinels + master name, static nodes, an ElastiCache primary endpoint (+ optional reader
 * endpoint), or the regions of a Global Datastore ({@code globalDatastore}: region to its configured nodes, in
 * configuration order; {@code region} is then one of them, and {@code endpointLocations} holds every configured node's
 * region).
 */
public final class RedisSettings {

    private final Settings keys;
    private final List<Endpoint> sentinels;
    private final String masterName;
    private final List<Endpoint> nodes;
    private final Endpoint primaryEndpoint;
    private final Endpoint readerEndpoint;
    private final char[] password;
    private final Map<String, String[]> endpointLocations;
    private final List<HavenEventListener> listeners;
    private final Ticker ticker;
    private final Clock clock;
    private final NearCacheConfig nearCache;
    private final Map<String, List<Endpoint>> globalDatastore;
    private final Consistency defaultConsistency;
    private final RetryPolicy retryPolicy;

    public RedisSettings(Settings keys, List<Endpoint> sentinels, String masterName, List<Endpoint> nodes,
            Endpoint primaryEndpoint, Endpoint readerEndpoint, Map<String, String[]> endpointLocations,
            List<HavenEventListener> listeners, Ticker ticker, Clock clock, NearCacheConfig nearCache,
            Map<String, List<Endpoint>> globalDatastore) {
        this.keys = keys;
        this.sentinels = sentinels;
        this.masterName = masterName;
        this.nodes = nodes;
        this.primaryEndpoint = primaryEndpoint;
        this.readerEndpoint = readerEndpoint;
        String pw = keys.get(RedisKeys.PASSWORD);
        this.password = pw == null ? null : pw.toCharArray();
        this.endpointLocations = endpointLocations;
        this.listeners = listeners;
        this.ticker = ticker;
        this.clock = clock;
        this.nearCache = nearCache;
        this.globalDatastore = globalDatastore;
        this.defaultConsistency = CommonKeys.defaultConsistency(keys);
        // No backoff keys (a read moves to another node) and no deadline of its own: a read is bounded by its attempts,
        // each by attempt-timeout, and by writer-wait only while it waits for a qualifying node (writer-wait may be 0).
        this.retryPolicy = new RetryPolicy(keys.get(RedisKeys.RETRY_MAX_ATTEMPTS), Duration.ZERO, Duration.ZERO, Durations.MAX);
    }

    /** {@code retry.max-attempts}, for the engine's Attempts. */
    public RetryPolicy retryPolicy() {
        return retryPolicy;
    }

    /** The key values, immutable. */
    public Settings keys() {
        return keys;
    }

    public String clusterName() {
        return keys.get(RedisKeys.CLUSTER_NAME);
    }

    public List<Endpoint> sentinels() {
        return sentinels;
    }

    public String masterName() {
        return masterName;
    }

    public List<Endpoint> nodes() {
        return nodes;
    }

    public Endpoint primaryEndpoint() {
        return primaryEndpoint;
    }

    public Endpoint readerEndpoint() {
        return readerEndpoint;
    }

    public String username() {
        return keys.get(RedisKeys.USERNAME);
    }

    /** A copy of the password, or {@code null}. */
    public char[] password() {
        return password == null ? null : password.clone();
    }

    /** {@code attempt-timeout}: one attempt of a command. */
    public Duration commandTimeout() {
        return keys.get(RedisKeys.ATTEMPT_TIMEOUT);
    }

    public Duration connectTimeout() {
        return keys.get(RedisKeys.CONNECT_TIMEOUT);
    }

    /** The consistency of reads that do not choose one. */
    public Consistency defaultConsistency() {
        return defaultConsistency;
    }

    /** The bound lag sampling is sized for (the default consistency's, or 1 s). */
    public Duration lagBound() {
        return CommonKeys.lagBound(keys);
    }

    public boolean readFallbackToWriter() {
        return keys.get(RedisKeys.READ_FALLBACK) == ReadFallback.WRITER;
    }

    public String region() {
        return keys.get(RedisKeys.LOCAL_REGION);
    }

    public String zone() {
        return keys.get(RedisKeys.LOCAL_ZONE);
    }

    public Map<String, String[]> endpointLocations() {
        return endpointLocations;
    }

    public Duration probeInterval() {
        return keys.get(RedisKeys.PROBE_INTERVAL);
    }

    public Duration fastProbeInterval() {
        return keys.get(RedisKeys.FAST_PROBE_INTERVAL);
    }

    public Duration probeTimeout() {
        return keys.get(RedisKeys.PROBE_TIMEOUT);
    }

    public Duration writerWait() {
        return keys.get(RedisKeys.WRITER_WAIT);
    }

    public double retryBudgetRatio() {
        return keys.get(RedisKeys.RETRY_BUDGET_RATIO);
    }

    public int retryBudgetReservePerSecond() {
        return keys.get(RedisKeys.RETRY_BUDGET_RESERVE);
    }

    public int requestQueueSize() {
        return keys.get(RedisKeys.REQUEST_QUEUE_SIZE);
    }

    public Duration keepAliveIdle() {
        return keys.get(RedisKeys.KEEPALIVE_IDLE);
    }

    public List<HavenEventListener> listeners() {
        return listeners;
    }

    public Ticker ticker() {
        return ticker;
    }

    public Clock clock() {
        return clock;
    }

    public NearCacheConfig nearCache() {
        return nearCache;
    }

    public Map<String, List<Endpoint>> globalDatastore() {
        return globalDatastore;
    }

    public boolean sentinelMode() {
        return !sentinels.isEmpty();
    }

    public boolean elastiCacheMode() {
        return primaryEndpoint != null;
    }

    public boolean globalDatastoreMode() {
        return !globalDatastore.isEmpty();
    }

    @Override
    public String toString() {
        String source = sentinelMode() ? "sentinel " + masterName + "@" + sentinels.stream().map(Endpoint::id).toList()
                : elastiCacheMode() ? "elasticache " + primaryEndpoint.id() + (readerEndpoint == null ? "" : " reader " + readerEndpoint.id())
                : globalDatastoreMode() ? "global-datastore " + globalDatastore.entrySet().stream()
                        .map(e -> e.getKey() + "=" + e.getValue().stream().map(Endpoint::id).toList()).toList() + " local " + region()
                : "nodes " + nodes.stream().map(Endpoint::id).toList();
        return "haven.redis{cluster=" + clusterName() + ", " + source + ", attempt-timeout=" + Durations.format(commandTimeout())
                + ", default-consistency=" + defaultConsistency + ", password=" + (password == null ? "none" : "***") + "}";
    }
}
