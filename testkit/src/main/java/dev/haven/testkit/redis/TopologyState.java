package dev.haven.testkit.redis;

import dev.haven.testkit.TlsCertificates;
import dev.haven.testkit.redis.internal.RedisBinaries;
import dev.haven.testkit.redis.internal.RedisProxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

/**
 * What the collaborators of one {@link RedisTopology} share: its settings, its nodes, and which node is the primary
 * (and, in Global Datastore mode, which region). Changed only by topology operations, which hold the topology's lock;
 * read from any thread.
 */
final class TopologyState {

    final int initialReplicas;
    final int sentinelCount;
    final String password;
    final boolean elastiCacheMode;
    final boolean announceDirectPorts;
    final boolean tls;
    volatile TlsCertificates certificates; // with tls: made before the first config is written
    final List<String> regions; // Global Datastore mode: configured order; empty otherwise
    final Map<String, RedisNode> regionPrimaries = new ConcurrentHashMap<>();
    volatile String primaryRegion = "";
    final Duration startupTimeout;
    final Duration downAfter;
    final RedisBinaries binaries;
    final Path runDir;

    final List<RedisNode> data = new CopyOnWriteArrayList<>();
    final List<RedisNode> sentinels = new CopyOnWriteArrayList<>();
    final AtomicBoolean closed = new AtomicBoolean();
    volatile RedisNode primary;
    volatile Duration lastFailoverTime;

    TopologyState(RedisTopology.Builder b, RedisBinaries binaries, Path runDir) {
        this.initialReplicas = b.replicas;
        this.regions = List.copyOf(b.regions);
        this.sentinelCount = b.elastiCacheMode || !regions.isEmpty() ? 0 : b.sentinels;
        this.password = b.password;
        this.elastiCacheMode = b.elastiCacheMode;
        this.announceDirectPorts = b.announceDirectPorts;
        this.tls = b.tls;
        this.startupTimeout = b.startupTimeout;
        this.downAfter = b.downAfter;
        this.binaries = binaries;
        this.runDir = runDir;
    }

    /** Data nodes, then Sentinels. */
    List<RedisNode> all() {
        List<RedisNode> out = new ArrayList<>(data);
        out.addAll(sentinels);
        return out;
    }

    /** Every data node except {@link #primary}, running or not, in creation order. */
    List<RedisNode> replicas() {
        RedisNode p = primary;
        return data.stream().filter(n -> n != p).collect(Collectors.toUnmodifiableList());
    }

    /** Running data nodes other than {@code n}. */
    List<RedisNode> others(RedisNode n) {
        return data.stream().filter(o -> o != n && o.isRunning()).collect(Collectors.toList());
    }

    RedisNode byPort(int proxiedPort) {
        for (RedisNode n : data) {
            RedisProxy p = n.proxy;
            if (p != null && p.port() == proxiedPort) {
                return n;
            }
        }
        return null;
    }

    /**
     * Where {@code n} replicates from: nothing for the primary; in Global Datastore mode the global primary for a
     * secondary region's primary and the region's primary for its replicas; else the primary.
     */
    RedisNode upstreamOf(RedisNode n) {
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
}
