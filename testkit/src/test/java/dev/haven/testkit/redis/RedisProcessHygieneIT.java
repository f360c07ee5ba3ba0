package dev.haven.testkit.redis;

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
import org.junit.jupiter.api.Test;

/** No Redis process outlives its JVM: the shutdown hook closes topologies; after SIGKILL the next start reaps them. */
class RedisProcessHygieneIT {

    @Test
    void shutdownHookClosesTopologiesTheApplicationForgotToClose() throws Exception {
        Child child = Child.start("exit");
        assertThat(child.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(child.pids).hasSize(5); // primary, replica, 3 Sentinels
        assertThat(alive(child.pids)).as("processes alive after the JVM exited").isEmpty();
        assertThat(Files.exists(child.dir)).isFalse();
    }

    @Test
    void shutdownHookClosesAGlobalDatastoreTopology() throws Exception {
        Child child = Child.start("exit", "gds");
        assertThat(child.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(child.pids).hasSize(4); // 2 regions x (primary + replica)
        assertThat(alive(child.pids)).as("processes alive after the JVM exited").isEmpty();
        assertThat(Files.exists(child.dir)).isFalse();
    }

    @Test
    void processesOfAJvmKilledWithSigkillAreReapedByTheNextStart() throws Exception {
        Child child = Child.start("wait");
        child.process.destroyForcibly();
        assertThat(child.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(alive(child.pids)).as("orphans right after SIGKILL").hasSize(5);

        try (RedisTopology next = RedisTopology.builder().replicas(0).sentinels(0).start()) {
            assertThat(next.primary().isRunning()).isTrue();
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!alive(child.pids).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(alive(child.pids)).as("orphans after the next start").isEmpty();
        assertThat(Files.exists(child.dir)).isFalse();
    }

    private static List<Long> alive(List<Long> pids) {
        return pids.stream().filter(p -> ProcessHandle.of(p).map(ServerProcesses::isRunning).orElse(false)).toList();
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

        static Child start(String... args) throws IOException {
            Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
            List<String> cmd = new ArrayList<>(List.of(java.toString(), "-cp", System.getProperty("java.class.path"),
                    RedisHygieneChild.class.getName()));
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
            return new Child(p, pids, dir);
        }
    }
}
