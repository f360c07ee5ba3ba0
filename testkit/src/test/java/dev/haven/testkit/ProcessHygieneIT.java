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
import org.junit.jupiter.api.Test;

/** No server outlives its JVM: on exit the shutdown hook closes clusters; after SIGKILL the next start reaps them. */
class ProcessHygieneIT {

    @Test
    void shutdownHookClosesClustersTheApplicationForgotToClose() throws Exception {
        Child child = Child.start("exit");
        assertThat(child.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(child.process.exitValue()).isZero();
        assertThat(child.pids).hasSize(2);
        assertThat(alive(child.pids)).as("servers alive after the JVM exited").isEmpty();
        assertThat(Files.exists(child.dir)).as("work dir after the JVM exited").isFalse();
    }

    @Test
    void serversOfAJvmKilledWithSigkillAreReapedByTheNextStart() throws Exception {
        Child child = Child.start("wait");
        child.process.destroyForcibly(); // SIGKILL: no shutdown hook
        assertThat(child.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(alive(child.pids)).as("orphaned servers right after SIGKILL").hasSize(2);

        try (PostgresCluster next = PostgresCluster.start(0)) {
            assertThat(next.primary().isRunning()).isTrue();
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!alive(child.pids).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(alive(child.pids)).as("orphaned servers after the next start").isEmpty();
        assertThat(Files.exists(child.dir)).as("stale work dir after the next start").isFalse();
    }

    private static List<Long> alive(List<Long> pids) {
        return pids.stream()
                .filter(pid -> ProcessHandle.of(pid).map(ServerProcesses::isRunning).orElse(false))
                .collect(Collectors.toList());
    }

    private static final class Child {
        final Process process;
        final List<Long> pids;
        final Path dir;

        private Child(Process process, List<Long> pids, Path dir) {
            this.process = process;
            this.pids = pids;
            this.dir = dir;
        }

        static Child start(String mode) throws IOException {
            Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
            Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                    HygieneChild.class.getName(), mode)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
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
                throw new AssertionError("child JVM did not report its cluster: " + seen);
            }
            return new Child(p, pids, dir);
        }
    }
}
