package dev.haven;

import java.util.Objects;

/**
 * One server of a replicated store, as Haven sees it: a stable id, where it listens, what it does now
 * and where it lives. Immutable; a role change produces a new {@code Endpoint} in a new {@link Topology}.
 *
 * <pre>{@code
 * Endpoint replica = Endpoint.of("db-2.internal", 5432).withRole(Role.READER).withLocation("eu-west-1", "eu-west-1b");
 * }</pre>
 *
 * @param id     stable identity, {@code host:port} unless configured otherwise
 * @param host   host name or address
 * @param port   TCP port
 * @param role   last observed role
 * @param region region label, or {@code ""} when unknown
 * @param zone   availability-zone label, or {@code ""} when unknown
 */
public record Endpoint(String id, String host, int port, Role role, String region, String zone) implements java.io.Serializable {

    public Endpoint {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(role, "role");
        region = region == null ? "" : region;
        zone = zone == null ? "" : zone;
        if (host.isBlank()) {
            throw new IllegalArgumentException("endpoint host must not be blank: was '" + host + "'");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("endpoint port must be in 1..65535: was " + port);
        }
    }

    /** An endpoint of unknown role and location, identified by {@code host:port}. */
    public static Endpoint of(String host, int port) {
        return new Endpoint(host + ":" + port, host, port, Role.UNKNOWN, "", "");
    }

    public Endpoint withRole(Role newRole) {
        return newRole == role ? this : new Endpoint(id, host, port, newRole, region, zone);
    }

    public Endpoint withLocation(String newRegion, String newZone) {
        return new Endpoint(id, host, port, role, newRegion, newZone);
    }

    /** {@code host:port}, for messages and metric tags. */
    public String address() {
        return host + ":" + port;
    }
}
