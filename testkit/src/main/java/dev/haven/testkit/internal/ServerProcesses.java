package dev.haven.testkit.internal;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Starting and signalling server processes (PostgreSQL, MariaDB).
 *
 * <p>PostgreSQL and MariaDB refuse to run as root, so when this JVM is root every server-side command is started through
 * {@code setpriv --reuid=65534 --regid=65534 --clear-groups}; setpriv execs, so the pid we hold is the
 * postmaster's. Only pids this JVM started (and their descendants) are ever signalled.
 */
public final class ServerProcesses {

    /** uid/gid the servers run as when the JVM is root ({@code nobody} on Debian, Ubuntu, RHEL). */
    public static final int SERVER_UID = 65534;

    private static final int UID = detectUid();
    private static final boolean ROOT = UID == 0;

    private ServerProcesses() {
    }

    public static boolean isRoot() {
        return ROOT;
    }

    /** The JVM's uid (per-user cache and run directories: servers must own their data directories). */
    public static int uid() {
        return UID;
    }

    private static int detectUid() {
        try {
            return ((Number) Files.getAttribute(Paths.get("/proc/self"), "unix:uid")).intValue();
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "root".equals(System.getProperty("user.name")) ? 0 : -1;
        }
    }

    /** Gives a path to the server user when running as root (no-op otherwise). */
    public static void ownForServer(Path path, boolean recursive) throws IOException {
        if (ROOT) {
            if (recursive) {
                FileTree.chown(path, SERVER_UID, SERVER_UID);
            } else {
                FileTree.setOwner(path, SERVER_UID, SERVER_UID);
            }
        }
    }

    public static List<String> asServerUser(List<String> command) {
        if (!ROOT) {
            return command;
        }
        List<String> wrapped = new ArrayList<>();
        wrapped.add("setpriv");
        wrapped.add("--reuid=" + SERVER_UID);
        wrapped.add("--regid=" + SERVER_UID);
        wrapped.add("--clear-groups");
        wrapped.add("--");
        wrapped.addAll(command);
        return wrapped;
    }

    private static ProcessBuilder builder(List<String> command, Path workingDir, Path log) {
        ProcessBuilder pb = new ProcessBuilder(asServerUser(command));
        pb.directory(workingDir.toFile());
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Map<String, String> env = pb.environment();
        // PG*/MYSQL*/MARIADB* variables of the caller (PGDATA, PGPORT, MYSQL_HOST, ...) must not leak into our servers.
        env.keySet().removeIf(k -> k.startsWith("PG") || k.startsWith("MYSQL") || k.startsWith("MARIADB"));
        env.put("LC_ALL", "C"); // English messages: port conflicts are recognised from the log
        return pb;
    }

    /** Runs a command (e.g. initdb) to completion; failure messages carry the tail of its output. */
    public static void run(List<String> command, Path workingDir, Path log, Duration timeout) throws IOException {
        Process p = builder(command, workingDir, log).start();
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill(p);
                throw new IOException(String.join(" ", command) + " did not finish within " + timeout + "; output:\n" + tail(log, 20));
            }
        } catch (InterruptedException e) {
            kill(p);
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while running " + command.get(0), e);
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed with exit code " + p.exitValue() + "; output:\n" + tail(log, 20));
        }
    }

    public static Process start(List<String> command, Path workingDir, Path log) throws IOException {
        return builder(command, workingDir, log).start();
    }

    /**
     * SIGKILL to the process and then to the descendants captured just before. Waits (bounded) until all exited:
     * a server restarted on the same data directory refuses to start while an orphaned backend still holds
     * the old shared memory.
     */
    public static void kill(Process process) {
        killTree(process.toHandle());
        try {
            // Reap our own child now, so that Process.isAlive() (and PgNode.isRunning()) is false on return.
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public static void killTree(ProcessHandle root) {
        List<ProcessHandle> children = root.descendants().collect(Collectors.toList());
        root.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
        awaitExit(root, Duration.ofSeconds(10));
        children.forEach(c -> awaitExit(c, Duration.ofSeconds(5)));
    }

    /**
     * Fast shutdown (SIGINT: roll back and disconnect clients, shutdown checkpoint). After {@code grace} the tree is
     * killed. Returns true when the server stopped by itself.
     */
    public static boolean stop(Process process, Duration grace) {
        return stop(process, "INT", grace);
    }

    /** Sends {@code signal} (the server's shutdown signal), and kills the tree after {@code grace}; true when it stopped by itself. */
    public static boolean stop(Process process, String signal, Duration grace) {
        if (!process.isAlive()) {
            return true;
        }
        signal(process.pid(), signal);
        try {
            if (process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                return true;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        kill(process);
        return false;
    }

    /** Stops every running process in parallel: {@code signal} to all, then SIGKILL to those still alive after {@code grace}. */
    public static void stopAll(Collection<Process> processes, String signal, Duration grace) {
        List<Process> running = new ArrayList<>();
        for (Process p : processes) {
            if (p != null && p.isAlive()) {
                running.add(p);
                signal(p.pid(), signal);
            }
        }
        long deadline = System.nanoTime() + grace.toNanos();
        for (Process p : running) {
            long left = Math.max(0, deadline - System.nanoTime());
            if (!awaitExit(p.toHandle(), Duration.ofNanos(left))) {
                kill(p);
            }
        }
    }

    /** Runs a short command (e.g. {@code --version}) as this JVM's user and returns its output; fails on a non-zero exit. */
    public static String output(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out;
            try (java.io.InputStream in = p.getInputStream()) {
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            }
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish within 30 s");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed with exit code " + p.exitValue() + ": " + out);
            }
            return out;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("Could not run " + String.join(" ", command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while running " + String.join(" ", command), e);
        }
    }

    /** Sends a signal by name to a pid this JVM started; falls back to SIGTERM if {@code kill} is unavailable. */
    public static void signal(long pid, String signal) {
        try {
            Process k = new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (k.waitFor(5, TimeUnit.SECONDS) && k.exitValue() == 0) {
                return;
            }
            k.destroyForcibly();
        } catch (IOException e) {
            // no kill(1) on this machine: fall through to SIGTERM
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
    }

    /** Polls (5 ms) until the process is gone; ProcessHandle.onExit() of a non-child would poll from 300 ms upwards. */
    public static boolean awaitExit(ProcessHandle handle, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (isRunning(handle)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return !isRunning(handle);
            }
        }
        return true;
    }

    /**
     * Alive and not a zombie. Killed servers' children are re-parented to pid 1, which may reap them only seconds
     * later (a container's init); a zombie holds no memory, sockets or shared memory any more, so it counts as gone.
     */
    public static boolean isRunning(ProcessHandle handle) {
        if (!handle.isAlive()) {
            return false;
        }
        try {
            String stat = Files.readString(Paths.get("/proc", Long.toString(handle.pid()), "stat"));
            int close = stat.lastIndexOf(')');
            char state = close > 0 && close + 2 < stat.length() ? stat.charAt(close + 2) : 'R';
            return state != 'Z' && state != 'X';
        } catch (IOException e) {
            return handle.isAlive();
        }
    }

    /** The last {@code lines} lines of a log file (reads at most the last 64 KiB). */
    public static String tail(Path log, int lines) {
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
            long len = f.length();
            long from = Math.max(0, len - 65536);
            byte[] buf = new byte[(int) (len - from)];
            f.seek(from);
            f.readFully(buf);
            String[] all = new String(buf, StandardCharsets.UTF_8).split("\n");
            int start = Math.max(0, all.length - lines);
            StringBuilder sb = new StringBuilder();
            for (int i = start; i < all.length; i++) {
                sb.append("  | ").append(all[i]).append('\n');
            }
            return sb.toString();
        } catch (IOException e) {
            return "  | (no log at " + log + ": " + e.getMessage() + ")\n";
        }
    }

    /** The command line of a live process from /proc, or "" (used only to recognise our own stale servers). */
    public static String commandLine(long pid) {
        try {
            byte[] raw = Files.readAllBytes(Paths.get("/proc", Long.toString(pid), "cmdline"));
            return new String(raw, StandardCharsets.UTF_8).replace('\0', ' ');
        } catch (IOException e) {
            return ProcessHandle.of(pid).flatMap(h -> h.info().commandLine()).orElse("");
        }
    }

    /**
     * Removes System V shared memory segments that servers killed with SIGKILL left behind (a clean shutdown removes
     * its own): only segments whose creator pid is one of {@code postmasters} and that nobody has attached.
     */
    public static void removeOrphanedSharedMemory(Collection<Long> postmasters) {
        Path table = Paths.get("/proc/sysvipc/shm");
        if (postmasters.isEmpty() || !Files.isReadable(table)) {
            return;
        }
        try {
            List<String> lines = Files.readAllLines(table);
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                String[] f = line.trim().split("\\s+");
                // key shmid perms size cpid lpid nattch ...
                if (f.length > 6 && postmasters.contains(Long.parseLong(f[4])) && "0".equals(f[6])) {
                    Process p = new ProcessBuilder("ipcrm", "-m", f[1]).redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                    if (!p.waitFor(5, TimeUnit.SECONDS)) {
                        p.destroyForcibly();
                    }
                }
            }
        } catch (IOException | NumberFormatException e) {
            // best effort: 56-byte segments are harmless
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
