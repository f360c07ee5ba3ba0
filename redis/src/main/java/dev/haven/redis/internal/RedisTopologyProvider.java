package dev.haven.redis.internal;

import dev.haven.Endpoint;
import dev.haven.Position;
import dev.haven.Role;
import dev.haven.Ticker;
import dev.haven.spi.Probe;
import dev.haven.spi.TopologyProvider;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Probes Redis nodes for the core {@code TopologyMonitor}: {@code INFO replication} on a probe connection of its
 * own per node (so a probe never queues behind application traffic) gives the role, the replication offset
 * ({@code master_repl_offset} of the master, the processed {@code slave_repl_offset} of a replica) and the replicas
 * a master knows (their announced addresses).
 *
 * <p>Epoch (which of two nodes claiming to be master is trusted):
 * <ul>
 *   <li>With Sentinel, Sentinel's {@code config-epoch} of the master: the node Sentinel names as master gets it,
 *       any other node claiming the role gets one less. Sentinel's epoch is the result of its consensus, so it is
 *       the only answer that holds when a killed primary comes back up still believing it is the master.</li>
 *   <li>Without Sentinel (static nodes, ElastiCache), the number of replicas streaming from the node
 *       ({@code state=online}): the cluster's choice is visible to a client as the master the replicas follow. A
 *       generation counter bumped whenever a new master appears would be wrong exactly then: a restarted, empty
 *       former primary is the newest master to appear, yet it is the one to distrust. On a tie the monitor keeps the
 *       current writer.</li>
 * </ul>
 *
 * <p>ElastiCache mode: writes go through the primary endpoint (a DNS name re-pointed on failover), so a directly
 * addressed node that says it is master is reported as {@link Role#UNKNOWN} (no reads, no writes through its own
 * address); when the endpoint answers as a replica (the DNS name has moved but this connection has not), the probe
 * connection is dropped and the probe repeated once through a fresh connection, which resolves the name again.
 *
 * <p>Global Datastore mode: the writer's probe reports every node of the replication tree below it, sub-replicas of
 * secondary regions included, each located in its region ({@link ReplicationChain}). The epoch stays the number of
 * replicas streaming from a master: a promoted region's primary is the only master once the old global primary
 * replicates from it; in between, on a tie, the monitor keeps the current writer.
 */
final class RedisTopologyProvider implements TopologyProvider {

    /**
     * Where a probe's {@code INFO replication} comes from: a probe connection per node in production, simulated nodes in
     * {@code RedisSimulationTest}.
     */
    interface InfoSource {
        /** {@code INFO replication} of {@code endpoint}, parsed; a failure drops the node's probe connection. */
        ReplicationInfo info(Endpoint endpoint, Duration timeout) throws Exception;

        /** Drops the probe connection to {@code endpoint}: the next probe connects (and resolves its name) again. */
        void discard(Endpoint endpoint);

        void close();
    }

    private final InfoSource nodes;
    private final SentinelView sentinel; // null without Sentinel
    private final String primaryEndpointId; // ElastiCache mode, else null
    private final ReplicationChain chain; // Global Datastore mode, else null
    private final Ticker ticker;

    RedisTopologyProvider(RedisClient client, Function<Endpoint, RedisURI> uriFor, SentinelView sentinel,
            String primaryEndpointId, ReplicationChain chain, Ticker ticker) {
        this(new ProbeConnections(client, uriFor), sentinel, primaryEndpointId, chain, ticker);
    }

    RedisTopologyProvider(InfoSource nodes, SentinelView sentinel, String primaryEndpointId, ReplicationChain chain,
            Ticker ticker) {
        this.nodes = nodes;
        this.sentinel = sentinel;
        this.primaryEndpointId = primaryEndpointId;
        this.chain = chain;
        this.ticker = ticker;
    }

    @Override
    public Probe probe(Endpoint endpoint, Duration timeout) throws Exception {
        ReplicationInfo info;
        try {
            info = nodes.info(endpoint, timeout);
        } catch (Exception e) {
            if (chain != null) {
                chain.forget(endpoint.id());
            }
            throw e;
        }
        boolean isPrimaryEndpoint = endpoint.id().equals(primaryEndpointId);
        if (isPrimaryEndpoint && info.role() != Role.WRITER) {
            discard(endpoint); // DNS flip: reconnect, resolving the name again
            info = nodes.info(endpoint, timeout);
        }
        Role role = info.role();
        if (primaryEndpointId != null && !isPrimaryEndpoint && role == Role.WRITER) {
            role = Role.UNKNOWN;
        }
        List<Endpoint> discovered = new ArrayList<>(info.replicas());
        if (chain != null) {
            chain.reported(endpoint.id(), info.replicas());
            if (role == Role.WRITER) {
                discovered = new ArrayList<>(chain.below(endpoint));
            }
        }
        long epoch = 0;
        if (sentinel != null) {
            SentinelView.Master m = sentinel.master(ticker.nanoTime());
            if (role == Role.WRITER && m.id().equals(endpoint.id()) && !m.failingOver()) {
                epoch = m.configEpoch();
            } else if (role == Role.WRITER && m.failingOver()) {
                // The Sentinel asked leads a failover away from the master it names: writes wait for the new primary
                // (the other Sentinels switch on its hello and announce it with +switch-master).
                role = Role.UNKNOWN;
            } else if (role == Role.WRITER) {
                // Claims master, but the Sentinels name another node: an old primary back up before they reconfigure
                // it, or a node promoted behind their back. Never the writer, also when the named one cannot be
                // reached: its writes would be dropped when the Sentinels make it a replica.
                role = Role.UNKNOWN;
            }
            discovered.addAll(m.replicas());
            discovered.add(Endpoint.of(m.host(), m.port()));
        } else if (role == Role.WRITER) {
            epoch = info.onlineReplicas();
        }
        List<Endpoint> unique = new ArrayList<>(discovered.size());
        for (Endpoint d : discovered) {
            if (!d.id().equals(endpoint.id()) && unique.stream().noneMatch(u -> u.id().equals(d.id()))) {
                unique.add(d);
            }
        }
        return new Probe(role, epoch, info.offset() == Long.MIN_VALUE ? null : Position.offset(info.offset()), unique);
    }

    @Override
    public void discard(Endpoint endpoint) {
        nodes.discard(endpoint);
    }

    @Override
    public void close() {
        nodes.close();
    }

    /** A probe connection of its own per node. */
    private static final class ProbeConnections implements InfoSource {
        private final RedisClient client;
        private final Function<Endpoint, RedisURI> uriFor;
        private final Map<String, StatefulRedisConnection<String, String>> connections = new ConcurrentHashMap<>();
        private volatile boolean closed;

        ProbeConnections(RedisClient client, Function<Endpoint, RedisURI> uriFor) {
            this.client = client;
            this.uriFor = uriFor;
        }

        @Override
        public ReplicationInfo info(Endpoint endpoint, Duration timeout) throws Exception {
            StatefulRedisConnection<String, String> c = connection(endpoint, timeout);
            try {
                return ReplicationInfo.parse(c.async().info("replication").get(timeout.toNanos(), TimeUnit.NANOSECONDS));
            } catch (Exception e) {
                discard(endpoint);
                throw e;
            }
        }

        private StatefulRedisConnection<String, String> connection(Endpoint endpoint, Duration timeout) {
            StatefulRedisConnection<String, String> c = connections.get(endpoint.id());
            if (c != null && c.isOpen()) {
                return c;
            }
            if (closed) {
                throw new IllegalStateException("provider closed");
            }
            RedisURI uri = uriFor.apply(endpoint);
            uri.setTimeout(timeout);
            c = client.connect(StringCodec.UTF8, uri);
            StatefulRedisConnection<String, String> previous = connections.put(endpoint.id(), c);
            if (previous != null && previous != c) {
                previous.closeAsync();
            }
            return c;
        }

        @Override
        public void discard(Endpoint endpoint) {
            StatefulRedisConnection<String, String> c = connections.remove(endpoint.id());
            if (c != null) {
                c.closeAsync();
            }
        }

        @Override
        public void close() {
            closed = true;
            List<java.util.concurrent.CompletableFuture<Void>> closing = new java.util.ArrayList<>();
            for (String id : connections.keySet()) {
                StatefulRedisConnection<String, String> c = connections.remove(id);
                if (c != null) {
                    closing.add(c.closeAsync());
                }
            }
            // Closed before the probe client shuts down, or it closes them again (and Lettuce warns).
            NodeConnection.awaitClosed(closing, java.time.Duration.ofSeconds(2));
        }
    }
}
