package dev.haven.jdbc.internal;

import dev.haven.Ticker;
import dev.haven.config.Settings;
import dev.haven.engine.Durations;
import dev.haven.engine.ReplicatedStoreSettings;
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
 * Validated settings of a {@code HavenDataSource}: the {@link JdbcKeys} values (the common ones in
 * {@link ReplicatedStoreSettings}), and what is not a key (the parsed URL, pool properties, a custom topology provider).
 * Built by its builder, which checks every rule.
 */
public final class JdbcSettings extends ReplicatedStoreSettings {

    private final JdbcUrl url;
    private final Properties pool;
    private final TopologyProvider topologyProvider;
    // Read on the request path: resolved once, not per statement.
    private final Duration statementDeadline;
    private final Object awsCredentials;

    public JdbcSettings(Settings keys, JdbcUrl url, Map<String, String[]> endpointLocations, Properties pool,
            List<HavenEventListener> listeners, TopologyProvider topologyProvider, Ticker ticker, Clock clock) {
        this(keys, url, endpointLocations, pool, listeners, topologyProvider, ticker, clock, null);
    }

    /** @param awsCredentials an {@code AwsCredentialsProvider} given by the application, or null for the SDK's chain */
    public JdbcSettings(Settings keys, JdbcUrl url, Map<String, String[]> endpointLocations, Properties pool,
            List<HavenEventListener> listeners, TopologyProvider topologyProvider, Ticker ticker, Clock clock,
            Object awsCredentials) {
        super(keys, listeners, ticker, clock, RetryPolicy.of(keys, JdbcKeys.DEADLINE), endpointLocations);
        this.url = url;
        this.pool = pool;
        this.topologyProvider = topologyProvider;
        this.statementDeadline = keys.get(JdbcKeys.DEADLINE);
        this.awsCredentials = awsCredentials;
    }

    /** The application's {@code AwsCredentialsProvider} for IAM tokens and the secret, or null (the SDK's chain). */
    public Object awsCredentials() {
        return awsCredentials;
    }

    public JdbcUrl url() {
        return url;
    }

    public String username() {
        return keys().get(JdbcKeys.USERNAME);
    }

    public String password() {
        return keys().get(JdbcKeys.PASSWORD);
    }

    public Duration statementDeadline() {
        return statementDeadline;
    }

    /**
     * The runs of {@code transaction(work)}: {@code transaction.max-attempts}, the {@code retry.*-backoff} between
     * them, no deadline of its own (each statement has one).
     */
    public RetryPolicy transactionPolicy() {
        return new RetryPolicy(keys().get(JdbcKeys.TRANSACTION_MAX_ATTEMPTS), retryPolicy().baseBackoff(),
                retryPolicy().maxBackoff(), Durations.MAX);
    }

    public Properties pool() {
        return pool;
    }

    public TopologyProvider topologyProvider() {
        return topologyProvider;
    }

    /** Settings without secrets, for logs. */
    @Override
    public String toString() {
        return "HavenDataSource{cluster=" + clusterName() + ", seeds=" + url.hosts().size() + ", " + keys() + "}";
    }
}
