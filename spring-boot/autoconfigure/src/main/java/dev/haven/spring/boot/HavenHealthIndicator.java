package dev.haven.spring.boot;

import dev.haven.jdbc.HavenDataSource;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Health of a {@link HavenDataSource} from its topology monitor's last snapshot: no connection is taken and nothing
 * waits, so the health endpoint answers at once even while no writer is known (a connection-based check would wait
 * {@code writer-wait} for one). UP with a writer, DOWN without one; the details name the cluster, the writer and every
 * server with its role ({@code unknown}: down or fenced) and each replica's measured lag behind the writer
 * ({@link HavenDataSource#replicaStaleness()}), the servers whose circuit breaker is not closed, the last failover
 * (when, the writer before and after, how long there was none) and one under way; never a URL or a credential.
 *
 * <pre>{@code
 * {"status":"UP","details":{"cluster":"orders","topologyVersion":7,"writer":"db-2:5432",
 *   "replicas":1,"servers":{"db-1:5432":"unknown","db-2:5432":"writer","db-3:5432":"reader"},
 *   "replicaLagMs":{"db-3:5432":12}}}
 * }</pre>
 */
public final class HavenHealthIndicator implements HealthIndicator {

    private final HavenDataSource dataSource;
    private final HavenFailovers failovers;

    public HavenHealthIndicator(HavenDataSource dataSource) {
        this(dataSource, null);
    }

    HavenHealthIndicator(HavenDataSource dataSource, HavenFailovers failovers) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.failovers = failovers;
    }

    @Override
    public Health health() {
        Map<String, Object> details = new LinkedHashMap<>();
        Health.Builder b = HavenHealthDetails.fill(dataSource, failovers, details) ? Health.up() : Health.down();
        return b.withDetails(details).build();
    }
}
