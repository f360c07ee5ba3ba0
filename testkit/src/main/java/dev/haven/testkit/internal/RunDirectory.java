package dev.haven.testkit.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The directory one cluster lives in, and the clean-up of directories left behind by JVMs that died without
 * running their shutdown hook (SIGKILL, OOM killer).
 *
 * <p>Each run directory holds an {@code owner} file (JVM pid and start time) and, per node, a {@code server.pid}
 * file. A run directory whose owner is gone is reaped: its postmasters are killed, but only if the live process's
 * command line still names that run's data directory (pids get reused), and the directory is deleted.
 */
public final class RunDirectory {

    private static final Logger LOG = LoggerFactory.getLogger(RunDirectory.class);

    static final String OWNER_FILE = "owner";
    public static final String SERVER_PID_FILE = "server.pid";

    private RunDirectory() {
    }

    /** System property / environment variable naming the directory under which run directories are created. */
    public static final String BASE_PROPERTY = "HAVEN_TESTKIT_DIR";

    private static final long MIN_SHM_FREE = 2L << 30;

    /**
     * {@code HAVEN_TESTKIT_DIR} if set; else {@code /dev/shm/haven-testkit-<uid>} when /dev/shm is a writable tmpfs with
     * at least 2 GiB free (a data directory is ~1000 small files, and creating them on a disk filesystem costs
     * most of a start: ~0.9 s per node on ext4 here, ~0.06 s on tmpfs; fsync is off anyway); else
     * {@code ${java.io.tmpdir}/haven-testkit-<uid>}.
     */
    public static Path defaultBase() {
        String configured = System.getProperty(BASE_PROPERTY);
        if (configured == null || configured.isBlank()) {
            configured = System.getenv(BASE_PROPERTY);
        }
        if (configured != null && !configured.isBlank()) {
            return Paths.get(configured).toAbsolutePath();
        }
        Path shm = Paths.get("/dev/shm");
        try {
            if (Files.isDirectory(shm) && Files.isWritable(shm) && Files.getFileStore(shm).getUsableSpace() >= MIN_SHM_FREE
                    && "tmpfs".equals(Files.getFileStore(shm).type())) {
                return shm.resolve(baseName());
            }
        } catch (IOException e) {
            // fall through to the temp dir
        }
        return Paths.get(System.getProperty("java.io.tmpdir"), baseName());
    }

    /** Per user: another user's run directories are neither writable nor reapable by us. */
    private static String baseName() {
        return "haven-testkit-" + ServerProcesses.uid();
    }

    /** Validates a user-supplied work directory: absent or empty. */
    public static void validateWorkDir(Path dir) {
        if (Files.exists(dir)) {
            if (!Files.isDirectory(dir)) {
                throw new IllegalArgumentException("workDir must be an empty directory or absent: " + dir + " is a file");
            }
            try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
                if (s.iterator().hasNext()) {
                    throw new IllegalArgumentException("workDir must be an empty directory or absent: " + dir
                            + " is not empty; pass a new directory (the cluster deletes it on close)");
                }
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot read workDir " + dir, e);
            }
        }
    }

    /** Creates (and claims) a run directory; {@code requested} null means a fresh one under {@link #defaultBase()}. */
    public static Path create(Path requested) throws IOException {
        Path dir;
        if (requested == null) {
            Path base = defaultBase();
            Files.createDirectories(base);
            openUp(base);
            reapStale(base);
            dir = base.resolve("run-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 8));
            Files.createDirectory(dir);
        } else {
            validateWorkDir(requested);
            Files.createDirectories(requested);
            dir = requested.toAbsolutePath();
        }
        openUp(dir);
        ProcessHandle self = ProcessHandle.current();
        Files.writeString(dir.resolve(OWNER_FILE),
                self.pid() + " " + self.info().startInstant().map(Instant::toEpochMilli).orElse(0L) + "\n", StandardCharsets.UTF_8);
        if (ServerProcesses.isRoot()) {
            checkTraversable(dir);
        }
        return dir;
    }

    private static void openUp(Path dir) throws IOException {
        if (ServerProcesses.isRoot()) {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    /** As root the servers run as uid 65534: every ancestor of the run directory must let "others" traverse it. */
    private static void checkTraversable(Path dir) throws IOException {
        for (Path p = dir; p != null; p = p.getParent()) {
            if (!Files.getPosixFilePermissions(p).contains(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE)) {
                throw new IllegalArgumentException("workDir " + dir + " is not reachable by uid " + ServerProcesses.SERVER_UID
                        + " (the server user when the JVM runs as root): " + p + " is not traversable by others. "
                        + "Use a directory under /tmp or chmod o+x " + p);
            }
        }
    }

    /** Kills servers of dead JVMs' run directories (only if their command line names that directory) and deletes them. */
    static void reapStale(Path base) {
        try (DirectoryStream<Path> runs = Files.newDirectoryStream(base, "run-*")) {
            for (Path run : runs) {
                if (ownerAlive(run)) {
                    continue;
                }
                List<Long> killed = new ArrayList<>();
                try (DirectoryStream<Path> nodes = Files.newDirectoryStream(run)) {
                    for (Path node : nodes) {
                        Path pidFile = node.resolve(SERVER_PID_FILE);
                        if (Files.isRegularFile(pidFile)) {
                            long pid = Long.parseLong(Files.readString(pidFile).trim());
                            Optional<ProcessHandle> h = ProcessHandle.of(pid);
                            if (h.isPresent() && h.get().isAlive()
                                    && ServerProcesses.commandLine(pid).contains(node.resolve("data").toString())) {
                                LOG.warn("Killing stale server pid {} of dead JVM's run directory {}", pid, run);
                                ServerProcesses.killTree(h.get());
                                killed.add(pid);
                            }
                        }
                    }
                }
                ServerProcesses.removeOrphanedSharedMemory(killed);
                FileTree.deleteRecursively(run);
                LOG.info("Deleted stale testkit run directory {}", run);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("Could not clean up stale testkit run directories under {}: {}", base, e.toString());
        }
    }

    private static boolean ownerAlive(Path run) throws IOException {
        Path owner = run.resolve(OWNER_FILE);
        if (!Files.exists(owner)) {
            // Being created right now by another JVM, or an old crash: only reap when clearly old.
            Instant modified = Files.getLastModifiedTime(run).toInstant();
            return modified.isAfter(Instant.now().minus(Duration.ofMinutes(2)));
        }
        String[] parts = Files.readString(owner).trim().split("\\s+");
        long pid = Long.parseLong(parts[0]);
        long start = parts.length > 1 ? Long.parseLong(parts[1]) : 0L;
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        if (h.isEmpty() || !h.get().isAlive()) {
            return false;
        }
        long actualStart = h.get().info().startInstant().map(Instant::toEpochMilli).orElse(0L);
        return start == 0L || actualStart == 0L || Math.abs(actualStart - start) < 2000;
    }
}
