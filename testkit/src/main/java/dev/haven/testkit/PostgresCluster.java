package dev.haven.testkit;

import dev.haven.testkit.internal.DataDirTemplates;
import dev.haven.testkit.internal.FaultProxy;
import dev.haven.testkit.internal.FileTree;
import dev.haven.testkit.internal.FreePorts;
import dev.haven.testkit.internal.Lsn;
import dev.haven.testkit.internal.PgBinaries;
import dev.haven.testkit.internal.Quoting;
import dev.haven.testkit.internal.RunDirectory;
import dev.haven.testkit.internal.ServerGroup;
import dev.haven.testkit.internal.ServerProcesses;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntSupplier;
import java.util.stream.Collectors;
import org.netcrusher.core.reactor.NioReactor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL primary with streaming hot-standby replicas on this machine, each behind a fault proxy.
 *
 * <pre>{@code
 * try (PostgresCluster cluster = PostgresCluster.start(2)) {
 *     try (Connection c = DriverManager.getConnection(cluster.jdbcUrl(), cluster.user(), cluster.password())) {
 *         c.createStatement().execute("create table t(id int)");
 *     }
 *     cluster.awaitReplicated(Duration.ofSeconds(10));
 *     cluster.killWriter();
 *     PgNode writer = cluster.promote(cluster.mostAdvancedReplica());
 * }
 * }</pre>
 *
 * <h2>How it starts fast</h2>
 * The primary's data directory is created once with {@code initdb}; before the primary ever runs, that cleanly
 * shut-down directory is copied once per replica with a {@code standby.signal} and a {@code primary_conninfo}.
 * All servers then start in parallel; every replica begins in a consistent state (the shutdown checkpoint) and
 * streams from the primary at once. No base backup is needed at start ({@link #addReplica()} takes one online).
 *
 * <h2>Processes</h2>
 * Each server is a direct child process of this JVM ({@code postgres -D ...}, no daemonizing), so its pid is
 * known and only pids this JVM started are ever signalled. As root the servers run as uid/gid 65534 (PostgreSQL
 * refuses root). Replication and the testkit's own SQL go to the servers' direct ports; applications should use
 * the proxied ports ({@link #jdbcUrl()}, {@link PgNode#jdbcUrl()}), where {@link #freeze}, {@link #reset} and
 * {@link #latency} act.
 *
 * <h2>Threading</h2>
 * Topology operations (kill, stop, restart, promote, addReplica) are serialized on the cluster. Fault-proxy
 * operations are not, and may be called from any thread at any time. {@link #close()} may be called from any
 * thread, is idempotent, and is also run by one JVM shutdown hook for every cluster still open.
 */
public final class PostgresCluster implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PostgresCluster.class);

    static final int MAX_REPLICAS = 5;
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);
    private static final long POLL_MILLIS = 50;
    private static final int START_ATTEMPTS = 3;

    private final int initialReplicas;
    private final int synchronousStandbys;
    private final String database;
    private final String user;
    private final String password;
    private final Duration startupTimeout;
    private final Map<String, String> extraConfig;
    private final IntSupplier ports;
    private final NodeLayout layout;
    private final Tls tls;
    private final boolean discoverDirectPorts;
    private volatile TlsCertificates certificates;
    private volatile TopologyListener listener = TopologyListener.NONE;
    private volatile int sharedProxyPort;
    private final PgBinaries binaries;
    private final ServerGroup group;
    private final Path runDir;
    private final NioReactor reactor;

    private final List<PgNode> all = new CopyOnWriteArrayList<>();
    private volatile PgNode primary;
    private volatile Duration startupTime = Duration.ZERO;
    private int nextIndex;

    private PostgresCluster(Builder b, PgBinaries binaries, ServerGroup group) {
        this.initialReplicas = b.replicas;
        this.synchronousStandbys = b.synchronousStandbys;
        this.database = b.database;
        this.user = b.user;
        this.password = b.password;
        this.startupTimeout = b.startupTimeout;
        this.extraConfig = Collections.unmodifiableMap(new LinkedHashMap<>(b.extraConfig));
        this.ports = b.ports;
        this.layout = b.layout;
        this.tls = b.tls;
        this.discoverDirectPorts = b.discoverDirectPorts;
        this.binaries = binaries;
        this.group = group;
        this.runDir = group.runDir();
        this.reactor = group.reactor();
    }

    private volatile long lastPromotionNanoTime = -1;

    public static Builder builder() {
        return new Builder();
    }

    /** A primary and {@code replicas} streaming replicas with default settings: {@code builder().replicas(n).start()}. */
    public static PostgresCluster start(int replicas) {
        return builder().replicas(replicas).start();
    }

    // ------------------------------------------------------------------------------------------------ accessors

    /** The node the testkit treats as the writer; changes only through {@link #promote(PgNode)}. */
    public PgNode primary() {
        return primary;
    }

    /** Every node except {@link #primary()}, running or not, in creation order. */
    public List<PgNode> replicas() {
        PgNode p = primary;
        return all.stream().filter(n -> n != p).collect(Collectors.toUnmodifiableList());
    }

    /** All nodes, primary first, then the others in creation order. */
    public List<PgNode> nodes() {
        List<PgNode> out = new ArrayList<>();
        out.add(primary);
        out.addAll(replicas());
        return Collections.unmodifiableList(out);
    }

    /** A multi-host URL over every node's proxied address, primary first: {@code jdbc:postgresql://h:p1,h:p2/db}. */
    public String jdbcUrl() {
        return "jdbc:postgresql://" + nodes().stream().map(n -> n.host() + ":" + n.port()).collect(Collectors.joining(","))
                + "/" + database;
    }

    public String user() {
        return user;
    }

    public String password() {
        return password;
    }

    public String database() {
        return database;
    }

    /** Where the server binaries came from, e.g. "system PostgreSQL 15.18 at /usr/lib/postgresql/15/bin". */
    public String binarySource() {
        return binaries.description();
    }

    /** The server major version (e.g. 15, 17). */
    public int serverMajorVersion() {
        return binaries.majorVersion();
    }

    /** How long {@code start()} took until every replica streamed and every proxy listened. */
    public Duration startupTime() {
        return startupTime;
    }

    /** The directory holding every node's data directory and log; deleted by {@link #close()}. */
    public Path workDir() {
        return runDir;
    }

    /**
     * The CA certificate (PEM) that signed every node's server certificate, for a client's {@code sslrootcert}; made at
     * start in the {@link #workDir()}.
     *
     * @throws IllegalStateException if the cluster was not built with {@link Builder#tls()} or {@link Builder#tlsOnly()}
     */
    public Path tlsCaCertificate() {
        TlsCertificates c = certificates;
        if (c == null) {
            throw new IllegalStateException("This cluster runs without TLS; build it with tls() or tlsOnly()");
        }
        return c.caCertificate();
    }

    /**
     * URL parameters that make pgjdbc verify every node against the cluster's CA and host name:
     * {@code sslmode=verify-full&sslrootcert=<ca>}, e.g. {@code cluster.jdbcUrl() + "?" + cluster.tlsUrlParameters()}.
     *
     * @throws IllegalStateException if the cluster runs without TLS
     */
    public String tlsUrlParameters() {
        return "sslmode=verify-full&sslrootcert=" + tlsCaCertificate();
    }

    /** True when every node serves TLS ({@link Builder#tls()}); {@link #tlsRequired()} says whether plain is refused. */
    public boolean tlsEnabled() {
        return tls != Tls.OFF;
    }

    /** True when every node refuses connections without TLS ({@link Builder#tlsOnly()}), replication included. */
    public boolean tlsRequired() {
        return tls == Tls.REQUIRED;
    }

    /** Postmaster pids of every server this cluster ever started (for leak checks). */
    public List<Long> pids() {
        return group.pids();
    }

    /** A direct connection to the node's server (bypassing its proxy) to the cluster's database. */
    public Connection connect(PgNode node) throws SQLException {
        return DriverManager.getConnection(node.directJdbcUrl(), props(5, 30));
    }

    // ------------------------------------------------------------------------------------------------ start

    private static PostgresCluster start(Builder b) {
        PgBinaries binaries = PgBinaries.resolve(b.binaries);
        if (binaries.majorVersion() < 13) {
            throw new IllegalStateException("The testkit needs PostgreSQL 13 or newer (primary_conninfo reload, wal_keep_size); "
                    + binaries.description() + " is too old. Set " + PgBinaries.SELECTION_PROPERTY + "=maven or point PG_BIN at a newer one");
        }
        PostgresCluster cluster = new PostgresCluster(b, binaries, ServerGroup.open(b.workDir));
        return ServerGroup.start(cluster, cluster::boot);
    }

    private synchronized void boot() {
        long t0 = System.nanoTime();
        long deadline = t0 + startupTimeout.toNanos();
        try {
            PgNode first = newNode();
            initdb(first);
            writeBaseConfig(first.dataDir);
            if (tls != Tls.OFF) {
                writeTls(first.dataDir);
            }
            ServerProcesses.ownForServer(first.dataDir, true);
            List<PgNode> standbys = new ArrayList<>();
            for (int i = 0; i < initialReplicas; i++) {
                PgNode r = newNode();
                FileTree.copy(first.dataDir, r.dataDir, Set.of(), rel -> false);
                Files.writeString(r.dataDir.resolve("standby.signal"), "");
                standbys.add(r);
            }
            primary = first;
            for (int attempt = 1; ; attempt++) {
                try {
                    if (layout.sharedProxyPort()) {
                        sharedProxyPort = ports.getAsInt();
                    }
                    first.directPort = ports.getAsInt();
                    openProxy(first);
                    for (PgNode r : standbys) {
                        r.directPort = ports.getAsInt();
                        openProxy(r); // before primary_conninfo: a standby's application_name is its proxied address
                        writePrimaryConninfo(r, first);
                        ServerProcesses.ownForServer(r.dataDir, true);
                    }
                    spawn(first);
                    for (PgNode r : standbys) {
                        spawn(r);
                    }
                    awaitAcceptingConnections(first, Boolean.FALSE, deadline);
                    for (PgNode r : standbys) {
                        awaitAcceptingConnections(r, Boolean.TRUE, deadline);
                    }
                    break;
                } catch (PortConflict e) {
                    all.forEach(this::killQuietly);
                    if (attempt == START_ATTEMPTS) {
                        throw new PostgresClusterException("Could not start the cluster: " + START_ATTEMPTS
                                + " attempts on fresh free ports all hit a port conflict. Last: " + e.getMessage());
                    }
                    LOG.info("Port conflict while starting ({}); retrying on other ports", e.getMessage());
                }
            }
            if (!"postgres".equals(database)) {
                execute(first, "CREATE DATABASE " + Quoting.sqlIdentifier(database));
            }
            awaitStreaming(first, standbys, deadline);
            // Streaming is not enough: a client must find the database on every replica as soon as start() returns.
            awaitReplicated(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        } catch (IOException e) {
            throw new UncheckedIOException("Could not set up the cluster in " + runDir + ": " + e.getMessage(), e);
        }
        startupTime = Duration.ofNanos(System.nanoTime() - t0);
        LOG.info("PostgreSQL primary + {} replica(s) ready in {} ms ({}; synchronous standbys: {}; work dir {})",
                initialReplicas, startupTime.toMillis(), binaries.description(), synchronousStandbys, runDir);
    }

    /**
     * (Re)opens the node's fault proxy towards its current direct port: on a free port of 127.0.0.1, or with a
     * {@link NodeLayout#sharedProxyPort() shared port} on the node's own address.
     *
     * @throws PortConflict when the shared port is taken on the node's address
     */
    private void openProxy(PgNode n) throws PortConflict {
        FaultProxy old = n.proxy;
        if (old != null) {
            old.close();
        }
        if (!layout.sharedProxyPort()) {
            n.proxy = FaultProxy.open(reactor, n.host(), n.directPort);
            return;
        }
        try {
            n.proxy = FaultProxy.open(reactor, n.host(), sharedProxyPort, "127.0.0.1", n.directPort);
        } catch (RuntimeException e) {
            n.proxy = null;
            throw new PortConflict(n.name() + ": cannot listen on " + n.host() + ":" + sharedProxyPort + " (" + e + ")");
        }
    }

    private PgNode newNode() throws IOException {
        int index = nextIndex++;
        PgNode n = new PgNode("pg" + index, index, runDir.resolve("pg" + index), database, layout.proxyHost(index),
                layout.serverSettings(index));
        n.advertiseDirect = discoverDirectPorts;
        Files.createDirectory(n.nodeDir);
        Files.createDirectory(n.dataDir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        ServerProcesses.ownForServer(n.dataDir, false);
        all.add(n);
        return n;
    }

    /** Fills the node's data directory from the initdb template cache (initdb runs once per binaries/user/password). */
    private void initdb(PgNode n) throws IOException {
        DataDirTemplates.copyInto(n.dataDir, binaries, user, password, this::runInitdb);
    }

    private void runInitdb(Path dataDir, Path workDir) throws IOException {
        Path pwFile = workDir.resolve("initdb.pw");
        Files.writeString(pwFile, password + "\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(pwFile, PosixFilePermissions.fromString("rw-------"));
        ServerProcesses.ownForServer(pwFile, false);
        List<String> cmd = new ArrayList<>(List.of(binaries.executable("initdb").toString(),
                "-D", dataDir.toString(), "-U", user, "--pwfile=" + pwFile, "--auth=scram-sha-256",
                "-E", "UTF8", "--no-locale", "--no-sync"));
        if (binaries.majorVersion() >= 14) {
            cmd.add("--no-instructions");
        }
        Path log = workDir.resolve("initdb.log");
        try {
            ServerProcesses.run(cmd, workDir, log, startupTimeout);
        } catch (IOException e) {
            throw new PostgresClusterException("initdb failed (" + binaries.description() + "): " + e.getMessage(), e);
        } finally {
            Files.deleteIfExists(pwFile);
        }
    }

    private void writeBaseConfig(Path dataDir) throws IOException {
        Map<String, String> conf = new LinkedHashMap<>();
        conf.put("listen_addresses", "'127.0.0.1'");
        conf.put("unix_socket_directories", "''");
        conf.put("wal_level", "replica");
        conf.put("hot_standby", "on");
        conf.put("max_wal_senders", "10");
        conf.put("max_replication_slots", "10");
        conf.put("wal_keep_size", "'256MB'");
        conf.put("fsync", "off");
        conf.put("synchronous_commit", "on");
        conf.put("hot_standby_feedback", "on");
        conf.put("wal_receiver_status_interval", "1s");
        conf.put("wal_retrieve_retry_interval", "200ms");
        conf.put("shared_buffers", "32MB");
        conf.put("max_connections", "100");
        conf.put("logging_collector", "off");
        // DSM segments in the data dir (deleted with it) rather than /dev/shm, where a killed server leaves them behind
        conf.put("dynamic_shared_memory_type", "mmap");
        conf.put("log_line_prefix", "'%m [%p] %q%a '");
        if (synchronousStandbys > 0) {
            conf.put("synchronous_standby_names", Quoting.confString("ANY " + synchronousStandbys + " (*)"));
        }
        for (Map.Entry<String, String> e : extraConfig.entrySet()) {
            conf.put(e.getKey(), Quoting.confString(e.getValue()));
        }
        StringBuilder sb = new StringBuilder("\n# --- haven testkit ---\n");
        conf.forEach((k, v) -> sb.append(k).append(" = ").append(v).append('\n'));
        Files.writeString(dataDir.resolve("postgresql.conf"), sb.toString(), StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.APPEND);
        String hba = tls == Tls.REQUIRED
                ? "# haven testkit: password auth over TLS on loopback only; without TLS refused\n"
                        + "hostssl all all 127.0.0.1/32 scram-sha-256\n"
                        + "hostssl replication all 127.0.0.1/32 scram-sha-256\n"
                        + "hostnossl all all 0.0.0.0/0 reject\n"
                        + "hostnossl replication all 0.0.0.0/0 reject\n"
                : "# haven testkit: password auth on loopback only\n"
                        + "host all all 127.0.0.1/32 scram-sha-256\n"
                        + "host replication all 127.0.0.1/32 scram-sha-256\n";
        Files.writeString(dataDir.resolve("pg_hba.conf"), hba, StandardCharsets.UTF_8);
    }

    /**
     * A new CA and a server certificate for every address a client may use (127.0.0.1, localhost and each proxy
     * address of the layout), its key in the data directory (copied to every replica with it, 0600, owned by the
     * server user with the rest) and {@code ssl = on}.
     */
    private void writeTls(Path dataDir) throws IOException {
        java.util.LinkedHashSet<String> hosts = new java.util.LinkedHashSet<>(List.of("127.0.0.1", "localhost"));
        for (int i = 0; i <= MAX_REPLICAS; i++) {
            try {
                hosts.add(layout.proxyHost(i));
            } catch (RuntimeException e) {
                break; // a layout with fewer addresses
            }
        }
        long t0 = System.nanoTime();
        TlsCertificates made = TlsCertificates.create(runDir.resolve("tls"), List.copyOf(hosts));
        certificates = made;
        Files.copy(made.serverCertificate(), dataDir.resolve("server.crt"));
        Files.copy(made.caCertificate(), dataDir.resolve("root.crt"));
        Files.copy(made.serverKey(), dataDir.resolve("server.key"), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        Files.setPosixFilePermissions(dataDir.resolve("server.key"), PosixFilePermissions.fromString("rw-------"));
        Files.writeString(dataDir.resolve("postgresql.conf"), "ssl = on\nssl_cert_file = 'server.crt'\n"
                + "ssl_key_file = 'server.key'\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
        LOG.info("TLS certificates for {} made in {} ms (CA {})", hosts, Duration.ofNanos(System.nanoTime() - t0).toMillis(),
                made.caCertificate());
    }

    private String conninfo(PgNode upstream, PgNode standby) {
        return "host=127.0.0.1 port=" + upstream.directPort + " user=" + Quoting.conninfoValue(user)
                + " password=" + Quoting.conninfoValue(password) + " application_name=" + applicationName(standby)
                + " connect_timeout=2" + (tls == Tls.OFF ? "" : replicationTls(standby));
    }

    /**
     * Replication over verified TLS: the CA copied into every data directory as {@code root.crt}. The client
     * certificate is named explicitly (a file that does not exist) because libpq would otherwise look in the server
     * user's {@code ~/.postgresql}, which as uid 65534 with root's HOME is unreadable and fails the connection.
     */
    private static String replicationTls(PgNode standby) {
        return " sslmode=verify-full sslrootcert=" + Quoting.conninfoValue(standby.dataDir.resolve("root.crt").toString())
                + " sslcert=" + Quoting.conninfoValue(standby.dataDir.resolve("no-client.crt").toString())
                + " sslkey=" + Quoting.conninfoValue(standby.dataDir.resolve("no-client.key").toString());
    }

    /**
     * A standby's {@code application_name} is its own proxied {@code host:port}: the convention by which
     * Haven discovers replicas from the primary's {@code pg_stat_replication}.
     */
    static String applicationName(PgNode standby) {
        return standby.advertiseDirect ? "127.0.0.1:" + standby.directPort : standby.host() + ":" + standby.port();
    }

    /** Rewrites postgresql.auto.conf of a stopped standby: any previous primary_conninfo replaced. */
    private void writePrimaryConninfo(PgNode standby, PgNode upstream) throws IOException {
        Path auto = standby.dataDir.resolve("postgresql.auto.conf");
        List<String> lines = Files.exists(auto) ? new ArrayList<>(Files.readAllLines(auto)) : new ArrayList<>();
        lines.removeIf(l -> l.trim().startsWith("primary_conninfo"));
        lines.add("primary_conninfo = " + Quoting.confString(conninfo(upstream, standby)));
        Files.write(auto, lines, StandardCharsets.UTF_8);
    }

    private void spawn(PgNode n) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(binaries.executable("postgres").toString(), "-D", n.dataDir.toString(),
                "-p", Integer.toString(n.directPort), "-c", "cluster_name=" + n.name()));
        n.serverSettings.forEach((k, v) -> cmd.addAll(List.of("-c", k + "=" + v)));
        n.process = group.spawn(cmd, n.nodeDir, n.logFile);
    }

    /** Thrown when a server exits because its port is taken; the caller retries on other ports. */
    private static final class PortConflict extends Exception {
        private static final long serialVersionUID = 1L;

        PortConflict(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Polls until the node accepts connections, optionally checking its recovery state (null: any). Fails fast,
     * with the tail of the server log, when the process exits.
     */
    private void awaitAcceptingConnections(PgNode n, Boolean inRecovery, long deadline) throws PortConflict {
        SQLException last = null;
        while (true) {
            Process p = n.process;
            if (p == null || !p.isAlive()) {
                String tail = ServerProcesses.tail(n.logFile, 25);
                if (tail.contains("Address already in use") || tail.contains("could not create any TCP/IP sockets")) {
                    throw new PortConflict(n.name() + " port " + n.directPort + " is in use");
                }
                throw new PostgresClusterException(n.name() + " (" + binaries.description() + ") exited with code "
                        + (p == null ? "?" : Integer.toString(p.exitValue())) + " while starting. Last lines of "
                        + n.logFile + ":\n" + tail);
            }
            if (!listening(n, p)) {
                if (System.nanoTime() > deadline) {
                    throw new ClusterTimeoutException(n.name() + " did not open its port " + n.directPort + " within "
                            + startupTimeout + ". Last lines of " + n.logFile + ":\n" + ServerProcesses.tail(n.logFile, 25));
                }
                pause();
                continue;
            }
            try (Connection c = DriverManager.getConnection(adminUrl(n), props(1, 10));
                 Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT pg_is_in_recovery()")) {
                rs.next();
                if (inRecovery == null || rs.getBoolean(1) == inRecovery) {
                    return;
                }
            } catch (SQLException e) {
                last = e;
            }
            if (System.nanoTime() > deadline) {
                throw new ClusterTimeoutException(n.name() + " did not accept connections"
                        + (inRecovery == null ? "" : inRecovery ? " as a standby" : " as a primary") + " within "
                        + startupTimeout + " (last error: " + (last == null ? "none" : last.getMessage()) + "). Last lines of "
                        + n.logFile + ":\n" + ServerProcesses.tail(n.logFile, 25));
            }
            pause();
        }
    }

    /**
     * True once the postmaster has bound its TCP socket: line 6 of postmaster.pid (listen address) is filled in
     * after the sockets are created, as pg_ctl checks. Until then a JDBC probe could reach whatever else holds the
     * port and hang for its login timeout.
     */
    private static boolean listening(PgNode n, Process p) {
        try {
            List<String> lines = Files.readAllLines(n.dataDir.resolve("postmaster.pid"));
            return lines.size() >= 6 && lines.get(0).trim().equals(Long.toString(p.pid())) && !lines.get(5).isBlank();
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Polls the upstream's pg_stat_replication until each standby streams from it. */
    private void awaitStreaming(PgNode upstream, List<PgNode> standbys, long deadline) {
        if (standbys.isEmpty()) {
            return;
        }
        Set<String> wanted = standbys.stream().map(PostgresCluster::applicationName).collect(Collectors.toSet());
        Set<String> streaming = Set.of();
        while (true) {
            try {
                streaming = new java.util.HashSet<>(queryStrings(upstream,
                        "SELECT application_name FROM pg_stat_replication WHERE state = 'streaming'"));
                if (streaming.containsAll(wanted)) {
                    return;
                }
            } catch (PostgresClusterException e) {
                // upstream briefly unavailable: keep polling until the deadline
            }
            for (PgNode s : standbys) {
                if (!s.isRunning()) {
                    throw new PostgresClusterException(s.name() + " exited while waiting for it to stream from "
                            + upstream.name() + ". Last lines of " + s.logFile + ":\n" + ServerProcesses.tail(s.logFile, 25));
                }
            }
            if (System.nanoTime() > deadline) {
                Set<String> missing = new java.util.TreeSet<>(wanted);
                missing.removeAll(streaming);
                StringBuilder sb = new StringBuilder("Replica(s) " + missing + " did not stream from " + upstream.name()
                        + " in time (streaming: " + streaming + ").");
                for (PgNode s : standbys) {
                    if (missing.contains(applicationName(s))) {
                        sb.append("\nLast lines of ").append(s.logFile).append(":\n").append(ServerProcesses.tail(s.logFile, 15));
                    }
                }
                throw new ClusterTimeoutException(sb.toString());
            }
            pause();
        }
    }

    // ------------------------------------------------------------------------------------------------ operations

    /** SIGKILL to the current primary's postmaster and its processes. {@link #primary()} is unchanged until a promote. */
    public void killWriter() {
        kill(primary);
    }

    /** SIGKILL to the node's postmaster, then to every process it had started; waits until they are gone. */
    public synchronized void kill(PgNode node) {
        requireMember(node);
        Process p = node.process;
        if (p != null && p.isAlive()) {
            ServerProcesses.kill(p);
            LOG.info("Killed {} (pid {})", node.name(), p.pid());
        }
    }

    /** Fast shutdown (SIGINT), bounded by 10 s, then SIGKILL. */
    public synchronized void stop(PgNode node) {
        requireMember(node);
        Process p = node.process;
        if (p != null && p.isAlive()) {
            boolean clean = ServerProcesses.stop(p, STOP_GRACE);
            LOG.info("Stopped {} (pid {}){}", node.name(), p.pid(), clean ? "" : " by SIGKILL after " + STOP_GRACE);
        }
    }

    /**
     * Starts a stopped or killed node again, same data directory and ports, and waits until it accepts connections
     * (and, if it is a standby, until it streams from the current primary). A killed primary restarts as a primary
     * after crash recovery. A former primary restarted after {@link #promote} also comes back as a writer (a split
     * brain, as in real life); it is not a replica and {@link #awaitReplicated} ignores it.
     */
    public synchronized void restart(PgNode node) {
        requireMember(node);
        if (node.isRunning()) {
            throw new IllegalStateException(node.name() + " is running; stop(node) or kill(node) it before restart(node)");
        }
        long deadline = System.nanoTime() + startupTimeout.toNanos();
        try {
            spawn(node);
            awaitAcceptingConnections(node, null, deadline);
        } catch (PortConflict e) {
            throw new PostgresClusterException("Cannot restart " + node.name() + ": its port " + node.directPort
                    + " is now used by another process. Free it or start a new cluster.");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot restart " + node.name() + ": " + e.getMessage(), e);
        }
        PgNode p = primary;
        if (node != p && p.isRunning() && isInRecovery(node)) {
            awaitStreaming(p, List.of(node), deadline);
        }
        LOG.info("Restarted {} (pid {})", node.name(), node.process.pid());
    }

    /**
     * Promotes a replica ({@code pg_promote()}), waits until it is out of recovery, then points every other running
     * standby at it ({@code ALTER SYSTEM SET primary_conninfo} + reload; recovery_target_timeline is 'latest') and
     * waits until they stream from it. A standby that had received WAL the new primary never had cannot follow
     * (it would need pg_rewind); that shows up as a {@link ClusterTimeoutException}. Promote the
     * {@link #mostAdvancedReplica()} to avoid it.
     *
     * @return the new primary (the argument)
     */
    public synchronized PgNode promote(PgNode replica) {
        requireMember(replica);
        if (replica == primary) {
            throw new IllegalArgumentException(replica.name() + " is already the primary");
        }
        if (!replica.isRunning()) {
            throw new IllegalStateException(replica.name() + " is not running; restart(node) it before promote(node)");
        }
        long t0 = System.nanoTime();
        long deadline = t0 + startupTimeout.toNanos();
        List<String> promoted = queryStrings(replica, "SELECT pg_promote(true, " + Math.max(1, startupTimeout.toSeconds()) + ")::text");
        if (!"t".equals(promoted.get(0)) && !"true".equals(promoted.get(0))) {
            throw new PostgresClusterException(replica.name() + ": pg_promote() returned false (not promoted within "
                    + startupTimeout + "). Last lines of " + replica.logFile + ":\n" + ServerProcesses.tail(replica.logFile, 15));
        }
        while (isInRecovery(replica)) {
            if (System.nanoTime() > deadline) {
                throw new ClusterTimeoutException(replica.name() + " is still in recovery " + startupTimeout + " after pg_promote()");
            }
            pause();
        }
        lastPromotionNanoTime = System.nanoTime();
        PgNode old = primary;
        primary = replica;
        RuntimeException listenerFailure = null;
        try {
            listener.promoted(replica, old); // before re-pointing: Aurora's status names the new writer at once
        } catch (RuntimeException e) {
            listenerFailure = e; // the standbys still follow the new primary; the failure is thrown after that
        }
        List<PgNode> followers = new ArrayList<>();
        for (PgNode n : all) {
            if (n != replica && n.isRunning() && isInRecovery(n)) {
                execute(n, "ALTER SYSTEM SET primary_conninfo = " + Quoting.sqlLiteral(conninfo(replica, n)));
                execute(n, "SELECT pg_reload_conf()");
                followers.add(n);
            }
        }
        awaitStreaming(replica, followers, deadline);
        if (listenerFailure != null) {
            throw listenerFailure;
        }
        LOG.info("Promoted {} (previous primary {}) in {} ms; {} follow it", replica.name(), old.name(),
                Duration.ofNanos(System.nanoTime() - t0).toMillis(),
                followers.stream().map(PgNode::name).collect(Collectors.toList()));
        return replica;
    }

    /** The running standby with the highest received-or-replayed WAL position. */
    /**
     * {@link System#nanoTime()} at which the node of the last {@link #promote} was first seen out of recovery,
     * i.e. accepting writes (before the other replicas were re-pointed), or -1 before any promotion. Tests
     * measure "writes back within promotion + 1 s" from here.
     */
    public long lastPromotionNanoTime() {
        return lastPromotionNanoTime;
    }

    public PgNode mostAdvancedReplica() {
        return mostAdvancedReplica(n -> true);
    }

    /** {@link #mostAdvancedReplica()} among the replicas {@code among} accepts. */
    PgNode mostAdvancedReplica(java.util.function.Predicate<PgNode> among) {
        PgNode best = null;
        long bestLsn = Long.MIN_VALUE;
        for (PgNode n : replicas()) {
            if (!n.isRunning() || !among.test(n)) {
                continue;
            }
            List<String> row;
            try {
                row = queryRow(n, "SELECT pg_is_in_recovery()::text, pg_last_wal_receive_lsn()::text, pg_last_wal_replay_lsn()::text");
            } catch (PostgresClusterException e) {
                continue;
            }
            if (!"true".equals(row.get(0))) {
                continue;
            }
            long lsn = Math.max(Lsn.parse(row.get(1)), Lsn.parse(row.get(2)));
            if (lsn > bestLsn) {
                bestLsn = lsn;
                best = n;
            }
        }
        if (best == null) {
            throw new IllegalStateException("No running replica in recovery to choose from: " + replicas());
        }
        return best;
    }

    /** Pauses WAL replay on a standby ({@code pg_wal_replay_pause()}): it keeps receiving but its data stops advancing. */
    public void pauseReplay(PgNode replica) {
        requireStandby(replica);
        execute(replica, "SELECT pg_wal_replay_pause()");
    }

    public void resumeReplay(PgNode replica) {
        requireStandby(replica);
        execute(replica, "SELECT pg_wal_replay_resume()");
    }

    /** Blackholes the node's proxy: open and new proxied connections hang (see {@link FaultProxy}); the direct port is unaffected. */
    public void freeze(PgNode node) {
        proxyOf(node).freeze();
    }

    public void unfreeze(PgNode node) {
        proxyOf(node).unfreeze();
    }

    /** Closes every connection currently open through the node's proxy; new connections work. */
    public void reset(PgNode node) {
        proxyOf(node).reset();
    }

    /** Adds {@code d} to every request/response round trip through the node's proxy; {@link Duration#ZERO} removes it. */
    public void latency(PgNode node, Duration d) {
        Objects.requireNonNull(d, "latency");
        proxyOf(node).latency(d);
    }

    /**
     * Takes a stopped or killed node out of the cluster for good: closes its proxy (its port then refuses
     * connections, as a decommissioned instance's would) and deletes its data. With {@link #addReplica()} this keeps
     * a cluster at full strength through repeated failovers: kill the writer, promote, remove the old writer, add a
     * replica.
     *
     * @throws IllegalStateException if the node is still running or is the current primary
     */
    public synchronized void remove(PgNode node) {
        requireMember(node);
        if (node.isRunning()) {
            throw new IllegalStateException(node.name() + " is running; stop(node) or kill(node) it before remove(node)");
        }
        if (node == primary) {
            throw new IllegalStateException(node.name() + " is the primary; promote a replica before remove(node)");
        }
        all.remove(node);
        FaultProxy proxy = node.proxy;
        if (proxy != null) {
            proxy.close();
        }
        listener.removed(node);
        try {
            FileTree.deleteRecursively(node.nodeDir);
        } catch (IOException e) {
            LOG.warn("Could not delete {}'s directory {}: {}", node.name(), node.nodeDir, e.toString());
        }
        LOG.info("Removed {}", node.name());
    }

    /**
     * Adds a streaming replica online: a non-exclusive base backup of the current primary (file copy between
     * {@code pg_backup_start}/{@code pg_backup_stop}, {@code backup_label} from the stop call), then start and wait
     * until it streams.
     */
    public synchronized PgNode addReplica() {
        if (all.size() >= MAX_REPLICAS + 1) {
            throw new IllegalStateException("A cluster has at most " + (MAX_REPLICAS + 1) + " nodes");
        }
        PgNode source = primary;
        if (!source.isRunning()) {
            throw new IllegalStateException("The primary " + source.name() + " is not running; promote a replica first");
        }
        long t0 = System.nanoTime();
        long deadline = t0 + startupTimeout.toNanos();
        try {
            PgNode n = newNode();
            boolean pg15 = binaries.majorVersion() >= 15;
            try (Connection c = DriverManager.getConnection(adminUrl(source), props(5, 0));
                 Statement s = c.createStatement()) {
                s.execute(pg15 ? "SELECT pg_backup_start('haven-testkit " + n.name() + "', true)"
                        : "SELECT pg_start_backup('haven-testkit " + n.name() + "', true, false)");
                FileTree.copy(source.dataDir, n.dataDir,
                        Set.of("pg_wal", "pg_replslot", "pg_dynshmem", "pg_notify", "pg_serial", "pg_snapshots",
                                "pg_stat_tmp", "pg_subtrans"),
                        rel -> rel.equals("postmaster.pid") || rel.equals("postmaster.opts") || rel.equals("backup_label")
                                || rel.equals("tablespace_map") || rel.equals("standby.signal")
                                || rel.endsWith("pg_internal.init") || rel.contains("pgsql_tmp"));
                String labelFile;
                try (ResultSet rs = s.executeQuery(pg15 ? "SELECT labelfile FROM pg_backup_stop(true)"
                        : "SELECT labelfile FROM pg_stop_backup(false, true)")) {
                    rs.next();
                    labelFile = rs.getString(1);
                }
                Files.writeString(n.dataDir.resolve("backup_label"), labelFile, StandardCharsets.UTF_8);
            } catch (SQLException e) {
                throw new PostgresClusterException("Base backup of " + source.name() + " for a new replica failed: " + e.getMessage(), e);
            }
            Files.writeString(n.dataDir.resolve("standby.signal"), "");
            n.directPort = ports.getAsInt();
            try {
                openProxy(n); // before primary_conninfo: a standby's application_name is its proxied address
                writePrimaryConninfo(n, source);
                ServerProcesses.ownForServer(n.dataDir, true);
                spawn(n);
                awaitAcceptingConnections(n, Boolean.TRUE, deadline);
            } catch (PortConflict e) {
                throw new PostgresClusterException("Cannot start new replica " + n.name() + ": " + e.getMessage());
            }
            awaitStreaming(source, List.of(n), deadline);
            listener.added(n);
            LOG.info("Added replica {} in {} ms", n.name(), Duration.ofNanos(System.nanoTime() - t0).toMillis());
            return n;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not add a replica: " + e.getMessage(), e);
        }
    }

    /**
     * Waits until every running standby has replayed the primary's current WAL position (taken once, at the call).
     *
     * @throws ClusterTimeoutException naming the laggard, its replay/receive LSNs and the target
     */
    public void awaitReplicated(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        PgNode p = primary;
        long target = currentWalLsn(p);
        for (PgNode n : replicas()) {
            if (n.isRunning()) {
                awaitReplayed(n, target, p, timeout, deadline);
            }
        }
    }

    /** Waits until standby {@code n} has replayed {@code target}, {@code p}'s position; returns early if it dies or is no standby. */
    private void awaitReplayed(PgNode n, long target, PgNode p, Duration timeout, long deadline) {
        while (true) {
            List<String> row;
            try {
                row = queryRow(n, "SELECT pg_is_in_recovery()::text, pg_last_wal_replay_lsn()::text, pg_last_wal_receive_lsn()::text");
            } catch (PostgresClusterException e) {
                if (!n.isRunning()) {
                    return; // died meanwhile: nothing to wait for
                }
                row = null;
            }
            if (row != null) {
                if (!"true".equals(row.get(0))) {
                    return; // a restarted former primary: not a replica
                }
                long replay = Lsn.parse(row.get(1));
                if (replay >= target) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new ClusterTimeoutException(n.name() + " did not replay up to the primary's (" + p.name()
                            + ") position " + Lsn.format(target) + " within " + timeout + ": replayed "
                            + Lsn.format(replay) + " (" + (target - replay) + " bytes behind), received "
                            + Lsn.format(Lsn.parse(row.get(2))));
                }
            } else if (System.nanoTime() > deadline) {
                throw new ClusterTimeoutException(n.name() + " did not answer within " + timeout + " while waiting for "
                        + Lsn.format(target));
            }
            pause();
        }
    }

    private long currentWalLsn(PgNode p) {
        return Lsn.parse(queryStrings(p, "SELECT pg_current_wal_lsn()::text").get(0));
    }

    /**
     * A planned switchover without data loss: waits (bounded by the startup timeout) until {@code replica} has
     * replayed the primary's current position, stops the primary cleanly (its WAL senders ship everything up to the
     * shutdown checkpoint before they exit), checks that {@code replica} has replayed the primary's last position,
     * then {@link #promote}s it. The old primary stays stopped.
     *
     * @return the new primary (the argument)
     */
    synchronized PgNode switchover(PgNode replica) {
        requireStandby(replica);
        if (!replica.isRunning()) {
            throw new IllegalStateException(replica.name() + " is not running: it cannot become the primary");
        }
        PgNode old = primary;
        if (!old.isRunning()) {
            throw new IllegalStateException("The primary " + old.name() + " is not running: fail over instead of switching over");
        }
        long deadline = System.nanoTime() + startupTimeout.toNanos();
        awaitReplayed(replica, currentWalLsn(old), old, startupTimeout, deadline); // most of the catch-up, writes still on
        long last = Lsn.parse(queryStrings(old, "SELECT pg_current_wal_insert_lsn()::text").get(0));
        stop(old);
        awaitReplayed(replica, last, old, startupTimeout, deadline);
        return promote(replica);
    }

    /** Bytes of WAL the replica has not replayed yet: primary's current LSN minus the replica's replay LSN (≥ 0). */
    public long lagBytes(PgNode replica) {
        requireStandby(replica);
        long primaryLsn = currentWalLsn(primary);
        long replay = Lsn.parse(queryStrings(replica, "SELECT pg_last_wal_replay_lsn()::text").get(0));
        return Math.max(0L, primaryLsn - replay);
    }

    // ------------------------------------------------------------------------------------------------ close

    /**
     * Stops every server (fast shutdown in parallel, SIGKILL after 10 s), closes the proxies, deletes the work
     * directory. Idempotent; safe from any thread.
     */
    @Override
    public void close() {
        if (group.close(this, () -> all.stream().map(n -> n.process).collect(Collectors.toList()),
                () -> all.stream().map(n -> n.proxy).collect(Collectors.toList()), "INT", STOP_GRACE)) {
            LOG.info("Closed cluster in {}", runDir);
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private void requireMember(PgNode node) {
        Objects.requireNonNull(node, "node");
        if (!all.contains(node)) {
            throw new IllegalArgumentException(node + " is not a node of this cluster");
        }
        if (group.isClosed()) {
            throw new IllegalStateException("The cluster is closed");
        }
    }

    private void requireStandby(PgNode node) {
        requireMember(node);
        if (node == primary) {
            throw new IllegalArgumentException(node.name() + " is the primary, not a replica");
        }
    }

    private FaultProxy proxyOf(PgNode node) {
        requireMember(node);
        FaultProxy p = node.proxy;
        if (p == null) {
            throw new IllegalStateException(node.name() + " has no proxy yet");
        }
        return p;
    }

    private boolean isInRecovery(PgNode n) {
        return "true".equals(queryStrings(n, "SELECT pg_is_in_recovery()::text").get(0));
    }

    private String adminUrl(PgNode n) {
        return "jdbc:postgresql://127.0.0.1:" + n.directPort + "/postgres";
    }

    private Properties props(int connectTimeoutSeconds, int socketTimeoutSeconds) {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        p.setProperty("connectTimeout", Integer.toString(connectTimeoutSeconds));
        p.setProperty("loginTimeout", Integer.toString(Math.max(connectTimeoutSeconds, 2)));
        p.setProperty("socketTimeout", Integer.toString(socketTimeoutSeconds));
        p.setProperty("ApplicationName", "haven-testkit");
        return p;
    }

    /**
     * An administrative connection to {@code n}: 2 s to connect, and once more with 15 s when that timed out. The
     * control plane must not fail a test because a loaded machine was slow to fork a backend (a busy-suite run lost
     * WriterKillRepeatedIT to "Connection attempt timed out" while re-pointing a replica at load 10); a node that
     * refuses connections still fails at once.
     */
    private Connection admin(PgNode n) throws SQLException {
        try {
            return DriverManager.getConnection(adminUrl(n), props(2, 60));
        } catch (SQLException e) {
            String m = e.getMessage() == null ? "" : e.getMessage().toLowerCase(java.util.Locale.ROOT);
            if (!m.contains("timed out") && !(e.getCause() instanceof java.net.SocketTimeoutException)) {
                throw e;
            }
            LOG.warn("{}: administrative connection timed out after 2 s; trying once more with 15 s", n.name());
            return DriverManager.getConnection(adminUrl(n), props(15, 60));
        }
    }

    private void execute(PgNode n, String sql) {
        try (Connection c = admin(n);
             Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new PostgresClusterException(n.name() + ": " + redact(sql) + " failed: " + e.getMessage(), e);
        }
    }

    private List<String> queryRow(PgNode n, String sql) {
        try (Connection c = admin(n);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            if (!rs.next()) {
                throw new PostgresClusterException(n.name() + ": " + sql + " returned no row");
            }
            List<String> row = new ArrayList<>();
            for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                row.add(rs.getString(i));
            }
            return row;
        } catch (SQLException e) {
            throw new PostgresClusterException(n.name() + ": " + sql + " failed: " + e.getMessage(), e);
        }
    }

    private List<String> queryStrings(PgNode n, String sql) {
        try (Connection c = admin(n);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        } catch (SQLException e) {
            throw new PostgresClusterException(n.name() + ": " + sql + " failed: " + e.getMessage(), e);
        }
    }

    /** primary_conninfo carries the password: never put it in a message. */
    private String redact(String sql) {
        return sql.contains("primary_conninfo") ? "ALTER SYSTEM SET primary_conninfo = '...'" : sql;
    }

    private void killQuietly(PgNode n) {
        Process p = n.process;
        if (p != null && p.isAlive()) {
            ServerProcesses.kill(p);
        }
    }

    private static void pause() {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PostgresClusterException("Interrupted while waiting");
        }
    }

    // ------------------------------------------------------------------------------------------------ Aurora / RDS mode hooks

    /** Where nodes listen and what each server is started with; fixed before start. Package-private: Aurora and RDS modes. */
    interface NodeLayout {
        NodeLayout DEFAULT = new NodeLayout() {
        };

        /** The address the proxy of the node with this creation index listens on. */
        default String proxyHost(int nodeIndex) {
            return "127.0.0.1";
        }

        /** True: every proxy listens on one port (each on its own address), as Aurora instance endpoints do. */
        default boolean sharedProxyPort() {
            return false;
        }

        /** Extra {@code -c name=value} settings of the node's server (e.g. its instance id). */
        default Map<String, String> serverSettings(int nodeIndex) {
            return Map.of();
        }
    }

    /** Whether and how the nodes serve TLS. */
    enum Tls {
        OFF, ON, REQUIRED
    }

    /** Told of topology changes, under the cluster's lock. Package-private: the Aurora and RDS control planes. */
    interface TopologyListener {
        TopologyListener NONE = new TopologyListener() {
        };

        /** The new primary is out of recovery; the other standbys are not re-pointed yet. */
        default void promoted(PgNode newPrimary, PgNode oldPrimary) {
        }

        /** A replica added by {@link #addReplica()} streams. */
        default void added(PgNode node) {
        }

        /** A node left for good ({@link #remove}). */
        default void removed(PgNode node) {
        }
    }

    void listener(TopologyListener l) {
        this.listener = Objects.requireNonNull(l);
    }

    /** The one port every proxy listens on with a shared-port {@link NodeLayout}; 0 otherwise. */
    int sharedProxyPort() {
        return layout.sharedProxyPort() ? sharedProxyPort : 0;
    }

    /** Runs {@code sql} on {@code node}'s direct port as the superuser, in {@code db}. */
    void execute(PgNode node, String db, String sql) {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + node.directPort + "/" + db, props(5, 30));
             Statement s = c.createStatement()) {
            // a control-plane write never waits for a synchronous standby: right after a promotion the new writer has
            // none yet, and its status rows must change at once (as Aurora's control plane does)
            s.execute("SET synchronous_commit = local");
            s.execute(sql);
        } catch (SQLException e) {
            throw new PostgresClusterException(node.name() + " (" + db + "): " + redact(sql) + " failed: " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------------------------------------ builder

    /**
     * Settings for a cluster; {@link #start()} validates them and starts it.
     *
     * <pre>{@code
     * PostgresCluster c = PostgresCluster.builder().replicas(2).synchronousStandbys(1).start();
     * }</pre>
     */
    public static final class Builder {
        int replicas = 2;
        int synchronousStandbys;
        private String database = "haven";
        private String user = "haven";
        private String password = "haven";
        private Duration startupTimeout = Duration.ofSeconds(60);
        private Path workDir;
        private String binaries;
        final Map<String, String> extraConfig = new LinkedHashMap<>();
        IntSupplier ports = FreePorts::pick; // tests substitute taken ports to prove the retry
        NodeLayout layout = NodeLayout.DEFAULT;
        Tls tls = Tls.OFF;
        boolean discoverDirectPorts;

        private Builder() {
        }

        /** Number of streaming replicas, 0..5 (default 2). */
        public Builder replicas(int replicas) {
            if (replicas < 0 || replicas > MAX_REPLICAS) {
                throw new IllegalArgumentException("replicas must be between 0 and " + MAX_REPLICAS + ": was " + replicas);
            }
            this.replicas = replicas;
            return this;
        }

        /** 0 (default) = asynchronous; n > 0 = {@code synchronous_standby_names = 'ANY n (*)'}; must be ≤ replicas. */
        public Builder synchronousStandbys(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("synchronousStandbys must be >= 0: was " + n);
            }
            this.synchronousStandbys = n;
            return this;
        }

        public Builder database(String database) {
            this.database = requireName("database", database);
            return this;
        }

        public Builder user(String user) {
            this.user = requireName("user", user);
            return this;
        }

        /** Default "haven" (a test password; code should read {@link PostgresCluster#password()}). */
        public Builder password(String password) {
            if (password == null || password.isEmpty()) {
                throw new IllegalArgumentException("password must not be empty");
            }
            this.password = password;
            return this;
        }

        /** Bound for start and for every later wait of restart/promote/addReplica (default 60 s). */
        public Builder startupTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("startupTimeout must be > 0: was " + timeout);
            }
            this.startupTimeout = timeout;
            return this;
        }

        /** Directory for data and logs; must be absent or empty; deleted on close. Default: a fresh dir under java.io.tmpdir. */
        public Builder workDir(Path dir) {
            Objects.requireNonNull(dir, "workDir");
            RunDirectory.validateWorkDir(dir);
            this.workDir = dir.toAbsolutePath();
            return this;
        }

        /** Binary selection: "auto", "system", "maven" or a bin directory. Default: HAVEN_PG_BINARIES or "auto". */
        public Builder binaries(String selection) {
            if (selection == null || selection.isBlank()) {
                throw new IllegalArgumentException("binaries must be auto, system, maven or a directory: was '" + selection + "'");
            }
            this.binaries = selection;
            return this;
        }

        /** Any postgresql.conf setting for every node, e.g. {@code extraConfig("log_statement", "all")}; the value is quoted for you. */
        public Builder extraConfig(String key, String value) {
            if (key == null || !key.matches("[A-Za-z_][A-Za-z0-9_.]*")) {
                throw new IllegalArgumentException("extraConfig key must be a setting name: was '" + key + "'");
            }
            Objects.requireNonNull(value, "extraConfig value");
            extraConfig.put(key, value);
            return this;
        }

        /**
         * TLS on every node ({@code ssl = on}) with a certificate authority and a server certificate made at start
         * (JDK keytool, about a second or two), valid for 127.0.0.1, localhost and every node address, so that
         * {@code sslmode=verify-full} with {@link PostgresCluster#tlsCaCertificate()} as {@code sslrootcert} passes.
         * Connections without TLS are still accepted; {@link #tlsOnly()} refuses them.
         *
         * <pre>{@code
         * try (PostgresCluster c = PostgresCluster.builder().tls().start()) {
         *     String url = c.jdbcUrl() + "?" + c.tlsUrlParameters(); // sslmode=verify-full&sslrootcert=...
         * }
         * }</pre>
         */
        public Builder tls() {
            this.tls = Tls.ON;
            return this;
        }

        /**
         * Standbys name their server's own port, not their proxy's, as the {@code application_name} replicas are
         * discovered by: a client seeded with {@link PgNode#directPort() direct ports} then finds every replica on its
         * direct port too and never goes through a fault proxy. For benchmarks against a raw client on the direct
         * ports; faults injected at the proxies do not reach such a client.
         */
        public Builder discoverDirectPorts() {
            this.discoverDirectPorts = true;
            return this;
        }

        /**
         * As {@link #tls()}, and every node refuses connections without TLS ({@code pg_hba.conf}: {@code hostssl} lines
         * only, {@code hostnossl ... reject}); replication between the nodes then runs over TLS too. The testkit's own
         * connections negotiate TLS by themselves (pgjdbc's default {@code sslmode=prefer}).
         */
        public Builder tlsOnly() {
            this.tls = Tls.REQUIRED;
            return this;
        }

        /**
         * Aurora mode: the cluster starts as an emulated Aurora PostgreSQL DB cluster (see {@link AuroraPostgresCluster}),
         * with this builder's other settings.
         *
         * <pre>{@code
         * try (AuroraPostgresCluster aurora = PostgresCluster.builder().replicas(2).aurora("cluster-xyz", "us-east-1").start()) { ... }
         * }</pre>
         *
         * @param clusterId the DB cluster identifier, e.g. "cluster-xyz": the first label of the cluster endpoint
         * @param region e.g. "us-east-1"
         */
        public AuroraPostgresCluster.Builder aurora(String clusterId, String region) {
            return new AuroraPostgresCluster.Builder(this, clusterId, region);
        }

        /**
         * RDS Multi-AZ DB cluster mode: the cluster starts as an emulated RDS for PostgreSQL Multi-AZ DB cluster (see
         * {@link RdsMultiAzCluster}): the primary is the writer instance, the replicas its readable standbys, with
         * semi-synchronous replication unless this builder says otherwise; with this builder's other settings.
         *
         * <pre>{@code
         * try (RdsMultiAzCluster rds = PostgresCluster.builder().replicas(2).rdsMultiAz("orders", "us-east-1").start()) { ... }
         * }</pre>
         *
         * @param clusterId the DB cluster identifier, e.g. "orders" (at most 50 characters): the first label of the
         *     cluster endpoint and the prefix of the instance names
         * @param region e.g. "us-east-1"
         */
        public RdsMultiAzCluster.Builder rdsMultiAz(String clusterId, String region) {
            return new RdsMultiAzCluster.Builder(this, clusterId, region);
        }

        Duration startupTimeoutValue() {
            return startupTimeout;
        }

        /** Validates and starts the cluster; returns when every replica streams. */
        public PostgresCluster start() {
            if (synchronousStandbys > replicas) {
                throw new IllegalArgumentException("synchronousStandbys must be <= replicas: was " + synchronousStandbys
                        + " with " + replicas + " replica(s); a primary waiting for more standbys than exist blocks every commit");
            }
            if (workDir != null) {
                RunDirectory.validateWorkDir(workDir);
            }
            return PostgresCluster.start(this);
        }

        private static String requireName(String what, String value) {
            if (value == null || !value.matches("[A-Za-z_][A-Za-z0-9_]{0,62}")) {
                throw new IllegalArgumentException(what + " must be a plain identifier (letters, digits, _; max 63): was '" + value + "'");
            }
            return value;
        }
    }
}
