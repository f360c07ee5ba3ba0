package dev.haven.testkit.redis;

/**
 * A network address as clients use it, e.g. {@link RedisTopology#primaryEndpoint()}.
 *
 * <pre>{@code
 * HostAndPort p = topology.primaryEndpoint();
 * RedisURI uri = RedisURI.create(p.host(), p.port());
 * }</pre>
 */
public record HostAndPort(String host, int port) {

    public HostAndPort {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host must not be blank: was '" + host + "'");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be between 1 and 65535: was " + port);
        }
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
