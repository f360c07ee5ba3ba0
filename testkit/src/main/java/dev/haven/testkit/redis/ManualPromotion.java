package dev.haven.testkit.redis;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Failover without Sentinel, as a managed service does it (ElastiCache mode, {@code sentinels(0)}): writes held on the
 * old primary until a replica caught up, the most advanced replica promoted, the others and (in ElastiCache mode) the
 * primary endpoint re-pointed. Global Datastore's region promotion holds writes the same way.
 */
final class ManualPromotion {

    private static final Logger LOG = LoggerFactory.getLogger(RedisTopology.class);

    private final TopologyState state;
    private final RedisAdmin admin;
    private final ReplicationWatch replication;
    private final FaultProxies proxies;

    ManualPromotion(TopologyState state, RedisAdmin admin, ReplicationWatch replication, FaultProxies proxies) {
        this.state = state;
        this.admin = admin;
        this.replication = replication;
        this.proxies = proxies;
    }

    /** {@link RedisTopology#failover()} and {@link RedisTopology#killPrimaryAndAwaitFailover} without Sentinel. */
    RedisNode promote(RedisNode old, long t0, long deadline) {
        boolean oldRunning = old.isRunning();
        List<RedisNode> candidates = state.replicas().stream().filter(RedisNode::isRunning).collect(Collectors.toList());
        if (candidates.isEmpty()) {
            throw new IllegalStateException("No running replica: nothing to fail over to");
        }
        if (oldRunning) {
            holdWritesUntilCaughtUp(old, candidates, deadline);
        }
        RedisNode next = candidates.get(0);
        long best = Long.MIN_VALUE;
        for (RedisNode c : candidates) {
            long o = replication.safeOffset(c);
            if (o > best) {
                best = o;
                next = c;
            }
        }
        admin.call(next, "REPLICAOF", "NO", "ONE");
        state.lastFailoverTime = Duration.ofNanos(System.nanoTime() - t0);
        state.primary = next;
        if (state.elastiCacheMode) {
            proxies.flipEndpoint(next);
        }
        for (RedisNode o : state.others(next)) {
            admin.call(o, "REPLICAOF", "127.0.0.1", Integer.toString(next.port()));
        }
        if (oldRunning) {
            releaseWrites(old);
        }
        replication.awaitFollowing(next, state.others(next), deadline);
        LOG.info("Promoted {} (replication offset {}) in {} ms{}", next.name(), best, state.lastFailoverTime.toMillis(),
                state.elastiCacheMode ? "; primary endpoint " + proxies.endpointAddress() + " now leads to it" : "");
        return next;
    }

    /**
     * A planned promotion loses no acknowledged write: {@code CLIENT PAUSE WRITE} on the old primary, then wait (at
     * most 10 s) until one of {@code candidates} has processed everything it accepted.
     */
    void holdWritesUntilCaughtUp(RedisNode old, List<RedisNode> candidates, long deadline) {
        admin.call(old, "CLIENT", "PAUSE", Long.toString(Math.max(1000, state.startupTimeout.toMillis())), "WRITE");
        long target = replication.offset(old);
        long waitUntil = Math.min(deadline, System.nanoTime() + Duration.ofSeconds(10).toNanos());
        while (candidates.stream().noneMatch(c -> replication.safeOffset(c) >= target) && System.nanoTime() < waitUntil) {
            RedisAdmin.pause();
        }
        if (candidates.stream().noneMatch(c -> replication.safeOffset(c) >= target)) {
            LOG.warn("No candidate caught up with {} (offset {}) within 10 s; promoting anyway", old.name(), target);
        }
    }

    void releaseWrites(RedisNode old) {
        try {
            admin.call(old, "CLIENT", "UNPAUSE");
        } catch (RedisTopologyException e) {
            LOG.debug("CLIENT UNPAUSE on {}: {}", old.name(), e.getMessage());
        }
    }
}
