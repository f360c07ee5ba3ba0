package dev.haven.testkit.redis;

import dev.haven.testkit.redis.internal.RedisProxy;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * One process of a {@link RedisTopology}: a data node ({@code redis0}, {@code redis1}, ...) or a Sentinel
 * ({@code sentinel0}, ...). Applications connect through {@link #port()}, the port of the node's fault proxy; that is
 * also the address the node announces (so Sentinel hands it out). {@link #directPort()} is the server itself.
 *
 * <pre>{@code
 * RedisNode writer = topology.primary();
 * RedisClient.create(topology.redisUri(writer));
 * }</pre>
 *
 * <p>Whether a data node is the primary is decided by the topology ({@link RedisTopology#primary()}), not by the node.
 */
public final class RedisNode {

    private static final String HOST = "127.0.0.1";

    private final String name;
    private final boolean sentinel;
    final int index;
    final Path nodeDir;
    final Path dataDir;
    final Path configFile;
    final Path logFile;
    volatile int directPort;
    volatile RedisProxy proxy;
    volatile Process process;
    volatile String region = "";

    RedisNode(String name, boolean sentinel, int index, Path nodeDir) {
        this.name = name;
        this.sentinel = sentinel;
        this.index = index;
        this.nodeDir = nodeDir;
        this.dataDir = nodeDir.resolve("data");
        this.configFile = dataDir.resolve(sentinel ? "sentinel.conf" : "redis.conf");
        this.logFile = nodeDir.resolve("server.log");
    }

    /** "redis0", "redis1", ... ("redis0" is the initial primary) or "sentinel0", "sentinel1", "sentinel2". */
    public String name() {
        return name;
    }

    /**
     * The node's region in {@linkplain RedisTopology.Builder#globalDatastore(String, String...) Global Datastore mode}
     * (fixed for the node's life; which region is primary changes with {@link RedisTopology#promoteRegion}); {@code ""}
     * otherwise and for Sentinels.
     */
    public String region() {
        return region;
    }

    /** True for a Sentinel process, false for a data node. */
    public boolean isSentinel() {
        return sentinel;
    }

    public String host() {
        return HOST;
    }

    /** The proxied port: what applications should use, and what the node announces. */
    public int port() {
        RedisProxy p = proxy;
        if (p == null) {
            throw new IllegalStateException(name + " has no proxy yet (the topology is still starting)");
        }
        return p.port();
    }

    /** The server's own port on 127.0.0.1 (bypasses the fault proxy). */
    public int directPort() {
        return directPort;
    }

    /**
     * The loopback address a data node binds first and therefore opens its replication connection from
     * (127.0.0.2 for redis0, 127.0.0.3 for redis1, ...): how the proxies tell replication from clients.
     */
    String sourceAddress() {
        return "127.0.0." + (2 + index);
    }

    /** The server's pid, empty when it is not running. */
    public OptionalLong pid() {
        Process p = process;
        return p != null && p.isAlive() ? OptionalLong.of(p.pid()) : OptionalLong.empty();
    }

    public boolean isRunning() {
        Process p = process;
        return p != null && p.isAlive();
    }

    /** The server's log file (its stdout and stderr). */
    public Path logFile() {
        return logFile;
    }

    @Override
    public String toString() {
        RedisProxy p = proxy;
        return name + "[" + HOST + ":" + (p == null ? "-" : Integer.toString(p.port())) + " -> " + directPort
                + (isRunning() ? "" : ", not running") + "]";
    }
}
