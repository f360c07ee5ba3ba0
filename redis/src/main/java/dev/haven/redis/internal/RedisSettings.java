package dev.haven.redis.internal;

import dev.haven.Endpoint;
import dev.haven.Ticker;
import dev.haven.engine.Durations;
import dev.haven.event.HavenEventListener;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Validated settings of a {@code HavenRedisClient}. Exactly one of the four topology sources is set: Sentinels +
 * master name, static nodes, an ElastiCache primary endpoint (+ optional reader endpoint), or the regions of a Global
 * Datastore ({@code globalDatastore}: region to its configured nodes, in configuration order; {@code region} is then
 * one of them, and {@code endpointLocations} holds every configured node's region).
 */
public record RedisSettings(String clusterName, List<Endpoint> sentinels, String masterName, List<Endpoint> nodes,
        Endpoint primaryEndpoint, Endpoint readerEndpoint, String username, char[] password, Duration commandTimeout,
        Duration connectTimeout, Duration lagBound, boolean readFallbackToWriter, String region, String zone,
        Map<String, String[]> endpointLocations, Duration probeInterval, Duration fastProbeInterval,
        Duration probeTimeout, Duration writerWait, int retryMaxAttempts, double retryBudgetRatio,
        int retryBudgetReservePerSecond, int requestQueueSize, Duration keepAliveIdle,
        List<HavenEventListener> listeners, Ticker ticker, Clock clock, dev.haven.redis.NearCacheConfig nearCache,
        Map<String, List<Endpoint>> globalDatastore) {

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
                        .map(e -> e.getKey() + "=" + e.getValue().stream().map(Endpoint::id).toList()).toList() + " local " + region
                : "nodes " + nodes.stream().map(Endpoint::id).toList();
        return "haven.redis{cluster=" + clusterName + ", " + source + ", command-timeout=" + Durations.format(commandTimeout)
                + ", lag-bound=" + Durations.format(lagBound) + ", password=" + (password == null ? "none" : "***") + "}";
    }
}
