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
import java.util.Objects;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Health of a {@link HavenDataSource} from its topology monitor's last snapshot: no connection is taken and nothing
 * waits, so the health endpoint answers at once even while no writer is known (a connection-based check would wait
 * {@code writer-wait} for one). UP with a writer, DOWN without one; the details name the cluster, the writer and every
 * server with its role ({@code unknown}: down or fenced) and each replica's measured lag behind the writer
 * ({@link HavenDataSource#replicaStaleness()}), never a URL or a credential.
 *
 * <pre>{@code
 * {"status":"UP","details":{"cluster":"orders","topologyVersion":7,"writer":"db-2:5432",
 *   "replicas":1,"servers":{"db-1:5432":"unknown","db-2:5432":"writer","db-3:5432":"reader"},
 *   "replicaLagMs":{"db-3:5432":12}}}
 * }</pre>
 */
public final class HavenHealthIndicator implements HealthIndicator {

    private final HavenDataSource dataSource;

    public HavenHealthIndicator(HavenDataSource dataSource) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    }

    @Override
    public Health health() {
        if (dataSource.isClosed()) {
            return Health.down().withDetail("cluster", dataSource.settings().get(JdbcKeys.CLUSTER_NAME))
                    .withDetail("closed", true).build();
        }
        Topology t = dataSource.topology();
        Health.Builder b = t.writer().isPresent() ? Health.up() : Health.down();
        b.withDetail("cluster", dataSource.settings().get(JdbcKeys.CLUSTER_NAME));
        b.withDetail("topologyVersion", t.version());
        b.withDetail("writer", t.writer().map(Endpoint::id).orElse("none"));
        b.withDetail("replicas", t.readers().size());
        Map<String, String> servers = new LinkedHashMap<>();
        List<String> down = new ArrayList<>();
        for (Endpoint e : t.endpoints()) {
            servers.put(e.id(), e.role().name().toLowerCase(Locale.ROOT));
            if (e.role() == Role.UNKNOWN) {
                down.add(e.id());
            }
        }
        b.withDetail("servers", servers);
        Map<String, Long> lag = new LinkedHashMap<>();
        dataSource.replicaStaleness().forEach((id, d) -> lag.put(id, d.toMillis()));
        b.withDetail("replicaLagMs", lag);
        if (!down.isEmpty()) {
            b.withDetail("unreachableOrFenced", down);
        }
        return b.build();
    }
}
