package dev.haven.testkit.redis;

import dev.haven.testkit.TlsCertificates;
import dev.haven.testkit.internal.RunDirectory;
import dev.haven.testkit.internal.ServerProcesses;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server processes of one topology: each node's directory and data-node config, spawning (with the pid file
 * {@link RunDirectory} reaps after a JVM crash), waiting until a node answers, kill, stop, restart, stopping them all
 * on close, and keeping their logs.
 */
final class RedisProcesses {

    private static final Logger LOG = LoggerFactory.getLogger(RedisTopology.class);

    static final String PROC_TITLE = "proc-title-template \"{title} {listen-addr} {server-mode} {config-file}\"";
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);

    private final TopologyState state;
    private final RedisAdmin admin;
    private final ReplicationWatch replication;
    private final List<Long> pids = new CopyOnWriteArrayList<>();

    RedisProcesses(TopologyState state, RedisAdmin admin, ReplicationWatch replication) {
        this.state = state;
        this.admin = admin;
        this.replication = replication;
    }

    /** Pids of every process ever started. */
    List<Long> pids() {
        return List.copyOf(pids);
    }

    RedisNode newNode(String name, boolean sentinel, int index) throws IOException {
        RedisNode n = new RedisNode(name, sentinel, index, state.runDir.resolve(name));
        Files.createDirectories(n.dataDir);
        return n;
    }

    void writeDataConfig(RedisNode n, RedisNode upstream) throws IOException {
        String password = state.password;
        StringBuilder c = new StringBuilder("# haven testkit: ").append(n.name()).append('\n');
        c.append("bind ").append(n.sourceAddress()).append(" 127.0.0.1\n");
        c.append(listen(state, n.directPort));
        c.append("protected-mode no\ndaemonize no\nlogfile \"\"\n");
        c.append("dir \"").append(n.dataDir).append("\"\n");
        c.append("save \"\"\nappendonly no\n");
        c.append(PROC_TITLE).append('\n');
        c.append("replica-announce-ip 127.0.0.1\n");
        c.append("replica-announce-port ").append(state.announceDirectPorts ? n.directPort : n.port()).append('\n');
        // a paused replication link must not be dropped by either side for a while, nor by the output buffer limit
        c.append("repl-timeout 300\n");
        c.append("client-output-buffer-limit replica 0 0 0\n");
        c.append("repl-diskless-sync yes\nrepl-diskless-sync-delay 0\n");
        if (password != null) {
            c.append("requirepass ").append(quote(password)).append('\n');
            c.append("masterauth ").append(quote(password)).append('\n');
        }
        if (upstream != null) {
            c.append("replicaof 127.0.0.1 ").append(upstream.port()).append('\n');
        }
        Files.writeString(n.configFile, c.toString(), StandardCharsets.UTF_8);
    }

    /**
     * The listening part of a node's config: {@code port <p>}; with TLS {@code port 0} (no plain port at all) and
     * {@code tls-port <p>}, the topology's certificate, and TLS for the connections the node opens itself (a replica to
     * its primary, a Sentinel to the data nodes and the other Sentinels). Clients need no certificate of their own.
     */
    static String listen(TopologyState state, int port) {
        TlsCertificates certs = state.certificates;
        if (!state.tls) {
            return "port " + port + "\n";
        }
        return "port 0\ntls-port " + port + "\n"
                + "tls-cert-file " + quote(certs.serverCertificate().toString()) + "\n"
                + "tls-key-file " + quote(certs.serverKey().toString()) + "\n"
                + "tls-ca-cert-file " + quote(certs.caCertificate().toString()) + "\n"
                + "tls-auth-clients no\ntls-replication yes\n";
    }

    /** A Redis config string: double-quoted with backslash escapes. */
    static String quote(String value) {
        StringBuilder sb = new StringBuilder("\"");
        for (char ch : value.toCharArray()) {
            if (ch == '"' || ch == '\\') {
                sb.append('\\');
            }
            sb.append(ch);
        }
        return sb.append('"').toString();
    }

    void spawn(RedisNode n) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(state.binaries.executable().toString(), n.configFile.toString()));
        if (n.isSentinel()) {
            cmd.add("--sentinel");
        }
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.directory(n.nodeDir.toFile());
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(n.logFile.toFile()));
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p = pb.start();
        n.process = p;
        pids.add(p.pid());
        Files.writeString(n.nodeDir.resolve(RunDirectory.SERVER_PID_FILE), p.pid() + "\n");
        if (state.closed.get()) { // close() ran concurrently: do not leak this one
            ServerProcesses.kill(p);
            throw new IllegalStateException("topology is closed");
        }
    }

    /** Thrown when a server exits because its port is taken; the caller retries on other ports. */
    static final class PortConflict extends Exception {
        private static final long serialVersionUID = 1L;

        PortConflict(String message) {
            super(message, null, false, false);
        }
    }

    /** Polls PING on the direct port until PONG; fails fast, with the tail of the log, when the process exits. */
    void awaitUp(RedisNode n, long deadline) throws PortConflict {
        Exception last = null;
        while (true) {
            Process p = n.process;
            if (p == null || !p.isAlive()) {
                String tail = ServerProcesses.tail(n.logFile, 25);
                if (tail.contains("Address already in use")) {
                    throw new PortConflict(n.name() + " port " + n.directPort + " is in use");
                }
                throw new RedisTopologyException(n.name() + " (" + state.binaries.description() + ") exited with code "
                        + (p == null ? "?" : Integer.toString(p.exitValue())) + " while starting. Last lines of " + n.logFile + ":\n" + tail);
            }
            try {
                if ("PONG".equals(admin.once(n, "PING"))) {
                    return;
                }
            } catch (IOException e) {
                last = e;
            }
            if (System.nanoTime() > deadline) {
                throw new RedisTopologyException(n.name() + " did not answer PING on port " + n.directPort + " within "
                        + state.startupTimeout + " (last error: " + (last == null ? "none" : last.getMessage()) + "). Last lines of "
                        + n.logFile + ":\n" + ServerProcesses.tail(n.logFile, 25));
            }
            RedisAdmin.pause();
        }
    }

    /** See {@link RedisTopology#kill(RedisNode)}. */
    void kill(RedisNode n) {
        Process p = n.process;
        if (p != null && p.isAlive()) {
            ServerProcesses.kill(p);
            reap(p);
        }
    }

    /** Waits (bounded) until the JVM has reaped the child, so that {@link RedisNode#isRunning()} says false at once. */
    private static void reap(Process p) {
        try {
            p.waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** See {@link RedisTopology#stop(RedisNode)}. */
    void stop(RedisNode n) {
        Process p = n.process;
        if (p != null && p.isAlive()) {
            ServerProcesses.signal(p.pid(), "TERM");
            if (!ServerProcesses.awaitExit(p.toHandle(), STOP_GRACE)) {
                ServerProcesses.kill(p);
            }
            reap(p);
        }
    }

    /** See {@link RedisTopology#restart(RedisNode)}. */
    void restart(RedisNode n) {
        if (n.isRunning()) {
            throw new IllegalStateException(n.name() + " is running; stop or kill it first");
        }
        long deadline = System.nanoTime() + state.startupTimeout.toNanos();
        try {
            if (!n.isSentinel() && state.sentinels.isEmpty()) {
                writeDataConfig(n, state.upstreamOf(n));
            }
            spawn(n);
            awaitUp(n, deadline);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not restart " + n.name() + ": " + e.getMessage(), e);
        } catch (PortConflict e) {
            throw new RedisTopologyException("Cannot restart " + n.name() + ": " + e.getMessage()
                    + " (another process took the port while it was down)");
        }
        RedisNode upstream = n.isSentinel() ? null : state.upstreamOf(n);
        if (upstream != null && upstream.isRunning() && state.sentinels.isEmpty()) {
            replication.awaitFollowing(upstream, List.of(n), deadline);
        }
        LOG.info("Restarted {}", n);
    }

    void killQuietly(RedisNode n) {
        Process p = n.process;
        if (p != null && p.isAlive()) {
            ServerProcesses.kill(p);
        }
    }

    /** SIGTERM to every running process in parallel, SIGKILL to those still running after 10 s. */
    void stopAll() {
        List<Process> running = new ArrayList<>();
        for (RedisNode n : state.all()) {
            Process p = n.process;
            if (p != null && p.isAlive()) {
                running.add(p);
                ServerProcesses.signal(p.pid(), "TERM");
            }
        }
        long deadline = System.nanoTime() + STOP_GRACE.toNanos();
        for (Process p : running) {
            long left = Math.max(0, deadline - System.nanoTime());
            if (!ServerProcesses.awaitExit(p.toHandle(), Duration.ofNanos(left))) {
                ServerProcesses.kill(p);
            }
        }
    }

    /**
     * With {@value RedisTopology#KEEP_LOGS_PROPERTY} set, copies every node's log to {@code <that dir>/<run dir name>/<node>.log}
     * before the run directory goes: what the Sentinels decided during a failed run is only in their logs.
     */
    void keepLogs() {
        String keep = System.getProperty(RedisTopology.KEEP_LOGS_PROPERTY);
        if (keep == null || keep.isBlank()) {
            keep = System.getenv(RedisTopology.KEEP_LOGS_PROPERTY);
        }
        if (keep == null || keep.isBlank()) {
            return;
        }
        Path runDir = state.runDir;
        Path to = Path.of(keep).toAbsolutePath().resolve(runDir.getFileName().toString());
        try {
            Files.createDirectories(to);
            for (RedisNode n : state.all()) {
                if (Files.exists(n.logFile)) {
                    Files.copy(n.logFile, to.resolve(n.name() + ".log"));
                }
            }
            LOG.info("Kept the logs of {} in {}", runDir, to);
        } catch (IOException e) {
            LOG.warn("Could not keep the logs of {} in {}: {}", runDir, to, e.toString());
        }
    }
}
