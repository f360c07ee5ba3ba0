package dev.haven.dynamodb.internal;

import dev.haven.Endpoint;
import dev.haven.Role;
import dev.haven.engine.EventBus;
import dev.haven.engine.MonitorRegistry;
import dev.haven.engine.MonitorSettings;
import dev.haven.engine.TopologyMonitor;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableResponse;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * The cluster's {@link TopologyMonitor}, one per JVM ({@link MonitorRegistry}): its key and settings, and its start
 * (heartbeat clients, heartbeat table check, {@link HeartbeatTopologyProvider}) for the first client on it.
 */
final class HeartbeatMonitor {

    /** Logs under the engine's name, as before this class was split off {@link RegionExecutor}. */
    private static final Logger log = LoggerFactory.getLogger(RegionExecutor.class);

    private HeartbeatMonitor() {
    }

    /** A lease on the cluster's monitor, started now if no other client of the cluster runs it. */
    static MonitorRegistry.Lease acquire(DynamoDbSettings settings, EventBus events) {
        MonitorSettings ms = monitorSettings(settings);
        return MonitorRegistry.jvm().acquire(monitorKey(settings), ms, Map.of(), events, bus -> startMonitor(settings, ms, bus));
    }

    private static int lagHistory(DynamoDbSettings s) {
        return MonitorSettings.lagHistoryFor(Duration.ofSeconds(10), s.fastProbeInterval());
    }

    private static MonitorSettings monitorSettings(DynamoDbSettings settings) {
        CircuitBreakerConfig breaker = dev.haven.config.CommonKeys.breakerConfig(settings.keys());
        List<Endpoint> seeds = new ArrayList<>();
        for (DynamoDbSettings.RegionSpec r : settings.regions()) {
            seeds.add(seed(r));
        }
        return new MonitorSettings(settings.clusterName(), seeds, e -> e,
                settings.probeInterval(), settings.fastProbeInterval(), settings.lagProbeInterval(), Duration.ofSeconds(5),
                settings.probeTimeout(), lagHistory(settings), breaker, settings.ticker(), settings.clock());
    }

    /**
     * A region as an endpoint: its id and region are the region's name; its address is where its requests go, the
     * endpoint override (Haven's, or the one the caller's client was built with) when there is one, else the region's
     * public endpoint. Events and logs name that address: {@code dynamodb.us-east-1:443} for a region served by
     * DynamoDB Local at {@code 127.0.0.1:8000} sent operators to the wrong place.
     */
    static Endpoint seed(DynamoDbSettings.RegionSpec r) {
        URI override = r.endpoint();
        if (override == null && r.client() != null) {
            try {
                override = r.client().serviceClientConfiguration().endpointOverride().orElse(null);
            } catch (RuntimeException e) { // a client that cannot say (a test double): the public endpoint
                override = null;
            }
        }
        if (override == null || override.getHost() == null) {
            return new Endpoint(r.name(), "dynamodb." + r.name(), 443, Role.UNKNOWN, r.name(), "");
        }
        int port = override.getPort() >= 0 ? override.getPort() : "http".equalsIgnoreCase(override.getScheme()) ? 80 : 443;
        return new Endpoint(r.name(), override.getHost(), port, Role.UNKNOWN, r.name(), "");
    }

    /**
     * The cluster as far as its monitor goes: the regions (names with their endpoints, or the SDK clients given for
     * them), the home region, the heartbeat table, and what the heartbeat clients are built with (credentials provider
     * and HTTP client instances, timeouts) and the clock.
     */
    static MonitorRegistry.Key monitorKey(DynamoDbSettings s) {
        return new MonitorRegistry.Key("dynamodb", s.clusterName(), "home " + s.homeRegion() + ", regions " + s.regions()
                + ", heartbeat table " + s.heartbeatTable(), java.util.Arrays.asList(s.regions(), s.homeRegion(),
                s.heartbeatTable(), s.credentials(), s.httpClient(), s.apiCallTimeout(), s.apiCallAttemptTimeout(), s.ticker(),
                s.clock()));
    }

    /**
     * Starts the cluster's monitor for the first client on it: its own SDK clients for the regions Haven builds (the
     * caller's clients where given), the heartbeat table check (fails fast) and the heartbeat provider. They belong to
     * the monitor and outlive the client that started it; when the monitor stops, with the last client of the cluster,
     * its heartbeat item is deleted and its clients closed.
     */
    private static MonitorRegistry.Started startMonitor(DynamoDbSettings settings, MonitorSettings ms, EventBus bus) {
        RegionClients probeClients = RegionClients.open(settings, false);
        TopologyMonitor m = null;
        try {
            String hashKey = checkHeartbeatTable(settings, probeClients.byRegion());
            HeartbeatTopologyProvider heartbeat = new HeartbeatTopologyProvider(settings.homeRegion(), probeClients.byRegion(),
                    settings.heartbeatTable(), hashKey, settings.clusterName(), settings.clock());
            m = new TopologyMonitor(ms, heartbeat, bus);
            m.start();
            TopologyMonitor monitor = m;
            return new MonitorRegistry.Started(m, () -> {
                if (monitor.snapshot().states().stream().anyMatch(s -> s.id().equals(settings.homeRegion()) && s.up())) {
                    try {
                        heartbeat.deleteItem(settings.probeTimeout());
                    } catch (RuntimeException e) {
                        log.debug("Haven {}: could not delete heartbeat item {} (its TTL attribute will)", settings.clusterName(),
                                heartbeat.itemKey(), e);
                    }
                }
                probeClients.close();
            });
        } catch (RuntimeException | Error e) {
            if (m != null) {
                m.close();
            }
            probeClients.close();
            throw e;
        }
    }

    /**
     * Fails fast when the heartbeat table is missing in a region that answers, and finds its hash key. Regions that
     * do not answer now are left to the monitor (they start as down).
     */
    private static String checkHeartbeatTable(DynamoDbSettings settings, Map<String, DynamoDbClient> clients) {
        String table = settings.heartbeatTable();
        String hashKey = null;
        List<String> unreachable = new ArrayList<>();
        for (var e : clients.entrySet()) {
            DescribeTableResponse d;
            try {
                d = e.getValue().describeTable(b -> b.tableName(table).overrideConfiguration(o -> o
                        .apiCallTimeout(settings.apiCallTimeout()).apiCallAttemptTimeout(settings.apiCallTimeout())));
            } catch (ResourceNotFoundException nf) {
                throw new IllegalArgumentException("haven.dynamodb.heartbeat-table must name an existing global table: '"
                        + table + "' does not exist in region " + e.getKey()
                        + " (create it with a single String hash key in every region, as a global table)");
            } catch (SdkException unreachableNow) {
                unreachable.add(e.getKey() + ": " + unreachableNow.getClass().getSimpleName());
                continue;
            }
            List<KeySchemaElement> keys = d.table().keySchema();
            if (keys.size() != 1 || keys.get(0).keyType() != KeyType.HASH) {
                throw new IllegalArgumentException("haven.dynamodb.heartbeat-table must have a single hash key and no sort key: '"
                        + table + "' has " + keys + " in region " + e.getKey());
            }
            String k = keys.get(0).attributeName();
            d.table().attributeDefinitions().stream().filter(a -> a.attributeName().equals(k)).findFirst().ifPresent(a -> {
                if (a.attributeType() != ScalarAttributeType.S) {
                    throw new IllegalArgumentException("haven.dynamodb.heartbeat-table must have a String hash key: '"
                            + table + "' has " + k + " of type " + a.attributeTypeAsString() + " in region " + e.getKey());
                }
            });
            hashKey = k;
        }
        if (hashKey == null) {
            throw new IllegalArgumentException("haven.dynamodb.heartbeat-table could not be checked: no region answered "
                    + "DescribeTable('" + table + "') " + unreachable);
        }
        if (!unreachable.isEmpty()) {
            log.warn("Haven {}: could not check heartbeat table '{}' in {}; those regions start as down",
                    settings.clusterName(), table, unreachable);
        }
        return hashKey;
    }
}
