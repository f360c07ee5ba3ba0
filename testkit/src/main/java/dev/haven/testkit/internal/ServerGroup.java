package dev.haven.testkit.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.netcrusher.core.reactor.NioReactor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a server cluster of the testkit (PostgreSQL, MariaDB) owns besides its nodes' roles: a run directory (reaped by
 * the next start if this JVM dies, see {@link RunDirectory}), the reactor of its fault proxies, and the pid of every
 * server it started. {@link #start} registers the cluster with the JVM's shutdown hook and closes it when booting
 * fails; {@link #close} stops every server, closes the proxies and deletes the directory, once.
 */
public final class ServerGroup {

    private static final Logger LOG = LoggerFactory.getLogger(ServerGroup.class);

    private final Path runDir;
    private final NioReactor reactor;
    private final List<Long> pids = new CopyOnWriteArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    private ServerGroup(Path runDir, NioReactor reactor) {
        this.runDir = runDir;
        this.reactor = reactor;
    }

    /** Creates the run directory ({@code requested}, or a fresh one under {@link RunDirectory#defaultBase()}) and the reactor. */
    public static ServerGroup open(Path requested) {
        try {
            Path runDir = RunDirectory.create(requested);
            return new ServerGroup(runDir, new NioReactor(5));
        } catch (IOException e) {
            throw new UncheckedIOException("Could not prepare the testkit work directory: " + e.getMessage(), e);
        }
    }

    /** Registers {@code cluster} for the shutdown hook, runs {@code boot}, and closes the cluster if boot fails. */
    public static <T extends AutoCloseable> T start(T cluster, Runnable boot) {
        OpenClusters.register(cluster);
        try {
            boot.run();
            return cluster;
        } catch (RuntimeException | Error e) {
            try {
                cluster.close();
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    public Path runDir() {
        return runDir;
    }

    public NioReactor reactor() {
        return reactor;
    }

    /** Pids of every server started, in order. */
    public List<Long> pids() {
        return List.copyOf(pids);
    }

    public boolean isClosed() {
        return closed.get();
    }

    /**
     * Starts a server (as the server user when this JVM is root) logging to {@code log}, and records its pid, also in
     * {@code nodeDir/server.pid} for reaping after a SIGKILL of this JVM.
     *
     * @throws IllegalStateException if the group was closed meanwhile (the new process is killed, never leaked)
     */
    public Process spawn(List<String> command, Path nodeDir, Path log) throws IOException {
        Process p = ServerProcesses.start(command, nodeDir, log);
        pids.add(p.pid());
        Files.writeString(nodeDir.resolve(RunDirectory.SERVER_PID_FILE), p.pid() + "\n");
        if (closed.get()) { // close() ran concurrently: do not leak this one
            ServerProcesses.kill(p);
            throw new IllegalStateException("cluster is closed");
        }
        return p;
    }

    /**
     * Once: sends {@code signal} to every server and SIGKILL to those still running after {@code grace}, closes the
     * proxies and the reactor, removes shared memory of killed servers, deletes the run directory and unregisters
     * {@code owner} from the shutdown hook. The suppliers are read after the group is marked closed, so a concurrent
     * {@link #spawn} either is in them or kills its own process.
     *
     * @return false if the group was closed already
     */
    public boolean close(AutoCloseable owner, Supplier<Collection<Process>> processes, Supplier<Collection<FaultProxy>> proxies,
            String signal, Duration grace) {
        if (!closed.compareAndSet(false, true)) {
            return false;
        }
        ServerProcesses.stopAll(processes.get(), signal, grace);
        for (FaultProxy proxy : proxies.get()) {
            if (proxy != null) {
                try {
                    proxy.close();
                } catch (RuntimeException e) {
                    LOG.debug("closing proxy on port {}", proxy.port(), e);
                }
            }
        }
        reactor.close();
        ServerProcesses.removeOrphanedSharedMemory(pids);
        try {
            FileTree.deleteRecursively(runDir);
        } catch (IOException e) {
            LOG.warn("Could not delete testkit work dir {}: {}", runDir, e.toString());
        }
        OpenClusters.unregister(owner);
        return true;
    }
}
