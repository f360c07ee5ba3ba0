package dev.haven.redis.internal;

import dev.haven.Endpoint;
import dev.haven.Role;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Discovery through chained replication (ElastiCache Global Datastore): the global primary's {@code INFO replication}
 * lists its own replicas only, among them each secondary region's primary; that region's replicas are listed by the
 * region's primary. The monitor learns new endpoints from the writer's probe, so the writer's probe reports the whole
 * tree below it, assembled from what every node said in its latest successful probe (one round old for nodes probed
 * after the writer, which is when new sub-replicas show up a round later than direct ones).
 *
 * <p>Regions: a node listed in the configuration keeps its configured region; any other node inherits the region of the
 * node it replicates from. That is right because the only replication links that cross regions are those into a
 * region's primary, and the configuration lists every region's primary (see {@code globalDatastoreRegion}).
 *
 * <p>Thread-safe: probes of one round run in parallel; each writes its own entry.
 */
final class ReplicationChain {

    private final Map<String, String> configuredRegion;
    private final Map<String, List<Endpoint>> reported = new ConcurrentHashMap<>();

    /** @param regions the configured nodes of each region */
    ReplicationChain(Map<String, List<Endpoint>> regions) {
        Map<String, String> byId = new HashMap<>();
        regions.forEach((region, nodes) -> nodes.forEach(n -> byId.put(n.id(), region)));
        this.configuredRegion = Map.copyOf(byId);
    }

    /** What {@code nodeId} listed as its replicas in its latest successful probe. */
    void reported(String nodeId, List<Endpoint> replicas) {
        reported.put(nodeId, List.copyOf(replicas));
    }

    /** {@code nodeId} did not answer: what it said before no longer counts. */
    void forget(String nodeId) {
        reported.remove(nodeId);
    }

    /** Every node below {@code root}, located, in breadth-first order. */
    List<Endpoint> below(Endpoint root) {
        return below(root, reported, configuredRegion);
    }

    /**
     * Breadth-first walk of the replication tree under {@code root} ({@code root} excluded; cycles, which a topology in
     * mid-change can show for a moment, are cut). Each node is located in its configured region, else in the region of
     * the node that lists it.
     */
    static List<Endpoint> below(Endpoint root, Map<String, List<Endpoint>> reported, Map<String, String> configuredRegion) {
        List<Endpoint> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        seen.add(root.id());
        Deque<Endpoint> queue = new ArrayDeque<>();
        queue.add(root.withLocation(configuredRegion.getOrDefault(root.id(), root.region()), root.zone()));
        while (!queue.isEmpty()) {
            Endpoint upstream = queue.poll();
            for (Endpoint r : reported.getOrDefault(upstream.id(), List.of())) {
                if (seen.add(r.id())) {
                    Endpoint located = r.withRole(Role.READER).withLocation(configuredRegion.getOrDefault(r.id(), upstream.region()), "");
                    out.add(located);
                    queue.add(located);
                }
            }
        }
        return out;
    }
}
