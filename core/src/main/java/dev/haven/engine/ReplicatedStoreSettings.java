package dev.haven.engine;

import dev.haven.ReadFallback;
import dev.haven.Ticker;
import dev.haven.config.CommonKeys;
import dev.haven.config.Settings;
import dev.haven.event.HavenEventListener;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The settings of a store with a writer and replicas in zones (JDBC, Redis), as its builder extends
 * {@link dev.haven.config.ReplicatedStoreBuilder}: {@code read-fallback}, {@code writer-wait}, {@code local-region},
 * {@code local-zone}, the endpoints' locations and the lag bound sampling is sized for.
 */
public abstract class ReplicatedStoreSettings extends StoreSettings {

    private final Map<String, String[]> endpointLocations;
    private final boolean readFallbackToWriter;
    private final Duration writerWait;

    /** @param endpointLocations {@code endpoint.<host:port>.location}: region and zone per endpoint id */
    protected ReplicatedStoreSettings(Settings keys, List<HavenEventListener> listeners, Ticker ticker, Clock clock,
            RetryPolicy retryPolicy, Map<String, String[]> endpointLocations) {
        super(keys, listeners, ticker, clock, retryPolicy);
        this.endpointLocations = Map.copyOf(endpointLocations);
        this.readFallbackToWriter = keys.get(CommonKeys.READ_FALLBACK) == ReadFallback.WRITER;
        this.writerWait = keys.get(CommonKeys.WRITER_WAIT);
    }

    /** The bound lag sampling is sized for (the default consistency's, or 1 s). */
    public final Duration lagBound() {
        return CommonKeys.lagBound(keys());
    }

    /** {@code read-fallback=writer}: a read no replica can serve goes to the writer. */
    public final boolean readFallbackToWriter() {
        return readFallbackToWriter;
    }

    /** {@code writer-wait}: how long an operation waits for a writer (or a qualifying replica). */
    public final Duration writerWait() {
        return writerWait;
    }

    /** {@code local-region}. */
    public final String region() {
        return keys().get(CommonKeys.LOCAL_REGION);
    }

    /** {@code local-zone}. */
    public final String zone() {
        return keys().get(CommonKeys.LOCAL_ZONE);
    }

    /** Region and zone per endpoint id, from {@code endpoint.<host:port>.location}. */
    public final Map<String, String[]> endpointLocations() {
        return endpointLocations;
    }
}
