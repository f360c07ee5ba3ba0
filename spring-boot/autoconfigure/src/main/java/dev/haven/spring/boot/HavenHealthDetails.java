package dev.haven.spring.boot;

import dev.haven.Endpoint;
import dev.haven.Role;
import dev.haven.Topology;
import dev.haven.jdbc.HavenDataSource;
import dev.haven.jdbc.JdbcKeys;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The health details of a {@link HavenDataSource}, for the Boot 4 and Boot 3.5 health indicators alike. */
final class HavenHealthDetails {

    private HavenHealthDetails() {
    }

    /**
     * Fills {@code details} from the data source's snapshots and tells whether it is UP (a writer is known); shared with
     * the Spring Boot 3.5 indicator ({@link HavenBoot3HealthAutoConfiguration}). Free of either Boot's health API.
     */
    static boolean fill(HavenDataSource dataSource, HavenFailovers failovers, Map<String, Object> b) {
        b.put("cluster", dataSource.settings().get(JdbcKeys.CLUSTER_NAME));
        if (dataSource.isClosed()) {
            b.put("closed", true);
            return false;
        }
        Topology t = dataSource.topology();
        List<String> down = topology(t, b);
        Map<String, Long> lag = new LinkedHashMap<>();
        dataSource.replicaStaleness().forEach((id, d) -> lag.put(id, d.toMillis()));
        b.put("replicaLagMs", lag);
        if (!down.isEmpty()) {
            b.put("unreachableOrFenced", down);
        }
        Map<String, String> breakers = new LinkedHashMap<>(dataSource.breakerStates());
        breakers.values().removeIf("closed"::equals);
        if (!breakers.isEmpty()) {
            b.put("breakersNotClosed", breakers);
        }
        failovers(failovers, b);
        return t.writer().isPresent();
    }

    /**
     * A Redis or DynamoDB client's details from its topology snapshot (no I/O): cluster, topology version, the writer
     * (Redis: the primary; DynamoDB: the home region), every server's or region's role and those unreachable. UP with a
     * writer.
     */
    static boolean fillStore(String cluster, Topology t, HavenFailovers failovers, Map<String, Object> b) {
        b.put("cluster", cluster);
        List<String> down = topology(t, b);
        if (!down.isEmpty()) {
            b.put("unreachable", down);
        }
        failovers(failovers, b);
        return t.writer().isPresent();
    }

    /** Topology version, writer, replica count and every server's role into {@code b}; the ids of those unreachable. */
    private static List<String> topology(Topology t, Map<String, Object> b) {
        b.put("topologyVersion", t.version());
        b.put("writer", t.writer().map(Endpoint::id).orElse("none"));
        b.put("replicas", t.readers().size());
        Map<String, String> servers = new LinkedHashMap<>();
        List<String> down = new ArrayList<>();
        for (Endpoint e : t.endpoints()) {
            servers.put(e.id(), e.role().name().toLowerCase(Locale.ROOT));
            if (e.role() == Role.UNKNOWN) {
                down.add(e.id());
            }
        }
        b.put("servers", servers);
        return down;
    }

    /** The last failover and the one in progress, when there are. */
    private static void failovers(HavenFailovers failovers, Map<String, Object> b) {
        if (failovers == null) {
            return;
        }
        Map<String, Object> last = failovers.last();
        if (last != null) {
            b.put("lastFailover", last);
        }
        Map<String, Object> now = failovers.inProgress();
        if (now != null) {
            b.put("failoverInProgress", now);
        }
    }
}
