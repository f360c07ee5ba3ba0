package dev.haven.testkit.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Global Datastore mode: the regions, their primaries, promoting a region and its cross-region link. */
final class GlobalDatastoreControl {

    private static final Logger LOG = LoggerFactory.getLogger(RedisTopology.class);

    private final TopologyState state;
    private final RedisAdmin admin;
    private final ReplicationWatch replication;
    private final FaultProxies proxies;
    private final ManualPromotion promotion;

    GlobalDatastoreControl(TopologyState state, RedisAdmin admin, ReplicationWatch replication, FaultProxies proxies,
            ManualPromotion promotion) {
        this.state = state;
        this.admin = admin;
        this.replication = replication;
        this.proxies = proxies;
        this.promotion = promotion;
    }

    /** See {@link RedisTopology#regionPrimary(String)}. */
    RedisNode regionPrimary(String region) {
        requireGlobalDatastore();
        RedisNode n = state.regionPrimaries.get(region);
        if (n == null) {
            throw new IllegalArgumentException("No region '" + region + "' in this topology: regions are " + state.regions);
        }
        return n;
    }

    /** See {@link RedisTopology#regionNodes(String)}. */
    List<RedisNode> regionNodes(String region) {
        RedisNode rp = regionPrimary(region);
        List<RedisNode> out = new ArrayList<>();
        out.add(rp);
        state.data.stream().filter(n -> n != rp && n.region().equals(region)).forEach(out::add);
        return Collections.unmodifiableList(out);
    }

    /** See {@link RedisTopology#promoteRegion(String, boolean)}. */
    RedisNode promoteRegion(String region, boolean awaitCatchUp) {
        RedisNode next = regionPrimary(region);
        RedisNode old = state.primary;
        if (next == old) {
            throw new IllegalArgumentException(region + " is already the primary region");
        }
        if (!next.isRunning()) {
            throw new IllegalStateException(region + "'s primary " + next.name() + " is not running: it cannot be promoted");
        }
        long t0 = System.nanoTime();
        long deadline = t0 + state.startupTimeout.toNanos();
        boolean hold = awaitCatchUp && old.isRunning();
        if (hold) {
            promotion.holdWritesUntilCaughtUp(old, List.of(next), deadline);
        }
        long offset = replication.safeOffset(next);
        admin.call(next, "REPLICAOF", "NO", "ONE");
        state.lastFailoverTime = Duration.ofNanos(System.nanoTime() - t0);
        String oldRegion = state.primaryRegion;
        state.primary = next;
        state.primaryRegion = region;
        proxies.forgetPause(next);
        for (String r : state.regions) {
            RedisNode rp = state.regionPrimaries.get(r);
            if (rp != next && rp.isRunning()) {
                admin.call(rp, "REPLICAOF", "127.0.0.1", Integer.toString(next.port()));
            }
        }
        if (hold) {
            promotion.releaseWrites(old);
        }
        replication.awaitChain(deadline);
        LOG.info("Promoted region {} ({} at replication offset {}{}) in {} ms; {} is a secondary region", region, next.name(), offset,
                awaitCatchUp ? "" : ", without waiting for catch-up", state.lastFailoverTime.toMillis(), oldRegion);
        return next;
    }

    /** The primary of a secondary region: the node at the region's end of the cross-region link. */
    RedisNode secondaryPrimary(String region) {
        RedisNode rp = regionPrimary(region);
        if (rp == state.primary) {
            throw new IllegalArgumentException(region + " is the primary region: it has no cross-region link");
        }
        return rp;
    }

    void requireGlobalDatastore() {
        if (state.regions.isEmpty()) {
            throw new IllegalStateException("Regions exist only in Global Datastore mode (builder().globalDatastore(...))");
        }
    }

    void refuseInGlobalDatastore(String operation) {
        if (!state.regions.isEmpty()) {
            throw new IllegalStateException(operation + " is not modelled in Global Datastore mode (no in-region failover); "
                    + "use promoteRegion(region)");
        }
    }
}
