package dev.haven.spring.boot;

import dev.haven.Endpoint;
import dev.haven.Topology;
import dev.haven.config.Setting;
import dev.haven.config.Settings;
import dev.haven.jdbc.HavenDataSource;
import dev.haven.jdbc.JdbcKeys;
import dev.haven.jdbc.JdbcProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * The {@code haven} actuator endpoint ({@code /actuator/haven} once exposed with
 * {@code management.endpoints.web.exposure.include=haven}): the live topology of the data source as its monitor last
 * saw it (servers, roles, locations, each replica's measured lag, each server's circuit breaker), the last failover
 * (when, the writer before and after, how long there was none) and one under way, the provider in use and every
 * {@code haven.jdbc.*} setting in force, secrets shown as {@code ***}. Read from snapshots: it never takes a
 * connection.
 *
 * <pre>{@code
 * {"cluster":"orders","provider":"postgres","topologyVersion":7,"writer":"db-2:5432",
 *  "servers":[{"id":"db-1:5432","role":"reader","region":null,"zone":null,"lagMs":12,"breaker":"closed"}, ...],
 *  "lastFailover":{"at":"2026-11-30T21:04:05Z","from":"db-1:5432","to":"db-2:5432","durationMs":1240},
 *  "failoverInProgress":null,
 *  "settings":{"haven.jdbc.url":"***","haven.jdbc.probe-interval":"1s", ...}}
 * }</pre>
 */
@org.springframework.boot.actuate.endpoint.annotation.Endpoint(id = "haven")
public final class HavenEndpoint {

    private final HavenDataSource dataSource;
    private final HavenFailovers failovers;

    public HavenEndpoint(HavenDataSource dataSource) {
        this(dataSource, null);
    }

    HavenEndpoint(HavenDataSource dataSource, HavenFailovers failovers) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.failovers = failovers;
    }

    @ReadOperation
    public Map<String, Object> topology() {
        Topology t = dataSource.topology();
        Map<String, Duration> lag = dataSource.replicaStaleness();
        Map<String, String> breakers = dataSource.breakerStates();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("cluster", dataSource.settings().get(JdbcKeys.CLUSTER_NAME));
        JdbcProvider provider = dataSource.provider();
        out.put("provider", provider == null ? "custom" : JdbcKeys.PROVIDER.format(provider));
        out.put("closed", dataSource.isClosed());
        out.put("topologyVersion", t.version());
        out.put("writer", t.writer().map(Endpoint::id).orElse(null));
        List<Map<String, Object>> servers = new ArrayList<>();
        for (Endpoint e : t.endpoints()) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("id", e.id());
            s.put("role", e.role().name().toLowerCase(Locale.ROOT));
            s.put("region", e.region());
            s.put("zone", e.zone());
            Duration d = lag.get(e.id());
            s.put("lagMs", d == null ? null : d.toMillis());
            s.put("breaker", breakers.get(e.id()));
            servers.add(s);
        }
        out.put("servers", servers);
        out.put("lastFailover", failovers == null ? null : failovers.last());
        out.put("failoverInProgress", failovers == null ? null : failovers.inProgress());
        out.put("settings", settings(dataSource.settings()));
        return out;
    }

    private static Map<String, String> settings(Settings settings) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Setting<?> s : settings.spec().settings()) {
            if (s.deprecation() == null) {
                out.put(settings.spec().prefix() + s.key(), format(settings, s));
            }
        }
        return out;
    }

    private static <T> String format(Settings settings, Setting<T> s) {
        T value = settings.get(s);
        return value == null ? null : s.format(value); // a secret formats as ***
    }
}
