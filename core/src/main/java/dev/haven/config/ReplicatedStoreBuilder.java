package dev.haven.config;

import dev.haven.Consistency;
import dev.haven.ReadFallback;
import dev.haven.engine.Durations;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What the builders of stores with one writer and replicas have on top of {@link HavenBuilder}: where a read goes when
 * no replica qualifies, the zone the application runs in and the zones of the servers, how long work waits for a
 * writer. {@code HavenDataSource.Builder} and {@code HavenRedisClient.Builder} extend it; their specs have the keys
 * {@link CommonKeys#READ_FALLBACK}, {@link CommonKeys#LOCAL_ZONE}, {@link CommonKeys#WRITER_WAIT} and the
 * {@code endpoint.<host:port>.region|zone} family ({@link #ENDPOINT}).
 *
 * @param <B> the store's builder
 */
public abstract class ReplicatedStoreBuilder<B extends ReplicatedStoreBuilder<B>> extends HavenBuilder<B> {

    /** The name of the family of keys that label a server with its region and zone. */
    public static final String ENDPOINT = "endpoint";

    private final Map<String, String[]> locations = new LinkedHashMap<>();

    protected ReplicatedStoreBuilder(SettingsSpec spec) {
        super(spec);
    }

    /**
     * {@code defaultConsistency(Consistency.boundedStaleness(bound))}.
     *
     * @deprecated use {@link #defaultConsistency(Consistency)}; {@code lag-bound} is
     *     {@code default-consistency=bounded-staleness:<duration>}
     */
    @Deprecated
    public B lagBound(Duration bound) {
        if (bound == null || bound.isNegative() || bound.isZero()) {
            throw new IllegalArgumentException(spec().prefix() + "lag-bound must be > 0: was "
                    + (bound == null ? "null" : Durations.format(bound)));
        }
        return defaultConsistency(Consistency.boundedStaleness(bound));
    }

    /** {@code read-fallback}: {@code WRITER} (default) or {@code FAIL} when no replica qualifies. */
    public B readFallback(ReadFallback fallback) {
        return set(CommonKeys.READ_FALLBACK, fallback);
    }

    /**
     * {@code readFallback(fallback ? WRITER : FAIL)}.
     *
     * @deprecated use {@link #readFallback(ReadFallback)}
     */
    @Deprecated
    public B readFallbackToWriter(boolean fallback) {
        return readFallback(fallback ? ReadFallback.WRITER : ReadFallback.FAIL);
    }

    /** {@code local-zone}: where this application runs; reads stay in its zone when they can. */
    public B localZone(String zone) {
        return set(CommonKeys.LOCAL_ZONE, zone == null ? "" : zone);
    }

    /** {@code localRegion(region).localZone(zone)}. */
    public B localZone(String region, String zone) {
        return localRegion(region).localZone(zone);
    }

    /** {@code endpoint.<host:port>.region|zone}: labels a server ({@code host:port} as it announces itself). */
    public B endpointLocation(String hostPort, String region, String zone) {
        locations.put(hostPort, new String[] {region == null ? "" : region, zone == null ? "" : zone});
        return self();
    }

    /** {@code writer-wait}: how long work waits for a writer (or a qualifying node) during a failover (default 5s). */
    public B writerWait(Duration d) {
        return set(CommonKeys.WRITER_WAIT, d);
    }

    /** The servers labelled so far, {@code host:port} to {@code [region, zone]} (a copy). */
    protected final Map<String, String[]> locations() {
        Map<String, String[]> copy = new LinkedHashMap<>();
        locations.forEach((k, v) -> copy.put(k, v.clone()));
        return copy;
    }

    /**
     * Reads one key of the {@value #ENDPOINT} family: {@code rest} is {@code <host:port>.region} or
     * {@code <host:port>.zone}.
     *
     * @throws IllegalArgumentException naming {@code property} for any other field
     */
    protected final void endpointLocationKey(String rest, String value, String property) {
        String v = value == null ? "" : value.trim();
        int dot = rest.lastIndexOf('.');
        String id = dot < 0 ? "" : rest.substring(0, dot);
        String field = dot < 0 ? rest : rest.substring(dot + 1).toLowerCase(Locale.ROOT);
        String[] loc = locations.computeIfAbsent(id, k -> new String[] {"", ""});
        switch (field) {
            case "region" -> loc[0] = v;
            case "zone" -> loc[1] = v;
            default -> throw new IllegalArgumentException(property + " is unknown: expected " + spec().prefix() + ENDPOINT
                    + ".<host:port>.region or .zone");
        }
    }
}
