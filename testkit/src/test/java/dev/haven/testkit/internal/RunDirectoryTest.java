package dev.haven.testkit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A JVM killed with SIGKILL leaves its run directory and servers behind; the next start reaps them, but only
 * processes whose command line names that run's data directory (pids get reused).
 */
class RunDirectoryTest {

    @Test
    void reapsServersAndDirectoriesOfDeadOwnersOnly(@TempDir Path base) throws Exception {
        long deadOwner = deadPid();

        Path staleRun = base.resolve("run-" + deadOwner + "-aaaa");
        Path staleNode = Files.createDirectories(staleRun.resolve("pg0"));
        Path decoyNode = Files.createDirectories(staleRun.resolve("pg1"));
        Files.writeString(staleRun.resolve(RunDirectory.OWNER_FILE), deadOwner + " 0\n");
        // stands in for a postmaster: its command line names the run's data directory
        Process stale = new ProcessBuilder("sh", "-c", "sleep 300; true", staleNode.resolve("data").toString()).start();
        // a live process that reused a recorded pid: not ours to kill
        Process decoy = new ProcessBuilder("sh", "-c", "sleep 300; true", "/somewhere/else").start();

        Path liveRun = base.resolve("run-" + ProcessHandle.current().pid() + "-bbbb");
        Files.createDirectories(liveRun.resolve("pg0"));
        Files.writeString(liveRun.resolve(RunDirectory.OWNER_FILE), ProcessHandle.current().pid() + " "
                + ProcessHandle.current().info().startInstant().orElseThrow().toEpochMilli() + "\n");
        try {
            Files.writeString(staleNode.resolve(RunDirectory.SERVER_PID_FILE), stale.pid() + "\n");
            Files.writeString(decoyNode.resolve(RunDirectory.SERVER_PID_FILE), decoy.pid() + "\n");

            RunDirectory.reapStale(base);

            assertThat(ServerProcesses.awaitExit(stale.toHandle(), Duration.ofSeconds(5))).as("stale server killed").isTrue();
            assertThat(decoy.isAlive()).as("unrelated process spared").isTrue();
            assertThat(staleRun).doesNotExist();
            assertThat(liveRun).exists();
        } finally {
            stale.destroyForcibly();
            decoy.destroyForcibly();
        }
    }

    private static long deadPid() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        return p.pid();
    }
}
