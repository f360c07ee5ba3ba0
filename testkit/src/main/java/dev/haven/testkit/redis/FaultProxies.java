package dev.haven.testkit.redis;

import dev.haven.testkit.redis.internal.RedisProxy;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.netcrusher.core.reactor.NioReactor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fault proxies of one topology, all on one reactor: one in front of every node, and in ElastiCache mode the
 * primary endpoint. They tell replication connections from client ones by their source address (each data node's
 * {@link RedisNode#sourceAddress()}), and freeze the replication links of the sources the test paused.
 */
final class FaultProxies {

    private static final Logger LOG = LoggerFactory.getLogger(RedisTopology.class);

    private final NioReactor reactor;
    private final Set<InetAddress> pausedSources = ConcurrentHashMap.newKeySet();
    private final Set<InetAddress> replicationSources = ConcurrentHashMap.newKeySet();
    private volatile RedisProxy endpoint;

    FaultProxies(NioReactor reactor) {
        this.reactor = reactor;
    }

    /** Connections from {@code n}'s source address are replication from now on. */
    void addReplicationSource(RedisNode n) throws UnknownHostException {
        replicationSources.add(InetAddress.getByName(n.sourceAddress()));
    }

    /** (Re)opens {@code n}'s proxy on a fresh port towards its direct port. */
    void open(RedisNode n) {
        RedisProxy old = n.proxy;
        if (old != null) {
            old.close();
        }
        Predicate<InetAddress> replication = replicationSources::contains;
        n.proxy = RedisProxy.open(reactor, 0, "127.0.0.1", n.directPort, replication, pausedSources);
    }

    /** (Re)opens the primary endpoint on its port (a fresh one the first time) towards {@code target}'s proxy. */
    void flipEndpoint(RedisNode target) {
        RedisProxy old = endpoint;
        int port = 0;
        if (old != null) {
            port = old.port();
            old.close();
        }
        // the endpoint forwards to the node's fault proxy, so node faults apply to it too; its own connections come
        // from 127.0.0.1 and are "client" connections there
        endpoint = RedisProxy.open(reactor, port, "127.0.0.1", target.port(), a -> false, pausedSources);
    }

    /** The primary endpoint's address; null before it is opened (and always outside ElastiCache mode). */
    HostAndPort endpointAddress() {
        RedisProxy e = endpoint;
        return e == null ? null : new HostAndPort("127.0.0.1", e.port());
    }

    /** Whether the test paused the replication link of {@code replica}. */
    boolean isPaused(RedisNode replica) {
        return pausedSources.contains(sourceOf(replica));
    }

    /** Freezes {@code replica}'s replication link at every data node's proxy, now and when it connects later. */
    void pauseReplication(RedisNode replica, List<RedisNode> dataNodes) {
        pausedSources.add(sourceOf(replica));
        dataNodes.forEach(n -> n.proxy.applyPauses());
    }

    /** Lets {@code replica}'s replication link flow again at every data node's proxy. */
    void resumeReplication(RedisNode replica, List<RedisNode> dataNodes) {
        pausedSources.remove(sourceOf(replica));
        dataNodes.forEach(n -> n.proxy.applyPauses());
    }

    /** Forgets a pause of {@code n}'s link without touching the proxies: it is promoted and replicates from nobody. */
    void forgetPause(RedisNode n) {
        pausedSources.remove(sourceOf(n));
    }

    /** Closes the proxies of {@code nodes}, the primary endpoint and the reactor. */
    void close(List<RedisNode> nodes) {
        List<RedisProxy> proxies = new ArrayList<>();
        nodes.forEach(n -> proxies.add(n.proxy));
        proxies.add(endpoint);
        for (RedisProxy proxy : proxies) {
            if (proxy != null) {
                try {
                    proxy.close();
                } catch (RuntimeException e) {
                    LOG.debug("closing proxy", e);
                }
            }
        }
        reactor.close();
    }

    private static InetAddress sourceOf(RedisNode n) {
        try {
            return InetAddress.getByName(n.sourceAddress());
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
