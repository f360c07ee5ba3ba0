package dev.haven.dynamodb.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClientBuilder;

/**
 * One SDK client per region, by region name: the caller's where given, else one Haven builds over a
 * {@link CancellableHttpClient}. Both the request path ({@link RegionExecutor}) and the cluster's monitor
 * ({@link HeartbeatMonitor}) hold a set of their own; {@link #close()} closes the clients it owns and the HTTP clients
 * it built.
 */
final class RegionClients implements AutoCloseable {

    /** Logs under the engine's name, as before this class was split off {@link RegionExecutor}. */
    private static final Logger log = LoggerFactory.getLogger(RegionExecutor.class);

    private final Map<String, DynamoDbClient> clients = new LinkedHashMap<>();
    /** The clients {@link #close()} closes, each once (a caller's client may serve several regions). */
    private final List<DynamoDbClient> owned = new ArrayList<>();
    /** Regions whose SDK client Haven built over a {@link CancellableHttpClient}. */
    private final Set<String> cancellable = new HashSet<>();
    private final List<CancellableHttpClient> httpClients = new ArrayList<>();

    private RegionClients() {
    }

    /**
     * The clients of {@code settings}' regions: the caller's where given (owned, i.e. closed by {@link #close()}, only
     * with {@code ownUserClients}), else built. When building one fails, the ones built so far are closed.
     */
    static RegionClients open(DynamoDbSettings settings, boolean ownUserClients) {
        RegionClients rc = new RegionClients();
        try {
            for (DynamoDbSettings.RegionSpec r : settings.regions()) {
                DynamoDbClient c = r.client() != null ? r.client() : build(settings, r, rc.httpClients);
                if (r.client() == null) {
                    rc.cancellable.add(r.name());
                }
                rc.clients.put(r.name(), c);
                if (r.client() == null || ownUserClients) {
                    rc.own(c);
                }
            }
        } catch (RuntimeException | Error e) {
            rc.close();
            throw e;
        }
        return rc;
    }

    private void own(DynamoDbClient c) {
        for (DynamoDbClient o : owned) {
            if (o == c) {
                return;
            }
        }
        owned.add(c);
    }

    private static DynamoDbClient build(DynamoDbSettings settings, DynamoDbSettings.RegionSpec r, List<CancellableHttpClient> httpClients) {
        Duration attempt = settings.apiCallAttemptTimeout();
        CancellableHttpClient http = settings.httpClient() != null
                ? new CancellableHttpClient(settings.httpClient(), false)
                : new CancellableHttpClient(UrlConnectionHttpClient.builder().connectionTimeout(attempt).socketTimeout(attempt).build(), true);
        httpClients.add(http); // the SDK does not close an HTTP client it was given
        DynamoDbClientBuilder b = DynamoDbClient.builder()
                .region(Region.of(r.name()))
                .httpClient(http)
                // Haven retries (classified, budgeted, in another region); the SDK must not retry underneath.
                .overrideConfiguration(o -> o.apiCallTimeout(settings.apiCallTimeout())
                        .apiCallAttemptTimeout(attempt)
                        .retryStrategy(AwsRetryStrategy.doNotRetry()));
        if (r.endpoint() != null) {
            b.endpointOverride(r.endpoint());
        }
        if (settings.credentials() != null) {
            b.credentialsProvider(settings.credentials());
        }
        return b.build();
    }

    /** The client of {@code region}. */
    DynamoDbClient get(String region) {
        return clients.get(region);
    }

    /** The clients by region name, in the order of the settings. */
    Map<String, DynamoDbClient> byRegion() {
        return clients;
    }

    /** Whether Haven built the client of {@code region}, so that a call in it can be cancelled. */
    boolean cancellable(String region) {
        return cancellable.contains(region);
    }

    /** Closes the clients this set owns, then the HTTP clients it built. */
    @Override
    public void close() {
        for (DynamoDbClient c : owned) {
            try {
                c.close();
            } catch (RuntimeException e) {
                log.debug("closing a DynamoDB client", e);
            }
        }
        for (CancellableHttpClient h : httpClients) {
            try {
                h.close();
            } catch (RuntimeException e) {
                log.debug("closing an HTTP client", e);
            }
        }
    }
}
