package dev.haven.engine;

import dev.haven.Endpoint;
import dev.haven.Ticker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Everything a {@link TopologyMonitor} needs, already validated by the adapter's builder.
 *
 * @param cluster       name used in events, metrics and thread names
 * @param seeds         endpoints configured by the user; never removed
 * @param locate        adds region/zone labels to a (seed or discovered) endpoint
 * @param interval      normal probe interval
 * @param fastInterval  probe interval while a failover is in progress or after a passive signal
 * @param lagInterval   probe interval while reads with a staleness bound are being made (a fraction of
 *                      the bound, so that staleness is measured finely enough to honour it)
 * @param fastWindow    how long a passive signal keeps the fast interval
 * @param probeTimeout  a probe not answered within this is a failure (blackhole detection)
 * @param lagHistory    writer position samples kept for staleness measurement
 * @param breakerConfig per-endpoint circuit breaker settings
 */
public record MonitorSettings(String cluster, List<Endpoint> seeds, UnaryOperator<Endpoint> locate,
        Duration interval, Duration fastInterval, Duration lagInterval, Duration fastWindow, Duration probeTimeout, int lagHistory,
        CircuitBreakerConfig breakerConfig, Ticker ticker, Clock clock) {

    public MonitorSettings {
        seeds = List.copyOf(seeds);
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException("at least one seed endpoint is required");
        }
    }

    /**
     * The probe interval while bounded-staleness reads run: a quarter of the lag bound, within [fast, normal], so
     * that staleness is measured finely enough to honour the bound.
     */
    public static Duration lagIntervalFor(Duration lagBound, Duration fastInterval, Duration interval) {
        Duration quarter = lagBound.dividedBy(4);
        if (quarter.compareTo(fastInterval) < 0) {
            return fastInterval;
        }
        return quarter.compareTo(interval) > 0 ? interval : quarter;
    }

    /** Writer samples to keep to vouch for replicas up to {@code horizon} behind at the fast interval (64..4096). */
    public static int lagHistoryFor(Duration horizon, Duration fastInterval) {
        long n = horizon.toNanos() / fastInterval.toNanos() + 16;
        return (int) Math.max(64, Math.min(n, 4096));
    }
}
