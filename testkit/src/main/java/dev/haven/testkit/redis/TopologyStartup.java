package dev.haven.testkit.redis;

import dev.haven.testkit.TlsCertificates;
import dev.haven.testkit.internal.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a new topology up: its nodes (and, in Global Datastore mode, their regions), ports and proxies, configs, the
 * data nodes, and only once every replica is in sync the Sentinels; on a port conflict, all again on fresh ports. With
 * TLS, first the certificates every node serves.
 */
final class TopologyStartup {

    private static final Logger LOG = LoggerFactory.getLogger(RedisTopology.class);

    private static final int START_ATTEMPTS = 3;

    private final TopologyState state;
    private final FaultProxies proxies;
    private final ReplicationWatch replication;
    private final RedisProcesses processes;
    private final SentinelControl sentinel;
    private final RedisAdmin admin;

    TopologyStartup(TopologyState state, FaultProxies proxies, ReplicationWatch replication, RedisProcesses processes,
            SentinelControl sentinel, RedisAdmin admin) {
        this.state = state;
        this.admin = admin;
        this.proxies = proxies;
        this.replication = replication;
        this.processes = processes;
        this.sentinel = sentinel;
    }

    /** Returns when every replica is in sync and every Sentinel knows the whole topology. */
    void run(long deadline) {
        List<String> regions = state.regions;
        List<RedisNode> data = state.data;
        List<RedisNode> sentinels = state.sentinels;
        try {
            if (state.tls) {
                // one CA and one server certificate for every node: all of them listen on 127.0.0.1
                long t0 = System.nanoTime();
                state.certificates = TlsCertificates.create(state.runDir.resolve("tls"), List.of("127.0.0.1", "localhost"));
                admin.useTls(state.certificates.caCertificate());
                LOG.info("TLS certificates made in {} ms (CA {})", (System.nanoTime() - t0) / 1_000_000,
                        state.certificates.caCertificate());
            }
            int perRegion = state.initialReplicas + 1;
            int dataNodes = regions.isEmpty() ? perRegion : perRegion * regions.size();
            for (int i = 0; i < dataNodes; i++) {
                RedisNode n = processes.newNode("redis" + i, false, i);
                if (!regions.isEmpty()) {
                    n.region = regions.get(i / perRegion);
                    state.regionPrimaries.putIfAbsent(n.region, n);
                }
                data.add(n);
                proxies.addReplicationSource(n);
            }
            state.primaryRegion = regions.isEmpty() ? "" : regions.get(0);
            for (int i = 0; i < state.sentinelCount; i++) {
                sentinel.add(processes.newNode("sentinel" + i, true, i));
            }
            state.primary = data.get(0);
            for (int attempt = 1; ; attempt++) {
                for (RedisNode n : state.all()) {
                    n.directPort = FreePorts.pick();
                    proxies.open(n);
                }
                if (state.elastiCacheMode) {
                    proxies.flipEndpoint(state.primary);
                }
                for (RedisNode n : data) {
                    processes.writeDataConfig(n, state.upstreamOf(n));
                }
                for (int i = 0; i < sentinels.size(); i++) {
                    sentinel.writeConfig(i);
                }
                try {
                    // Data nodes first, Sentinels only once every replica is in sync: Sentinels that watch a primary
                    // still starting (or a replica still loading its first sync) on a slow machine see it down, and
                    // with a short down-after they fail it over before the test has even begun.
                    for (RedisNode n : data) {
                        processes.spawn(n);
                    }
                    for (RedisNode n : data) {
                        processes.awaitUp(n, deadline);
                    }
                    replication.awaitChain(deadline);
                    for (RedisNode n : sentinels) {
                        processes.spawn(n);
                    }
                    for (RedisNode n : sentinels) {
                        processes.awaitUp(n, deadline);
                    }
                    break;
                } catch (RedisProcesses.PortConflict e) {
                    state.all().forEach(processes::killQuietly);
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
                sentinel.awaitAgree(state.primary, deadline);
                sentinel.applyDownAfter(deadline);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not set up the topology in " + state.runDir + ": " + e.getMessage(), e);
        }
    }
}
