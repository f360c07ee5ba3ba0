package dev.haven.testkit.redis;

import static dev.haven.testkit.redis.RedisTopology.MASTER_NAME;
import static dev.haven.testkit.redis.RedisTopology.MAX_REPLICAS;

import dev.haven.testkit.internal.ServerProcesses;
import dev.haven.testkit.redis.internal.Resp;
import dev.haven.testkit.redis.internal.SentinelLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Sentinels of one topology: their config (boot with a down-after no stall reaches, the real one once they
 * agree), the waits for them to agree on a healthy topology, to report a new primary and to settle, Sentinel
 * failovers, and the failovers they logged.
 */
final class SentinelControl {

    private static final Logger LOG = LoggerFactory.getLogger(RedisTopology.class);

    /**
     * {@code down-after-milliseconds} the Sentinels boot with: long enough that nothing a slow machine does while they
     * connect and learn the topology looks like an outage; lowered to {@link TopologyState#downAfter} once they all agree.
     */
    static final int BOOT_DOWN_AFTER_MILLIS = 600_000;
    static final int FAILOVER_TIMEOUT_MILLIS = 3000;

    private final TopologyState state;
    private final RedisAdmin admin;
    private final ReplicationWatch replication;
    private final List<String> sentinelIds = new ArrayList<>();

    SentinelControl(TopologyState state, RedisAdmin admin, ReplicationWatch replication) {
        this.state = state;
        this.admin = admin;
        this.replication = replication;
    }

    /** Adds a Sentinel to the topology, with a fresh {@code myid} (so that every Sentinel's config can name the others). */
    void add(RedisNode sentinel) {
        state.sentinels.add(sentinel);
        sentinelIds.add(HexFormat.of().formatHex(new SecureRandom().generateSeed(20)));
    }

    void writeConfig(int i) throws IOException {
        List<RedisNode> sentinels = state.sentinels;
        RedisNode s = sentinels.get(i);
        StringBuilder c = new StringBuilder("# haven testkit: ").append(s.name()).append('\n');
        c.append("bind 127.0.0.1\n");
        c.append(RedisProcesses.listen(state, s.directPort));
        c.append("protected-mode no\ndaemonize no\nlogfile \"\"\n");
        c.append("dir \"").append(s.dataDir).append("\"\n");
        c.append(RedisProcesses.PROC_TITLE).append('\n');
        c.append("sentinel myid ").append(sentinelIds.get(i)).append('\n');
        c.append("sentinel announce-ip 127.0.0.1\n");
        c.append("sentinel announce-port ").append(s.port()).append('\n');
        c.append("sentinel monitor ").append(MASTER_NAME).append(" 127.0.0.1 ").append(state.primary.port()).append(" 2\n");
        c.append("sentinel down-after-milliseconds ").append(MASTER_NAME).append(' ').append(BOOT_DOWN_AFTER_MILLIS).append('\n');
        c.append("sentinel failover-timeout ").append(MASTER_NAME).append(' ').append(FAILOVER_TIMEOUT_MILLIS).append('\n');
        c.append("sentinel parallel-syncs ").append(MASTER_NAME).append(' ').append(MAX_REPLICAS).append('\n');
        if (state.password != null) {
            c.append("sentinel auth-pass ").append(MASTER_NAME).append(' ').append(RedisProcesses.quote(state.password)).append('\n');
        }
        // known from the start: no wait for INFO (10 s period) and hello messages (2 s) before a failover can work
        for (RedisNode r : state.replicas()) {
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

    /**
     * Waits until every running Sentinel names {@code expected} as the master, sees it up, knows every running
     * replica and the other Sentinels, and has a quorum (so that a failover can start right away).
     */
    void awaitAgree(RedisNode expected, long deadline) {
        long runningReplicas = state.replicas().stream().filter(RedisNode::isRunning).count();
        long runningSentinels = state.sentinels.stream().filter(RedisNode::isRunning).count();
        for (RedisNode s : state.sentinels) {
            String seen = "nothing yet";
            while (s.isRunning()) {
                try {
                    Map<String, String> m = Resp.pairs(admin.call(s, "SENTINEL", "MASTER", MASTER_NAME));
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
                RedisAdmin.pause();
            }
        }
    }

    /**
     * {@code SENTINEL SET haven down-after-milliseconds} to {@link TopologyState#downAfter} on every running Sentinel,
     * each checked with {@code SENTINEL MASTER}: a Sentinel left on the boot value would never vote a dead primary down.
     */
    void applyDownAfter(long deadline) {
        String value = Long.toString(state.downAfter.toMillis());
        for (RedisNode s : state.sentinels) {
            String seen = "nothing yet";
            while (s.isRunning()) {
                try {
                    admin.call(s, "SENTINEL", "SET", MASTER_NAME, "down-after-milliseconds", value);
                    seen = Resp.pairs(admin.call(s, "SENTINEL", "MASTER", MASTER_NAME)).get("down-after-milliseconds");
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
                RedisAdmin.pause();
            }
        }
    }

    private long healthyReplicas(RedisNode sentinel) {
        Object reply = admin.call(sentinel, "SENTINEL", "REPLICAS", MASTER_NAME);
        long healthy = 0;
        for (Object r : (List<?>) reply) {
            Map<String, String> m = Resp.pairs(r);
            RedisNode n = state.byPort(Integer.parseInt(m.get("port")));
            if ("slave".equals(m.get("flags")) && n != null && n.isRunning() && "ok".equals(m.get("master-link-status"))) {
                healthy++;
            }
        }
        return healthy;
    }

    /** {@link RedisTopology#failover()} with Sentinel: {@code SENTINEL FAILOVER haven} away from {@code old}. */
    RedisNode failover(RedisNode old, long t0, long deadline) {
        RedisNode s = state.sentinels.stream().filter(RedisNode::isRunning).findFirst()
                .orElseThrow(() -> new IllegalStateException("No Sentinel is running"));
        while (true) {
            try {
                admin.call(s, "SENTINEL", "FAILOVER", MASTER_NAME);
                break;
            } catch (RedisTopologyException e) {
                // NOGOODSLAVE / INPROG right after a previous failover: Sentinel is still re-learning the replicas
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                RedisAdmin.pause();
            }
        }
        RedisNode next = awaitReportNewPrimary(old, t0, deadline);
        demoteIfStillMaster(old, next);
        return awaitSettledAndFollowed(deadline);
    }

    /** {@link RedisTopology#killPrimaryAndAwaitFailover} with Sentinel, once {@code old} is killed: their automatic failover. */
    RedisNode awaitFailoverOf(RedisNode old, long t0, long deadline) {
        RedisNode elected = awaitReportNewPrimary(old, t0, deadline);
        RedisNode next = awaitSettledAndFollowed(deadline);
        if (next != elected) {
            LOG.warn("After killing {}, the Sentinels elected {} and then failed it over to {} (it did not answer them within {} ms)",
                    old.name(), elected.name(), next.name(), state.downAfter.toMillis());
        }
        return next;
    }

    /** See {@link RedisTopology#sentinelFailovers()}. */
    List<SentinelFailover> failovers() {
        List<List<SentinelLog.Switch>> perSentinel = new ArrayList<>();
        for (RedisNode s : state.sentinels) {
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
            out.add(new SentinelFailover(sw.at(), state.byPort(sw.fromPort()), state.byPort(sw.toPort())));
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * Waits until the Sentinels have settled on a primary and every other running data node replicates from it, and
     * returns it (as {@link TopologyState#primary}): usually the node they just elected, but they may fail that one over
     * again while the replicas re-point (it did not answer them within down-after on a loaded machine), and waiting for
     * the replicas to follow a node that is no longer the primary would never end.
     */
    private RedisNode awaitSettledAndFollowed(long deadline) {
        while (true) {
            RedisNode p = awaitSettled(deadline);
            List<RedisNode> behind = state.others(p).stream().filter(r -> !replication.follows(p, r)).collect(Collectors.toList());
            if (behind.isEmpty()) {
                state.primary = p;
                return p;
            }
            if (System.nanoTime() > deadline) {
                replication.awaitFollowing(p, behind, deadline); // throws, naming the replica and what it replicates from
            }
            RedisAdmin.pause();
        }
    }

    /** See {@link RedisTopology#discoverPrimary()}. */
    RedisNode awaitSettled(long deadline) {
        long t0 = System.nanoTime();
        while (true) {
            RedisNode agreed = null;
            boolean settled = true;
            StringBuilder views = new StringBuilder();
            for (RedisNode s : state.sentinels) {
                if (!s.isRunning()) {
                    continue;
                }
                try {
                    Map<String, String> m = Resp.pairs(admin.call(s, "SENTINEL", "MASTER", MASTER_NAME));
                    RedisNode n = state.byPort(Integer.parseInt(m.get("port")));
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
                    if ("master".equals(admin.replicationInfo(agreed).get("role"))) {
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
            RedisAdmin.pause();
        }
    }

    private RedisNode awaitReportNewPrimary(RedisNode old, long t0, long deadline) {
        List<RedisNode> sentinels = state.sentinels;
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
                    List<?> addr = (List<?>) admin.call(s, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME);
                    RedisNode n = state.byPort(Integer.parseInt(String.valueOf(addr.get(1))));
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
                    if ("master".equals(admin.replicationInfo(agreed).get("role"))) {
                        state.lastFailoverTime = Duration.ofNanos(System.nanoTime() - t0);
                        state.primary = agreed;
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
            RedisAdmin.pause();
        }
    }

    /**
     * Sentinel converts a demoted primary into a replica only ~8 s after it sees it again (it waits for newer configs
     * first); the testkit sends the same {@code REPLICAOF} right away so that failover() returns a settled topology.
     */
    private void demoteIfStillMaster(RedisNode old, RedisNode next) {
        if (old.isRunning()) {
            try {
                if ("master".equals(admin.replicationInfo(old).get("role"))) {
                    admin.call(old, "REPLICAOF", "127.0.0.1", Integer.toString(next.port()));
                }
            } catch (RedisTopologyException e) {
                LOG.debug("Could not demote {}: {}", old.name(), e.getMessage());
            }
        }
    }
}
