package dev.haven;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An immutable snapshot of a cluster: its endpoints with their roles, and a version that grows by one
 * with every change. Monitors publish a new snapshot by swapping a reference; the request path reads
 * the current one without locking.
 *
 * <pre>{@code
 * Topology t = Topology.of(1, List.of(
 *         Endpoint.of("10.0.0.1", 5432).withRole(Role.WRITER),
 *         Endpoint.of("10.0.0.2", 5432).withRole(Role.READER)));
 * Endpoint writer = t.writer().orElseThrow();
 * }</pre>
 *
 * <p>At most one endpoint is the writer: providers resolve split brain (two endpoints claiming to be
 * writer) before they build a topology, by trusting the higher timeline or epoch.
 */
public final class Topology {

    private final long version;
    private final List<Endpoint> endpoints;
    private final Map<String, Endpoint> byId;
    private final Endpoint writer;
    private final List<Endpoint> readers;

    private Topology(long version, List<Endpoint> endpoints) {
        if (version < 0) {
            throw new IllegalArgumentException("topology version must be >= 0: was " + version);
        }
        Map<String, Endpoint> index = new LinkedHashMap<>();
        Endpoint w = null;
        List<Endpoint> r = new ArrayList<>();
        for (Endpoint e : endpoints) {
            Objects.requireNonNull(e, "endpoint");
            if (index.putIfAbsent(e.id(), e) != null) {
                throw new IllegalArgumentException("topology has endpoint id '" + e.id() + "' twice");
            }
            if (e.role() == Role.WRITER) {
                if (w != null) {
                    throw new IllegalArgumentException("topology has two writers: " + w.id() + " and " + e.id()
                            + " (resolve split brain before building a topology)");
                }
                w = e;
            } else if (e.role() == Role.READER) {
                r.add(e);
            }
        }
        this.version = version;
        this.endpoints = List.copyOf(endpoints);
        this.byId = Collections.unmodifiableMap(index);
        this.writer = w;
        this.readers = List.copyOf(r);
    }

    public static Topology of(long version, List<Endpoint> endpoints) {
        return new Topology(version, endpoints);
    }

    /** The empty topology every monitor starts from. */
    public static Topology empty() {
        return new Topology(0, List.of());
    }

    public long version() {
        return version;
    }

    /** All endpoints, in the order the provider reported them. */
    public List<Endpoint> endpoints() {
        return endpoints;
    }

    public Optional<Endpoint> writer() {
        return Optional.ofNullable(writer);
    }

    /** Endpoints whose role is {@link Role#READER}. */
    public List<Endpoint> readers() {
        return readers;
    }

    public Optional<Endpoint> endpoint(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    /**
     * The next version of this topology with the given endpoints, or {@code this} when nothing changed
     * (same endpoints with the same roles and locations), so that listeners hear only of real changes.
     */
    public Topology next(List<Endpoint> newEndpoints) {
        if (sameEndpoints(newEndpoints)) {
            return this;
        }
        return new Topology(version + 1, newEndpoints);
    }

    private boolean sameEndpoints(List<Endpoint> other) {
        if (other.size() != endpoints.size()) {
            return false;
        }
        for (Endpoint e : other) {
            if (!e.equals(byId.get(e.id()))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Topology t && t.version == version && t.endpoints.equals(endpoints);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(version) * 31 + endpoints.hashCode();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Topology{v").append(version);
        for (Endpoint e : endpoints) {
            sb.append(' ').append(e.id()).append('=').append(e.role());
        }
        return sb.append('}').toString();
    }
}
