package dev.haven.config;

import dev.haven.Consistency;
import dev.haven.ReadFallback;
import dev.haven.engine.Durations;
import java.time.Duration;

/**
 * The keys every store shares, with one name and one meaning across {@code haven.jdbc.}, {@code haven.redis.} and
 * {@code haven.dynamodb.}. A store's key class ({@code JdbcKeys}, {@code RedisKeys}, {@code DynamoDbKeys}) lists the
 * ones it uses, some with a store-specific default or a former name; {@link Settings#get} accepts these constants on
 * any store's settings.
 */
public final class CommonKeys {

    private CommonKeys() {
    }

    public static final Setting<String> CLUSTER_NAME = Setting.text("cluster-name", "haven",
            "names the cluster in events, metrics, pools and threads; clients with the same cluster name and servers share one "
                    + "topology monitor").matching("[A-Za-z0-9._-]{1,64}");

    public static final Setting<Consistency> DEFAULT_CONSISTENCY = Setting.consistency("default-consistency",
            Consistency.boundedStaleness(Duration.ofSeconds(1)),
            "consistency of reads that do not choose one: `strong`, `session`, `eventual` or `bounded-staleness:<duration>`");

    /** Deprecated: {@code lag-bound=d} is {@code default-consistency=bounded-staleness:d}. */
    public static final Setting<Duration> LAG_BOUND = Setting.duration("lag-bound", null,
            "staleness allowed to reads that do not choose a consistency").deprecated("default-consistency=bounded-staleness:<duration>");

    public static final Setting<ReadFallback> READ_FALLBACK = Setting.choice("read-fallback", ReadFallback.class,
            ReadFallback.WRITER, "`writer`: a read no replica qualifies for goes to the writer; `fail`: it fails as unavailable");

    public static final Setting<String> LOCAL_REGION = Setting.text("local-region", "",
            "the region this application runs in: reads stay in it when they can").defaultShownAs("none")
            .matching("[A-Za-z0-9._-]{0,64}");

    public static final Setting<String> LOCAL_ZONE = Setting.text("local-zone", "",
            "the availability zone this application runs in: replicas in it are read first").defaultShownAs("none")
            .matching("[A-Za-z0-9._-]{0,64}");

    public static final Setting<Duration> PROBE_INTERVAL = Setting.duration("probe-interval", Duration.ofSeconds(1),
            "topology probe interval when all is well").atLeast(Duration.ofMillis(50));

    public static final Setting<Duration> FAST_PROBE_INTERVAL = Setting.duration("fast-probe-interval", Duration.ofMillis(100),
            "probe interval during a failover, after an error and while reads need lag samples; <= probe-interval")
            .atLeast(Duration.ofMillis(10));

    public static final Setting<Duration> PROBE_TIMEOUT = Setting.duration("probe-timeout", Duration.ofMillis(500),
            "a server that does not answer a probe within this is down").atLeast(Duration.ofMillis(50));

    public static final Setting<Duration> WRITER_WAIT = Setting.durationOrZero("writer-wait", Duration.ofSeconds(5),
            "how long an operation waits for a writer (or a qualifying replica) during a failover");

    public static final Setting<Integer> RETRY_MAX_ATTEMPTS = Setting.integer("retry.max-attempts", 3,
            "attempts of a read, the first included").range(1, 10);

    public static final Setting<Duration> RETRY_BASE_BACKOFF = Setting.duration("retry.base-backoff", Duration.ofMillis(10),
            "full-jitter backoff before a retry: base");

    public static final Setting<Duration> RETRY_MAX_BACKOFF = Setting.duration("retry.max-backoff", Duration.ofMillis(500),
            "full-jitter backoff before a retry: cap; >= retry.base-backoff");

    public static final Setting<Double> RETRY_BUDGET_RATIO = Setting.decimal("retry.budget-ratio", 0.1,
            "retries allowed as a share of requests").range(0.0, 1.0);

    public static final Setting<Integer> RETRY_BUDGET_RESERVE = Setting.integer("retry.budget-reserve-per-second", 10,
            "retries allowed per second on top of the ratio").range(0, 1_000_000);

    public static final Setting<Boolean> HEDGE_ENABLED = Setting.flag("hedge.enabled", true,
            "hedged EVENTUAL, bounded and SESSION reads");

    public static final Setting<Duration> HEDGE_DELAY = Setting.duration("hedge.delay", null,
            "a fixed hedge delay instead of the adaptive one").defaultShownAs("adaptive");

    public static final Setting<Duration> HEDGE_MIN_DELAY = Setting.duration("hedge.min-delay", Duration.ofMillis(5),
            "the adaptive delay is at least this");

    public static final Setting<Double> HEDGE_LATENCY_MULTIPLIER = Setting.decimal("hedge.latency-multiplier", 3.0,
            "the adaptive delay is the first region's latency average times this").range(1.0, 100.0);

    public static final Setting<Double> HEDGE_BUDGET_RATIO = Setting.decimal("hedge.budget-ratio", 0.05,
            "hedges allowed as a share of reads (plus 1/s)").range(0.0, 1.0);

    public static final Setting<Double> BREAKER_FAILURE_RATE = Setting.decimal("breaker.failure-rate-threshold", 50.0,
            "an endpoint's circuit breaker opens when this percentage of its last calls failed").range(1.0, 100.0);

    public static final Setting<Integer> BREAKER_WINDOW = Setting.integer("breaker.sliding-window-size", 20,
            "calls the failure rate is measured over").range(1, 10_000);

    public static final Setting<Integer> BREAKER_MINIMUM_CALLS = Setting.integer("breaker.minimum-calls", 10,
            "calls needed before the failure rate counts").range(1, 10_000);

    public static final Setting<Duration> BREAKER_WAIT_IN_OPEN = Setting.duration("breaker.wait-in-open", Duration.ofSeconds(5),
            "how long an open breaker keeps an endpoint out of routing before trial calls").atLeast(Duration.ofMillis(10));

    /** The breaker keys as Resilience4j's configuration (one breaker per endpoint, count-based window). */
    public static io.github.resilience4j.circuitbreaker.CircuitBreakerConfig breakerConfig(Settings s) {
        return io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.custom()
                .slidingWindowType(io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                // EndpointState stops recording successes into a window that holds nothing else, so while all is well no
                // call touches the window; when calls are recorded (errors about), the lock-free window keeps request
                // threads of one endpoint from queueing on the synchronized window's lock
                .slidingWindowSynchronizationStrategy(
                        io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowSynchronizationStrategy.LOCK_FREE)
                .slidingWindowSize(s.get(BREAKER_WINDOW))
                .minimumNumberOfCalls(s.get(BREAKER_MINIMUM_CALLS))
                .failureRateThreshold(s.get(BREAKER_FAILURE_RATE).floatValue())
                .waitDurationInOpenState(s.get(BREAKER_WAIT_IN_OPEN))
                .build();
    }

    /** The default consistency, honouring the deprecated {@code lag-bound} when {@code default-consistency} is not given. */
    public static Consistency defaultConsistency(Settings s) {
        if (!s.isGiven(DEFAULT_CONSISTENCY) && s.spec().find(LAG_BOUND.key()).isPresent() && s.isGiven(LAG_BOUND)) {
            return Consistency.boundedStaleness(s.get(LAG_BOUND));
        }
        return s.get(DEFAULT_CONSISTENCY);
    }

    /**
     * The bound lag sampling is sized for: the default consistency's bound, or 1 s when the default is not bounded
     * (reads that choose a bound still get samples: the monitor samples on demand).
     */
    public static Duration lagBound(Settings s) {
        Consistency c = defaultConsistency(s);
        return c.level() == Consistency.Level.BOUNDED_STALENESS ? c.maxStaleness() : Duration.ofSeconds(1);
    }

    /**
     * The rules between keys every store applies at build: {@code fast-probe-interval <= probe-interval},
     * {@code retry.max-backoff >= retry.base-backoff} (where the store has them).
     */
    public static void checkRelations(Settings s) {
        String p = s.spec().prefix();
        Duration probe = s.get(PROBE_INTERVAL);
        Duration fast = s.get(FAST_PROBE_INTERVAL);
        if (fast.compareTo(probe) > 0) {
            throw new IllegalArgumentException(p + "fast-probe-interval must be <= " + p + "probe-interval ("
                    + Durations.format(probe) + "): was " + Durations.format(fast));
        }
        if (s.spec().find(RETRY_MAX_BACKOFF.key()).isPresent()) {
            Duration base = s.get(RETRY_BASE_BACKOFF);
            Duration max = s.get(RETRY_MAX_BACKOFF);
            if (max.compareTo(base) < 0) {
                throw new IllegalArgumentException(p + "retry.max-backoff must be >= " + p + "retry.base-backoff ("
                        + Durations.format(base) + "): was " + Durations.format(max));
            }
        }
    }
}
