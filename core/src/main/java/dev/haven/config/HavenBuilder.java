package dev.haven.config;

import dev.haven.Consistency;
import dev.haven.Ticker;
import dev.haven.event.HavenEventListener;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * What every store's builder has: the {@link CommonKeys} with one name and one meaning, the generic {@link #set},
 * {@link #settings(Settings)} and {@code properties(...)}, listeners and time sources. {@code HavenDataSource.Builder},
 * {@code HavenRedisClient.Builder} and {@code HavenDynamoDbClient.Builder} extend it and add their own keys.
 *
 * @param <B> the store's builder
 */
public abstract class HavenBuilder<B extends HavenBuilder<B>> {

    private final SettingsSpec spec;
    private final Settings.Builder keys;
    private final List<HavenEventListener> listeners = new ArrayList<>();
    private Ticker ticker = Ticker.system();
    private Clock clock = Clock.systemUTC();

    protected HavenBuilder(SettingsSpec spec) {
        this.spec = Objects.requireNonNull(spec, "spec");
        this.keys = spec.newBuilder();
    }

    /** This builder, as the store's type. */
    @SuppressWarnings("unchecked")
    protected final B self() {
        return (B) this;
    }

    /** The store's keys under their prefix ({@code haven.jdbc.}...). */
    protected final SettingsSpec spec() {
        return spec;
    }

    /** The keys set so far. */
    protected final Settings.Builder keys() {
        return keys;
    }

    /** Receives the store's open-ended keys ({@code pool.<hikari property>}, {@code region.<name>.endpoint}...). */
    protected abstract void family(SettingsSpec.Family family, String rest, String value, String property);

    /** Called after {@code properties(...)} read every key: a store derives what depends on several of them. */
    protected void afterProperties() {
    }

    /**
     * Reads the store's keys ({@code haven.<store>.*}) with relaxed names ({@code retry.maxAttempts},
     * {@code HAVEN_JDBC_RETRY_MAX_ATTEMPTS}); other keys are ignored. An unknown key under the prefix fails, so a typo
     * never silently falls back to a default; names of earlier releases still work, with a warning.
     *
     * @throws IllegalArgumentException naming the property, the rule and the value
     */
    public B properties(Properties props) {
        spec.read(props, keys, this::family);
        afterProperties();
        return self();
    }

    /** As {@link #properties(Properties)}, from a map (values by {@code toString}). */
    public B properties(Map<String, ?> props) {
        spec.read(props, keys, this::family);
        afterProperties();
        return self();
    }

    /** Every value given in {@code settings}, e.g. another client's {@code settings()}. */
    public B settings(Settings settings) {
        keys.setAll(settings);
        return self();
    }

    /** Sets one key of this store; the typed methods do the same. */
    public <T> B set(Setting<T> key, T value) {
        keys.set(key, value);
        return self();
    }

    /** {@code cluster-name}: names events, metrics, pools and threads; clients of one cluster share one monitor. */
    public B clusterName(String name) {
        return set(CommonKeys.CLUSTER_NAME, name);
    }

    /** {@code default-consistency}: of reads that do not choose one. */
    public B defaultConsistency(Consistency consistency) {
        return set(CommonKeys.DEFAULT_CONSISTENCY, Objects.requireNonNull(consistency, spec.prefix() + "default-consistency"));
    }

    /** {@code local-region}: where this application runs; reads stay in it when they can. */
    public B localRegion(String region) {
        return set(CommonKeys.LOCAL_REGION, region == null ? "" : region);
    }

    /** {@code probe-interval}: topology probe interval when all is well (default 1s). */
    public B probeInterval(Duration d) {
        return set(CommonKeys.PROBE_INTERVAL, d);
    }

    /** {@code fast-probe-interval}: probe interval during a failover or after an error (default 100ms). */
    public B fastProbeInterval(Duration d) {
        return set(CommonKeys.FAST_PROBE_INTERVAL, d);
    }

    /** {@code probe-timeout}: a server that does not answer a probe within this is down (default 500ms). */
    public B probeTimeout(Duration d) {
        return set(CommonKeys.PROBE_TIMEOUT, d);
    }

    /** {@code retry.max-attempts}: attempts of a read, the first included (default 3). */
    public B retryMaxAttempts(int attempts) {
        return set(CommonKeys.RETRY_MAX_ATTEMPTS, attempts);
    }

    /** {@code retry.budget-ratio}: retries allowed as a share of requests (default 0.1). */
    public B retryBudgetRatio(double ratio) {
        return set(CommonKeys.RETRY_BUDGET_RATIO, ratio);
    }

    /** {@code retry.budget-reserve-per-second}: retries allowed per second on top of the ratio (default 10). */
    public B retryBudgetReservePerSecond(int reserve) {
        return set(CommonKeys.RETRY_BUDGET_RESERVE, reserve);
    }

    /**
     * Both {@code retry.budget-*} keys at once.
     *
     * @deprecated use {@link #retryBudgetRatio} and {@link #retryBudgetReservePerSecond}
     */
    @Deprecated
    public B retryBudget(double ratio, int reservePerSecond) {
        return retryBudgetRatio(ratio).retryBudgetReservePerSecond(reservePerSecond);
    }

    /** Receives every event of this data source or client ({@code HavenMetrics} is one). */
    public B listener(HavenEventListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return self();
    }

    /** For tests: the monotonic time source. */
    public B ticker(Ticker ticker) {
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        return self();
    }

    /** For tests: the wall clock of event timestamps. */
    public B clock(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        return self();
    }

    /** The listeners given so far. */
    protected final List<HavenEventListener> listeners() {
        return List.copyOf(listeners);
    }

    protected final Ticker ticker() {
        return ticker;
    }

    protected final Clock clock() {
        return clock;
    }

    /** The keys as set, checked against the rules between keys every store has ({@link CommonKeys#checkRelations}). */
    protected final Settings checkedKeys() {
        Settings s = keys.build();
        CommonKeys.checkRelations(s);
        return s;
    }
}
