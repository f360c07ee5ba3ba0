package dev.haven.testkit.redis;

import dev.haven.testkit.internal.ServerProcesses;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Who replicates from whom, and how far: replication offsets and the waits for replicas to follow and catch up. */
final class ReplicationWatch {

    private final TopologyState state;
    private final RedisAdmin admin;
    private final FaultProxies proxies;

    ReplicationWatch(TopologyState state, RedisAdmin admin, FaultProxies proxies) {
        this.state = state;
        this.admin = admin;
        this.proxies = proxies;
    }

    /** {@code master_repl_offset} of a master, {@code slave_repl_offset} of a replica (INFO replication, direct port). */
    long offset(RedisNode n) {
        Map<String, String> info = admin.replicationInfo(n);
        String v = "master".equals(info.get("role")) ? info.get("master_repl_offset") : info.get("slave_repl_offset");
        if (v == null) {
            throw new RedisTopologyException(n.name() + ": INFO replication has no offset: " + info);
        }
        return Long.parseLong(v);
    }

    /** {@link #offset}, or -1 when the node does not tell. */
    long safeOffset(RedisNode n) {
        try {
            return offset(n);
        } catch (RedisTopologyException | NumberFormatException e) {
            return -1;
        }
    }

    /** See {@link RedisTopology#awaitReplicated(Duration)}. */
    void awaitReplicated(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        RedisNode p = state.primary;
        long target = offset(p);
        for (RedisNode n : state.data) {
            if (n == p) {
                continue;
            }
            while (n.isRunning()) {
                Map<String, String> info;
                try {
                    info = admin.replicationInfo(n);
                } catch (RedisTopologyException e) {
                    info = null;
                }
                if (info != null) {
                    if (!"slave".equals(info.get("role"))) {
                        break; // e.g. a restarted former primary not yet converted: not a replica
                    }
                    long o = Long.parseLong(info.getOrDefault("slave_repl_offset", "-1"));
                    RedisNode up = state.upstreamOf(n);
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
                RedisAdmin.pause();
            }
        }
    }

    /**
     * Waits until every running node of {@code followers} replicates from {@code upstream}'s proxied address with its
     * link up (a replica whose replication is paused only has to point at it).
     */
    void awaitFollowing(RedisNode upstream, List<RedisNode> followers, long deadline) {
        for (RedisNode r : followers) {
            Map<String, String> info = Map.of();
            while (r.isRunning()) {
                try {
                    info = admin.replicationInfo(r);
                    if ("slave".equals(info.get("role")) && Integer.toString(upstream.port()).equals(info.get("master_port"))
                            && ("up".equals(info.get("master_link_status")) || proxies.isPaused(r))) {
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
                RedisAdmin.pause();
            }
        }
    }

    /** Whether {@code r} replicates from {@code upstream}'s proxied address with its link up (or paused by the test). */
    boolean follows(RedisNode upstream, RedisNode r) {
        try {
            Map<String, String> info = admin.replicationInfo(r);
            return "slave".equals(info.get("role")) && Integer.toString(upstream.port()).equals(info.get("master_port"))
                    && ("up".equals(info.get("master_link_status")) || proxies.isPaused(r));
        } catch (RedisTopologyException e) {
            return false;
        }
    }

    /** Waits until every running data node but the primary replicates from its {@link TopologyState#upstreamOf upstream}. */
    void awaitChain(long deadline) {
        for (RedisNode n : state.data) {
            RedisNode up = state.upstreamOf(n);
            if (up != null) {
                awaitFollowing(up, List.of(n), deadline);
            }
        }
    }
}
