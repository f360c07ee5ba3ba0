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
 * {@code management.endpoints.web.exposure.include=haven}): the live topology of each Haven store of the application
 * as its monitor last saw it (servers, roles, locations, each replica's measured lag, each server's circuit breaker),
 * the last failover (when, the writer before and after, how long there was none) and one under way, and every setting
 * in force, secrets shown as {@code ***}. The data source's view is the document itself (its provider in use too); a
 * {@code HavenRedisClient}'s is under {@code "redis"}, a {@code HavenDynamoDbClient}'s (regions; the home region is the
 * writer) under {@code "dynamodb"}. Read from snapshots: it never takes a connection nor sends a request.
 *
 * <pre>{@code
 * {"cluster":"orders","provider":"postgres","closed":false,"topologyVersion":7,"writer":"db-2:5432",
 *  "servers":[{"id":"db-1:5432","role":"reader","region":null,"zone":null,"lagMs":12,"breaker":"closed"}, ...],
 *  "lastFailover":{"at":"2026-11-30T21:04:05Z","from":"db-1:5432","to":"db-2:5432","durationMs":1240},
 *  "failoverInProgress":null,
 *  "settings":{"haven.jdbc.url":"***","haven.jdbc.probe-interval":"1s", ...},
 *  "redis":{"cluster":"orders-cache","topologyVersion":3,"writer":"cache-1:6379","servers":[...], ...},
 *  "dynamodb":{"cluster":"orders-status","topologyVersion":2,"writer":"us-east-1","servers":[...], ...}}
 * }</pre>
 */
@org.springframework.boot.actuate.endpoint.annotation.Endpoint(id = "haven")
public final class HavenEndpoint {

    /** One store's part of the document: {@code name} {@code null} for the data source (the document itself). */
    interface StoreView {
        String name();

        Map<String, Object> view();
    }

    private final List<StoreView> stores;

    public HavenEndpoint(HavenDataSource dataSource) {
        this(dataSource, null);
    }

    HavenEndpoint(HavenDataSource dataSource, HavenFailovers failovers) {
        this(List.of(jdbc(Objects.requireNonNull(dataSource, "dataSource"), failovers)));
    }

    HavenEndpoint(List<StoreView> stores) {
        this.stores = List.copyOf(stores);
    }

    @ReadOperation
    public Map<String, Object> topology() {
        Map<String, Object> out = new LinkedHashMap<>();
        for (StoreView s : stores) {
            if (s.name() == null) {
                Map<String, Object> own = new LinkedHashMap<>(s.view());
                own.putAll(out);
                out = own; // the data source's keys first
            } else {
                out.put(s.name(), s.view());
            }
        }
        return out;
    }

    /** The data source's view, with {@code failovers} (or none). */
    static StoreView jdbc(HavenDataSource dataSource, HavenFailovers failovers) {
        return new StoreView() {
            @Override
            public String name() {
                return null;
            }

            @Override
            public Map<String, Object> view() {
                JdbcProvider provider = dataSource.provider();
                return HavenEndpoint.view(dataSource.settings(), JdbcKeys.CLUSTER_NAME,
                        provider == null ? "custom" : JdbcKeys.PROVIDER.format(provider), dataSource.isClosed(),
                        dataSource.topology(), dataSource.replicaStaleness(), dataSource.breakerStates(), failovers);
            }
        };
    }

    /**
     * A store's view: its cluster name, the provider and whether it is closed ({@code null}: not shown), the servers with
     * their role, location, lag and breaker, the failovers and the settings in force.
     */
    static Map<String, Object> view(Settings settings, Setting<String> clusterName, String provider, Boolean closed, Topology t,
            Map<String, Duration> lag, Map<String, String> breakers, HavenFailovers failovers) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("cluster", settings.get(clusterName));
        if (provider != null) {
            out.put("provider", provider);
        }
        if (closed != null) {
            out.put("closed", closed);
        }
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
        out.put("settings", settings(settings));
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
