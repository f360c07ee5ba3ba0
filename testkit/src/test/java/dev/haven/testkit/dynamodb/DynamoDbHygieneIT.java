package dev.haven.testkit.dynamodb;

import static dev.haven.testkit.dynamodb.RegionLifecycleIT.alive;
import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.testkit.dynamodb.internal.DynamoDbLocal;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** No DynamoDB Local outlives its JVM: on exit the shutdown hook closes; after SIGKILL the next start reaps. */
class DynamoDbHygieneIT {

    @Test
    void shutdownHookStopsServersTheApplicationForgotToClose() throws Exception {
        Process child = startChild("exit");
        List<Long> pids = pidsOf(child);
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).isZero();
        assertThat(pids).hasSize(1);
        assertThat(alive(pids)).as("servers alive after the JVM exited").isEmpty();
    }

    @Test
    void serversOfAJvmKilledWithSigkillAreReapedByTheNextStart() throws Exception {
        Process child = startChild("wait");
        List<Long> pids = pidsOf(child);
        child.destroyForcibly(); // SIGKILL: no shutdown hook
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(alive(pids)).as("orphaned server right after SIGKILL").hasSize(1);

        try (DynamoDbRegions next = DynamoDbRegions.start("us-east-1")) {
            assertThat(next.isRunning("us-east-1")).isTrue();
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!alive(pids).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(alive(pids)).as("orphaned server after the next start").isEmpty();
    }

    private static Process startChild(String mode) throws IOException {
        Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = new ArrayList<>(List.of(java.toString(), "-cp", System.getProperty("java.class.path")));
        String local = System.getProperty(DynamoDbLocal.PROPERTY);
        if (local != null) {
            cmd.add("-D" + DynamoDbLocal.PROPERTY + "=" + local);
        }
        cmd.add(DynamoDbHygieneChild.class.getName());
        cmd.add(mode);
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    private static List<Long> pidsOf(Process p) throws IOException {
        List<Long> pids = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null && !line.equals("READY")) {
            seen.add(line);
            if (line.startsWith("PIDS ")) {
                Arrays.stream(line.substring(5).split(",")).map(Long::parseLong).forEach(pids::add);
            }
        }
        if (pids.isEmpty()) {
            p.destroyForcibly();
            throw new AssertionError("child JVM did not report its servers: " + seen);
        }
        return pids;
    }
}
