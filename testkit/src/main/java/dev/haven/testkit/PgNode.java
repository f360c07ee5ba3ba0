package dev.haven.testkit;

import dev.haven.testkit.internal.FaultProxy;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalLong;

/**
 * One PostgreSQL server of a {@link PostgresCluster}. Applications connect through {@link #port()}, the port of
 * the node's fault proxy; {@link #directPort()} is the server itself (what replication uses, and what the
 * testkit's own commands use, so faults injected at the proxy never disturb the harness).
 *
 * <pre>{@code
 * PgNode writer = cluster.primary();
 * try (Connection c = DriverManager.getConnection(writer.jdbcUrl(), cluster.user(), cluster.password())) { ... }
 * }</pre>
 *
 * <p>Whether a node is the primary is decided by the cluster ({@link PostgresCluster#primary()}), not by the node.
 */
public final class PgNode {

    private static final String LOOPBACK = "127.0.0.1";

    private final String name;
    private final String database;
    private final String host;
    final int index;
    final Map<String, String> serverSettings;
    final Path nodeDir;
    final Path dataDir;
    final Path logFile;
    volatile int directPort;
    /** This node names its server's own port, not its proxy's, to its primary (see {@code discoverDirectPorts()}). */
    volatile boolean advertiseDirect;
    volatile FaultProxy proxy;
    volatile Process process;

    PgNode(String name, int index, Path nodeDir, String database, String host, Map<String, String> serverSettings) {
        this.name = name;
        this.index = index;
        this.database = database;
        this.host = host;
        this.serverSettings = Map.copyOf(serverSettings);
        this.nodeDir = nodeDir;
        this.dataDir = nodeDir.resolve("data");
        this.logFile = nodeDir.resolve("server.log");
    }

    /** "pg0", "pg1", ... in creation order; pg0 is the initial primary. */
    public String name() {
        return name;
    }

    /**
     * The address the node's proxy listens on: 127.0.0.1, or in {@link AuroraPostgresCluster Aurora mode} the
     * node's own loopback address (127.0.0.2, 127.0.0.3, ...).
     */
    public String host() {
        return host;
    }

    /** The proxied port: what applications should use. */
    public int port() {
        FaultProxy p = proxy;
        if (p == null) {
            throw new IllegalStateException(name + " has no proxy yet (the cluster is still starting)");
        }
        return p.port();
    }

    /** The server's own port (bypasses the fault proxy). */
    public int directPort() {
        return directPort;
    }

    /** {@code jdbc:postgresql://<host()>:<proxied port>/<database>}. */
    public String jdbcUrl() {
        return "jdbc:postgresql://" + host + ":" + port() + "/" + database;
    }

    /** {@code jdbc:postgresql://127.0.0.1:<direct port>/<database>}. */
    public String directJdbcUrl() {
        return "jdbc:postgresql://" + LOOPBACK + ":" + directPort + "/" + database;
    }

    /** The postmaster's pid, empty when the server is not running. */
    public OptionalLong pid() {
        Process p = process;
        return p != null && p.isAlive() ? OptionalLong.of(p.pid()) : OptionalLong.empty();
    }

    public boolean isRunning() {
        Process p = process;
        return p != null && p.isAlive();
    }

    /** The server's log file (stdout and stderr of the postmaster). */
    public Path logFile() {
        return logFile;
    }

    @Override
    public String toString() {
        FaultProxy p = proxy;
        return name + "[" + host + ":" + (p == null ? "-" : Integer.toString(p.port())) + " -> " + directPort
                + (isRunning() ? "" : ", not running") + "]";
    }
}
