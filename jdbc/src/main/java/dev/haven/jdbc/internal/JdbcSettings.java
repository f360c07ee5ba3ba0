package dev.haven.jdbc.internal;

import dev.haven.Consistency;
import dev.haven.Ticker;
import dev.haven.engine.Durations;
import dev.haven.event.HavenEventListener;
import dev.haven.spi.TopologyProvider;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/** Validated settings of a {@code HavenDataSource}; built by its builder, which checks every rule. */
public record JdbcSettings(
        String clusterName,
        JdbcUrl url,
        String username,
        String password,
        Duration lagBound,
        boolean readFallbackToWriter,
        String region,
        String zone,
        Map<String, String[]> endpointLocations,
        Duration probeInterval,
        Duration fastProbeInterval,
        Duration probeTimeout,
        Duration statementDeadline,
        Duration writerWait,
        int retryMaxAttempts,
        Duration retryBaseBackoff,
        Duration retryMaxBackoff,
        double retryBudgetRatio,
        int retryBudgetReservePerSecond,
        int transactionMaxAttempts,
        Properties pool,
        List<HavenEventListener> listeners,
        TopologyProvider topologyProvider,
        Ticker ticker,
        Clock clock) {

    public Consistency defaultReadConsistency() {
        return Consistency.boundedStaleness(lagBound);
    }

    /** Settings without secrets, for logs. */
    @Override
    public String toString() {
        return "HavenDataSource{cluster=" + clusterName + ", seeds=" + url.hosts().size() + ", lagBound="
                + Durations.format(lagBound) + ", fallback=" + (readFallbackToWriter ? "writer" : "fail")
                + ", zone=" + zone + ", probeInterval=" + Durations.format(probeInterval) + ", probeTimeout="
                + Durations.format(probeTimeout) + ", statementDeadline=" + Durations.format(statementDeadline) + "}";
    }
}
