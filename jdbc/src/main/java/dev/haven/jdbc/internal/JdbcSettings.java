package dev.haven.jdbc.internal;

import dev.haven.Consistency;
import dev.haven.ReadFallback;
import dev.haven.Ticker;
import dev.haven.config.CommonKeys;
import dev.haven.config.Settings;
import dev.haven.engine.Durations;
import dev.haven.engine.RetryPolicy;
import dev.haven.event.HavenEventListener;
import dev.haven.jdbc.JdbcKeys;
import dev.haven.spi.TopologyProvider;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Validated settings of a {@code HavenDataSource}: the {@link JdbcKeys} values, and what is not a key (the parsed URL,
 * pool properties, endpoint labels, listeners, a custom topology provider, time sources). Built by its builder, which
 * checks every rule.
 */
public final class JdbcSettings {

    private final Settings keys;
    private final JdbcUrl url;
    private final Map<String, String[]> endpointLocations;
    private final Properties pool;
    private final List<HavenEventListener> listeners;
    private final TopologyProvider topologyProvider;
    private final Ticker ticker;
    private final Clock clock;
    private final Consistency defaultReadConsistency;
    private final RetryPolicy retryPolicy;
    // Read on the request path: resolved once, not per statement.
    private final String clusterName;
    private final Duration statementDeadline;
    private final Duration writerWait;
    private final Duration probeTimeout;
    private final Duration fastProbeInterval;
    private final boolean readFallbackToWriter;

    public JdbcSettings(Settings keys, JdbcUrl url, Map<String, String[]> endpointLocations, Properties pool,
            List<HavenEventListener> listeners, TopologyProvider topologyProvider, Ticker ticker, Clock clock) {
        this.keys = keys;
        this.url = url;
        this.endpointLocations = endpointLocations;
        this.pool = pool;
        this.listeners = listeners;
        this.topologyProvider = topologyProvider;
        this.ticker = ticker;
        this.clock = clock;
        this.defaultReadConsistency = CommonKeys.defaultConsistency(keys);
        this.retryPolicy = RetryPolicy.of(keys, JdbcKeys.DEADLINE);
        this.clusterName = keys.get(JdbcKeys.CLUSTER_NAME);
        this.statementDeadline = keys.get(JdbcKeys.DEADLINE);
        this.writerWait = keys.get(JdbcKeys.WRITER_WAIT);
        this.probeTimeout = keys.get(JdbcKeys.PROBE_TIMEOUT);
        this.fastProbeInterval = keys.get(JdbcKeys.FAST_PROBE_INTERVAL);
        this.readFallbackToWriter = keys.get(JdbcKeys.READ_FALLBACK) == ReadFallback.WRITER;
    }

    /** The {@code retry.*} keys and the statement {@code deadline}, for the engine's Attempts. */
    public RetryPolicy retryPolicy() {
        return retryPolicy;
    }

    /** The key values, immutable. */
    public Settings keys() {
        return keys;
    }

    public String clusterName() {
        return clusterName;
    }

    public JdbcUrl url() {
        return url;
    }

    public String username() {
        return keys.get(JdbcKeys.USERNAME);
    }

    public String password() {
        return keys.get(JdbcKeys.PASSWORD);
    }

    /** The bound lag sampling is sized for (the default consistency's, or 1 s). */
    public Duration lagBound() {
        return CommonKeys.lagBound(keys);
    }

    public boolean readFallbackToWriter() {
        return readFallbackToWriter;
    }

    public String region() {
        return keys.get(JdbcKeys.LOCAL_REGION);
    }

    public String zone() {
        return keys.get(JdbcKeys.LOCAL_ZONE);
    }

    public Map<String, String[]> endpointLocations() {
        return endpointLocations;
    }

    public Duration probeInterval() {
        return keys.get(JdbcKeys.PROBE_INTERVAL);
    }

    public Duration fastProbeInterval() {
        return fastProbeInterval;
    }

    public Duration probeTimeout() {
        return probeTimeout;
    }

    public Duration statementDeadline() {
        return statementDeadline;
    }

    public Duration writerWait() {
        return writerWait;
    }

    public double retryBudgetRatio() {
        return keys.get(JdbcKeys.RETRY_BUDGET_RATIO);
    }

    public int retryBudgetReservePerSecond() {
        return keys.get(JdbcKeys.RETRY_BUDGET_RESERVE);
    }

    /**
     * The runs of {@code transaction(work)}: {@code transaction.max-attempts}, the {@code retry.*-backoff} between
     * them, no deadline of its own (each statement has one).
     */
    public RetryPolicy transactionPolicy() {
        return new RetryPolicy(keys.get(JdbcKeys.TRANSACTION_MAX_ATTEMPTS), retryPolicy.baseBackoff(),
                retryPolicy.maxBackoff(), Durations.MAX);
    }

    public Properties pool() {
        return pool;
    }

    public List<HavenEventListener> listeners() {
        return listeners;
    }

    public TopologyProvider topologyProvider() {
        return topologyProvider;
    }

    public Ticker ticker() {
        return ticker;
    }

    public Clock clock() {
        return clock;
    }

    public Consistency defaultReadConsistency() {
        return defaultReadConsistency;
    }

    /** Settings without secrets, for logs. */
    @Override
    public String toString() {
        return "HavenDataSource{cluster=" + clusterName() + ", seeds=" + url.hosts().size() + ", " + keys + "}";
    }
}
