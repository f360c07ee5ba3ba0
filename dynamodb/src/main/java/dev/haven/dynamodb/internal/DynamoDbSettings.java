package dev.haven.dynamodb.internal;

import dev.haven.Consistency;
import dev.haven.Ticker;
import dev.haven.event.HavenEventListener;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Validated settings of a {@code HavenDynamoDbClient} (validation is the builder's job). {@code toString} never
 * shows credentials.
 *
 * @param hedgeDelay fixed hedge delay, or {@code null} for the adaptive one
 * @param itemCacheMaxAge {@code null}: no item cache
 * @param httpClient the HTTP client of the SDK clients Haven builds (the caller's, never closed by Haven), or
 *                   {@code null} for one URLConnection client per region, built and closed by Haven
 */
public record DynamoDbSettings(String clusterName, String homeRegion, List<RegionSpec> regions,
        AwsCredentialsProvider credentials, SdkHttpClient httpClient, String localRegion, Consistency defaultConsistency,
        Duration apiCallTimeout, Duration apiCallAttemptTimeout,
        Duration probeInterval, Duration fastProbeInterval, Duration lagProbeInterval, Duration probeTimeout, Duration lagMargin,
        String heartbeatTable,
        int retryMaxAttempts, Duration retryBaseBackoff, Duration retryMaxBackoff, double retryBudgetRatio,
        int retryBudgetReservePerSecond,
        boolean hedgeEnabled, Duration hedgeDelay, Duration hedgeMinDelay, double hedgeLatencyMultiplier,
        double hedgeBudgetRatio, int hedgeMaxThreads,
        boolean writeFailover, boolean closeUserClients,
        long itemCacheMaximumSize, Duration itemCacheMaxAge,
        List<HavenEventListener> listeners, Ticker ticker, Clock clock) {

    /** One region: Haven builds its client (from {@code endpoint}, may be null) unless {@code client} is given. */
    public record RegionSpec(String name, URI endpoint, DynamoDbClient client) {
        @Override
        public String toString() {
            return name + (client != null ? "(user client)" : endpoint != null ? "(" + endpoint + ")" : "");
        }
    }

    @Override
    public String toString() {
        return "HavenDynamoDbClient{cluster=" + clusterName + ", home=" + homeRegion + ", regions=" + regions
                + ", local=" + localRegion + ", consistency=" + defaultConsistency + ", heartbeatTable=" + heartbeatTable
                + ", writeFailover=" + writeFailover + ", hedge=" + (hedgeEnabled ? (hedgeDelay == null ? "adaptive" : hedgeDelay.toMillis() + "ms") : "off")
                + (itemCacheMaxAge != null ? ", itemCache=" + itemCacheMaximumSize + "/" + itemCacheMaxAge.toMillis() + "ms" : "")
                + "}";
    }
}
