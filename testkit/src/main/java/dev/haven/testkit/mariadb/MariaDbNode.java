package dev.haven.testkit.mariadb;

import dev.haven.testkit.internal.FaultProxy;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.OptionalLong;

/**
 * One MariaDB server of a {@link MariaDbCluster}. Applications connect through {@link #port()}, the port of the node's
 * fault proxy; {@link #directPort()} is the server itself (what replication and the testkit's own SQL use, so faults
 * injected at the proxy never disturb the harness).
 *
 * <pre>{@code
 * MariaDbNode writer = cluster.primary();
 * try (Connection c = DriverManager.getConnection(writer.jdbcUrl(), cluster.user(), cluster.password())) { ... }
 * String pos = writer.queryString("SELECT @@gtid_binlog_pos");   // admin SQL on the direct port
 * }</pre>
 *
 * <p>Whether a node is the primary is decided by the cluster ({@link MariaDbCluster#primary()}), not by the node.
 */
public final class MariaDbNode {

    /** The node's part in the cluster, as the testkit set it up. */
    public enum Role {
        /** Writable ({@code read_only = OFF}), replicated from by the others. */
        PRIMARY,
        /** {@code read_only = ON}, replicating on GTID from the primary. */
        REPLICA
    }

    private static final String LOOPBACK = "127.0.0.1";

    private final MariaDbCluster cluster;
    private final String name;
    final int serverId;
    final Path nodeDir;
    final Path dataDir;
    final Path logFile;
    volatile int directPort;
    volatile FaultProxy proxy;
    volatile Process process;
    volatile long logOffset;
    volatile boolean suspended;

    MariaDbNode(MariaDbCluster cluster, String name, int serverId, Path nodeDir) {
        this.cluster = cluster;
        this.name = name;
        this.serverId = serverId;
        this.nodeDir = nodeDir;
        this.dataDir = nodeDir.resolve("data");
        this.logFile = nodeDir.resolve("server.log");
    }

    /** "my0", "my1", ... in creation order; my0 is the initial primary. */
    public String name() {
        return name;
    }

    /** The server's {@code server_id} (creation index + 1). */
    public int serverId() {
        return serverId;
    }

    /** {@link Role#PRIMARY} for {@link MariaDbCluster#primary()}, {@link Role#REPLICA} for every other node. */
    public Role role() {
        return cluster.primary() == this ? Role.PRIMARY : Role.REPLICA;
    }

    /** The address the node's proxy listens on: 127.0.0.1. */
    public String host() {
        return LOOPBACK;
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

    /** {@code jdbc:mariadb://127.0.0.1:<proxied port>/<database>}. */
    public String jdbcUrl() {
        return "jdbc:mariadb://" + LOOPBACK + ":" + port() + "/" + cluster.database();
    }

    /** {@code jdbc:mariadb://127.0.0.1:<direct port>/<database>}. */
    public String directJdbcUrl() {
        return "jdbc:mariadb://" + LOOPBACK + ":" + directPort + "/" + cluster.database();
    }

    /** A direct connection (bypassing the proxy) as the cluster's administrative account, to the cluster's database. */
    public Connection connectAdmin() throws SQLException {
        return cluster.admin(this, cluster.database());
    }

    /** Runs an administrative statement on the direct port (e.g. {@code SET GLOBAL ...}, {@code FLUSH BINARY LOGS}). */
    public void execute(String sql) {
        cluster.execute(this, sql);
    }

    /** The first column of the first row of an administrative query on the direct port (null for SQL NULL). */
    public String queryString(String sql) {
        return cluster.queryString(this, sql);
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

    /** The server's log (its stdout and stderr). */
    public Path logFile() {
        return logFile;
    }

    @Override
    public String toString() {
        FaultProxy p = proxy;
        return name + "[" + LOOPBACK + ":" + (p == null ? "-" : Integer.toString(p.port())) + " -> " + directPort
                + (isRunning() ? "" : ", not running") + "]";
    }
}
