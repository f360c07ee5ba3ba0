package dev.haven.dynamodb;

import dev.haven.Consistency;
import dev.haven.config.CommonKeys;
import dev.haven.config.Setting;
import dev.haven.config.SettingsSpec;
import java.time.Duration;
import java.util.List;

/**
 * The {@code haven.dynamodb.*} keys of a {@link HavenDynamoDbClient}: each builder method sets one of them, and
 * {@link HavenDynamoDbClient.Builder#properties} reads them with relaxed names. The defaults are the constants'
 * {@link Setting#defaultValue()}s; the README's settings table is {@link #SPEC}{@code .markdown()}. Credentials and HTTP
 * clients are objects, set on the builder only.
 */
public final class DynamoDbKeys {

    private DynamoDbKeys() {
    }

    private static final String AWS_REGION = "[a-z0-9]+(-[a-z0-9]+)*";

    public static final Setting<List<String>> REGIONS = Setting.list("regions",
            "the regions of the global table, comma-separated; at least one");
    public static final Setting<String> HOME_REGION = Setting.text("home-region", null,
            "where writes and STRONG reads go; one of the regions; required");
    public static final Setting<String> LOCAL_REGION = CommonKeys.LOCAL_REGION.withDefault(null)
            .describedAs("the region this application runs in: reads prefer it").defaultShownAs("the home region");
    public static final Setting<String> HEARTBEAT_TABLE = Setting.text("heartbeat-table", null,
            "an existing global table with a single String hash key, in every region (checked at build); Haven writes its "
                    + "heartbeat item there to measure replication lag; required").matching("[A-Za-z0-9._-]{3,255}");
    public static final Setting<String> CLUSTER_NAME = CommonKeys.CLUSTER_NAME.withDefault("haven-dynamodb");
    public static final Setting<Consistency> DEFAULT_CONSISTENCY = CommonKeys.DEFAULT_CONSISTENCY.withDefault(Consistency.EVENTUAL)
            .describedAs("consistency of reads that do not choose one (`eventual` as the SDK's, `strong`, `session`, "
                    + "`bounded-staleness:<duration>`)");
    public static final Setting<Duration> DEADLINE = Setting.duration("deadline", Duration.ofSeconds(2),
            "no call blocks longer, retries included (the SDK's `apiCallTimeout` of the clients Haven builds)")
            .formerly("api-call-timeout");
    public static final Setting<Duration> ATTEMPT_TIMEOUT = Setting.duration("attempt-timeout", Duration.ofMillis(700),
            "one attempt in one region (the SDK's `apiCallAttemptTimeout`); <= deadline").formerly("api-call-attempt-timeout");
    public static final Setting<Duration> PROBE_INTERVAL = CommonKeys.PROBE_INTERVAL;
    public static final Setting<Duration> FAST_PROBE_INTERVAL = CommonKeys.FAST_PROBE_INTERVAL;
    public static final Setting<Duration> LAG_PROBE_INTERVAL = Setting.duration("lag-probe-interval", Duration.ofMillis(200),
            "heartbeat interval while bounded or SESSION reads are made; >= fast-probe-interval");
    public static final Setting<Duration> PROBE_TIMEOUT = CommonKeys.PROBE_TIMEOUT;
    public static final Setting<Duration> LAG_MARGIN = Setting.durationOrZero("lag-margin", Duration.ofMillis(250),
            "subtracted from every staleness bound (heartbeats and items replicate independently)");
    public static final Setting<Integer> RETRY_MAX_ATTEMPTS = CommonKeys.RETRY_MAX_ATTEMPTS;
    public static final Setting<Duration> RETRY_BASE_BACKOFF = CommonKeys.RETRY_BASE_BACKOFF.withDefault(Duration.ofMillis(25));
    public static final Setting<Duration> RETRY_MAX_BACKOFF = CommonKeys.RETRY_MAX_BACKOFF.withDefault(Duration.ofSeconds(1));
    public static final Setting<Double> RETRY_BUDGET_RATIO = CommonKeys.RETRY_BUDGET_RATIO;
    public static final Setting<Integer> RETRY_BUDGET_RESERVE = CommonKeys.RETRY_BUDGET_RESERVE;
    public static final Setting<Boolean> HEDGE_ENABLED = CommonKeys.HEDGE_ENABLED;
    public static final Setting<Duration> HEDGE_DELAY = CommonKeys.HEDGE_DELAY;
    public static final Setting<Duration> HEDGE_MIN_DELAY = CommonKeys.HEDGE_MIN_DELAY;
    public static final Setting<Double> HEDGE_LATENCY_MULTIPLIER = CommonKeys.HEDGE_LATENCY_MULTIPLIER;
    public static final Setting<Double> HEDGE_BUDGET_RATIO = CommonKeys.HEDGE_BUDGET_RATIO;
    public static final Setting<Integer> HEDGE_MAX_THREADS = Setting.integer("hedge.max-threads", 64,
            "bound of the hedged-read pool; when full, reads run unhedged").range(2, 4096);
    public static final Setting<Boolean> WRITE_FAILOVER = Setting.flag("write-failover", false,
            "once the home region is down, writes go to the nearest healthy region (last writer wins: see the README)");
    public static final Setting<Long> ITEM_CACHE_MAXIMUM_SIZE = Setting.longInteger("item-cache.maximum-size", null,
            "items in the near cache of `GetItem` answers (with `item-cache.max-age`)").defaultShownAs("off")
            .atLeast(1L);
    public static final Setting<Duration> ITEM_CACHE_MAX_AGE = Setting.duration("item-cache.max-age", null,
            "age at which a cached item is dropped (with `item-cache.maximum-size`)").defaultShownAs("off");
    public static final Setting<Boolean> CLOSE_USER_CLIENTS = Setting.flag("close-user-clients", false,
            "`close()` also closes the clients given to `region(name, client)`");

    /** Open-ended keys: {@code region.<name>.endpoint}. */
    public static final SettingsSpec.Family REGION = new SettingsSpec.Family("region", "<name>.endpoint",
            "an endpoint override for one region (DynamoDB Local, VPC endpoints)");

    public static final Setting<Double> BREAKER_FAILURE_RATE = CommonKeys.BREAKER_FAILURE_RATE;
    public static final Setting<Integer> BREAKER_WINDOW = CommonKeys.BREAKER_WINDOW;
    public static final Setting<Integer> BREAKER_MINIMUM_CALLS = CommonKeys.BREAKER_MINIMUM_CALLS;
    public static final Setting<Duration> BREAKER_WAIT_IN_OPEN = CommonKeys.BREAKER_WAIT_IN_OPEN;

    public static final SettingsSpec SPEC = SettingsSpec.of("haven.dynamodb.", List.of(REGIONS, HOME_REGION, LOCAL_REGION,
            HEARTBEAT_TABLE, CLUSTER_NAME, DEFAULT_CONSISTENCY, DEADLINE, ATTEMPT_TIMEOUT, PROBE_INTERVAL, FAST_PROBE_INTERVAL,
            LAG_PROBE_INTERVAL, PROBE_TIMEOUT, LAG_MARGIN, RETRY_MAX_ATTEMPTS, RETRY_BASE_BACKOFF, RETRY_MAX_BACKOFF,
            RETRY_BUDGET_RATIO, RETRY_BUDGET_RESERVE, HEDGE_ENABLED, HEDGE_DELAY, HEDGE_MIN_DELAY, HEDGE_LATENCY_MULTIPLIER,
            HEDGE_BUDGET_RATIO, HEDGE_MAX_THREADS, WRITE_FAILOVER, ITEM_CACHE_MAXIMUM_SIZE, ITEM_CACHE_MAX_AGE,
            CLOSE_USER_CLIENTS, BREAKER_FAILURE_RATE, BREAKER_WINDOW, BREAKER_MINIMUM_CALLS, BREAKER_WAIT_IN_OPEN), List.of(REGION));

    static boolean isAwsRegionName(String name) {
        return name != null && name.matches(AWS_REGION);
    }
}
