package dev.haven.engine;

import dev.haven.Consistency;
import dev.haven.Ticker;
import dev.haven.config.CommonKeys;
import dev.haven.config.Settings;
import dev.haven.event.HavenEventListener;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * The validated settings every store's client runs on, read once at start-up: the {@link CommonKeys} values and what
 * is not a key (listeners, time sources). Each store's settings type extends it (or {@link ReplicatedStoreSettings})
 * with its own keys, as its builder extends {@link dev.haven.config.HavenBuilder}. Values read on the request path are
 * resolved here once, not per call. Immutable.
 */
public abstract class StoreSettings {

    private final Settings keys;
    private final List<HavenEventListener> listeners;
    private final Ticker ticker;
    private final Clock clock;
    private final RetryPolicy retryPolicy;
    private final String clusterName;
    private final Consistency defaultConsistency;
    private final Duration probeInterval;
    private final Duration fastProbeInterval;
    private final Duration probeTimeout;

    /**
     * @param retryPolicy the store's operation retry policy (usually {@link RetryPolicy#of} with its deadline key)
     */
    protected StoreSettings(Settings keys, List<HavenEventListener> listeners, Ticker ticker, Clock clock,
            RetryPolicy retryPolicy) {
        this.keys = keys;
        this.listeners = List.copyOf(listeners);
        this.ticker = ticker;
        this.clock = clock;
        this.retryPolicy = retryPolicy;
        this.clusterName = keys.get(CommonKeys.CLUSTER_NAME);
        this.defaultConsistency = CommonKeys.defaultConsistency(keys);
        this.probeInterval = keys.get(CommonKeys.PROBE_INTERVAL);
        this.fastProbeInterval = keys.get(CommonKeys.FAST_PROBE_INTERVAL);
        this.probeTimeout = keys.get(CommonKeys.PROBE_TIMEOUT);
    }

    /** The key values, immutable. */
    public final Settings keys() {
        return keys;
    }

    /** {@code cluster-name}. */
    public final String clusterName() {
        return clusterName;
    }

    /** The consistency of reads that do not choose one ({@code default-consistency}, or the former {@code lag-bound}). */
    public final Consistency defaultConsistency() {
        return defaultConsistency;
    }

    /** The operations' {@code retry.*} keys and deadline, for {@link Attempts}. */
    public final RetryPolicy retryPolicy() {
        return retryPolicy;
    }

    /** A new retry budget from the {@code retry.budget-*} keys (one per client, shared by its operations). */
    public final RetryBudget newRetryBudget() {
        return new RetryBudget(keys.get(CommonKeys.RETRY_BUDGET_RATIO), keys.get(CommonKeys.RETRY_BUDGET_RESERVE), ticker);
    }

    public final Duration probeInterval() {
        return probeInterval;
    }

    public final Duration fastProbeInterval() {
        return fastProbeInterval;
    }

    public final Duration probeTimeout() {
        return probeTimeout;
    }

    public final List<HavenEventListener> listeners() {
        return listeners;
    }

    public final Ticker ticker() {
        return ticker;
    }

    public final Clock clock() {
        return clock;
    }
}
