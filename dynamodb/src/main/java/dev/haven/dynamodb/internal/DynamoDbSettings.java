package dev.haven.dynamodb.internal;

import dev.haven.Ticker;
import dev.haven.config.Settings;
import dev.haven.dynamodb.DynamoDbKeys;
import dev.haven.engine.RetryPolicy;
import dev.haven.engine.StoreSettings;
import dev.haven.event.HavenEventListener;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Validated settings of a {@code HavenDynamoDbClient}: the {@link DynamoDbKeys} values and what is not a key (the
 * regions with their endpoints or clients, credentials, the HTTP client, listeners, time sources); validation is the
 * builder's job. {@code toString} never shows credentials. {@code hedge.delay} is {@code null} for the adaptive
 * delay, {@code itemCacheMaxAge()} {@code null} without item cache; {@code httpClient()} is the caller's (never
 * closed by Haven) or {@code null} for one URLConnection client per region, built and closed by Haven.
 */
public final class DynamoDbSettings extends StoreSettings {

    /** One region: Haven builds its client (from {@code endpoint}, may be null) unless {@code client} is given. */
    public record RegionSpec(String name, URI endpoint, DynamoDbClient client) {
        @Override
        public String toString() {
            return name + (client != null ? "(user client)" : endpoint != null ? "(" + endpoint + ")" : "");
        }
    }

    private final List<RegionSpec> regions;
    private final AwsCredentialsProvider credentials;
    private final SdkHttpClient httpClient;
    private final String localRegion;

    public DynamoDbSettings(Settings keys, List<RegionSpec> regions, AwsCredentialsProvider credentials,
            SdkHttpClient httpClient, String localRegion, List<HavenEventListener> listeners, Ticker ticker, Clock clock) {
        super(keys, listeners, ticker, clock, RetryPolicy.of(keys, DynamoDbKeys.DEADLINE));
        this.regions = regions;
        this.credentials = credentials;
        this.httpClient = httpClient;
        this.localRegion = localRegion;
    }

    public String homeRegion() {
        return keys().get(DynamoDbKeys.HOME_REGION);
    }

    public List<RegionSpec> regions() {
        return regions;
    }

    public AwsCredentialsProvider credentials() {
        return credentials;
    }

    public SdkHttpClient httpClient() {
        return httpClient;
    }

    public String localRegion() {
        return localRegion;
    }

    public Duration apiCallTimeout() {
        return keys().get(DynamoDbKeys.DEADLINE);
    }

    public Duration apiCallAttemptTimeout() {
        return keys().get(DynamoDbKeys.ATTEMPT_TIMEOUT);
    }

    public Duration lagProbeInterval() {
        return keys().get(DynamoDbKeys.LAG_PROBE_INTERVAL);
    }

    public Duration lagMargin() {
        return keys().get(DynamoDbKeys.LAG_MARGIN);
    }

    public String heartbeatTable() {
        return keys().get(DynamoDbKeys.HEARTBEAT_TABLE);
    }

    public int hedgeMaxThreads() {
        return keys().get(DynamoDbKeys.HEDGE_MAX_THREADS);
    }

    public boolean writeFailover() {
        return keys().get(DynamoDbKeys.WRITE_FAILOVER);
    }

    public boolean closeUserClients() {
        return keys().get(DynamoDbKeys.CLOSE_USER_CLIENTS);
    }

    public long itemCacheMaximumSize() {
        return keys().get(DynamoDbKeys.ITEM_CACHE_MAXIMUM_SIZE) == null ? 0 : keys().get(DynamoDbKeys.ITEM_CACHE_MAXIMUM_SIZE);
    }

    public Duration itemCacheMaxAge() {
        return keys().get(DynamoDbKeys.ITEM_CACHE_MAX_AGE);
    }

    @Override
    public String toString() {
        return "HavenDynamoDbClient{cluster=" + clusterName() + ", home=" + homeRegion() + ", regions=" + regions
                + ", local=" + localRegion + ", consistency=" + defaultConsistency() + ", heartbeatTable=" + heartbeatTable()
                + ", writeFailover=" + writeFailover() + ", hedge=" + (keys().get(DynamoDbKeys.HEDGE_ENABLED) ? (keys().get(DynamoDbKeys.HEDGE_DELAY) == null ? "adaptive" : keys().get(DynamoDbKeys.HEDGE_DELAY).toMillis() + "ms") : "off")
                + (itemCacheMaxAge() != null ? ", itemCache=" + itemCacheMaximumSize() + "/" + itemCacheMaxAge().toMillis() + "ms" : "")
                + "}";
    }
}
