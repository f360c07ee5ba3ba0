package dev.haven.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.testkit.internal.ServerProcesses;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A JVM started by a hygiene test with this test classpath, running a {@code main} that starts a topology and prints
 * {@code PIDS <pid,pid,...>}, {@code DIR <work dir>} and {@code READY}; used to check that no server outlives a JVM
 * that exits ({@code exit}: the shutdown hook) or is killed with SIGKILL ({@code wait}: the next start reaps).
 */
public final class ChildJvm {

    public final Process process;
    public final List<Long> pids;
    public final Path dir;

    private ChildJvm(Process process, List<Long> pids, Path dir) {
        this.process = process;
        this.pids = pids;
        this.dir = dir;
    }

    /** Starts {@code main} with {@code args} and reads its report up to {@code READY}. */
    public static ChildJvm start(Class<?> main, String... args) throws IOException {
        Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = new ArrayList<>(List.of(java.toString(), "-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        List<Long> pids = new ArrayList<>();
        Path dir = null;
        List<String> seen = new ArrayList<>();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null && !line.equals("READY")) {
            seen.add(line);
            if (line.startsWith("PIDS ")) {
                Arrays.stream(line.substring(5).split(",")).map(Long::parseLong).forEach(pids::add);
            } else if (line.startsWith("DIR ")) {
                dir = Paths.get(line.substring(4));
            }
        }
        if (dir == null) {
            p.destroyForcibly();
            throw new AssertionError("child JVM did not report its topology: " + seen);
        }
        return new ChildJvm(p, pids, dir);
    }

    /**
     * The child's side: prints {@code pids} and {@code dir} (may be null) and {@code READY}, then exits without closing
     * anything ({@code mode} "exit": the shutdown hook must clean up) or waits to be killed ("wait").
     */
    public static void reportAndFinish(List<Long> pids, Path dir, String mode) throws InterruptedException {
        System.out.println("PIDS " + pids.stream().map(String::valueOf).collect(Collectors.joining(",")));
        if (dir != null) {
            System.out.println("DIR " + dir);
        }
        System.out.println("READY");
        System.out.flush();
        if ("exit".equals(mode)) {
            System.exit(0);
        }
        Thread.sleep(120_000); // killed by the test long before
        System.exit(3);
    }

    /** Runs {@code main exit}: after the JVM exited, none of its {@code servers} servers runs and its work dir is gone. */
    public static void assertShutdownHookCleansUp(Class<?> main, int servers, String... moreArgs) throws Exception {
        List<String> args = new ArrayList<>(List.of("exit"));
        args.addAll(List.of(moreArgs));
        ChildJvm child = start(main, args.toArray(new String[0]));
        assertThat(child.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(child.process.exitValue()).isZero();
        assertThat(child.pids).hasSize(servers);
        assertThat(alive(child.pids)).as("servers alive after the JVM exited").isEmpty();
        assertThat(Files.exists(child.dir)).as("work dir after the JVM exited").isFalse();
    }

    /**
     * Runs {@code main wait}, kills it with SIGKILL (no shutdown hook), checks its {@code servers} servers are orphaned,
     * runs {@code nextStart} (a start in this JVM), and then none of them runs and the work dir is gone.
     */
    public static void assertKilledJvmIsReapedBy(Class<?> main, int servers, ThrowingRunnable nextStart) throws Exception {
        ChildJvm child = start(main, "wait");
        child.process.destroyForcibly(); // SIGKILL: no shutdown hook
        assertThat(child.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(alive(child.pids)).as("orphaned servers right after SIGKILL").hasSize(servers);
        nextStart.run();
        assertThat(awaitGone(child.pids, Duration.ofSeconds(10))).as("orphaned servers after the next start").isEmpty();
        assertThat(Files.exists(child.dir)).as("stale work dir after the next start").isFalse();
    }

    /** A start of the next topology. */
    @FunctionalInterface
    public interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** The pids that still run (zombies count as gone). */
    public static List<Long> alive(List<Long> pids) {
        return pids.stream()
                .filter(pid -> ProcessHandle.of(pid).map(ServerProcesses::isRunning).orElse(false))
                .collect(Collectors.toList());
    }

    /** Polls (50 ms) until none of {@code pids} runs or {@code timeout} passed; returns those still running. */
    public static List<Long> awaitGone(List<Long> pids, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!alive(pids).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        return alive(pids);
    }
}
