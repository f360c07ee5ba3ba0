package dev.haven.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad configuration fails at build time with a message naming the setting, the rule and the value. */
class PostgresClusterBuilderTest {

    @Test
    void tooManyReplicasIsRejected() {
        assertThatThrownBy(() -> PostgresCluster.builder().replicas(6))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("replicas must be between 0 and 5: was 6");
    }

    @Test
    void negativeReplicasIsRejected() {
        assertThatThrownBy(() -> PostgresCluster.builder().replicas(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("replicas must be between 0 and 5: was -1");
        assertThatThrownBy(() -> PostgresCluster.start(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void moreSynchronousStandbysThanReplicasIsRejectedBeforeAnythingStarts() {
        assertThatThrownBy(() -> PostgresCluster.builder().replicas(1).synchronousStandbys(2).start())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("synchronousStandbys must be <= replicas: was 2 with 1 replica(s)");
        assertThatThrownBy(() -> PostgresCluster.builder().synchronousStandbys(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("synchronousStandbys must be >= 0: was -1");
    }

    @Test
    void nonEmptyWorkDirIsRejected(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("precious.txt"), "keep me");
        assertThatThrownBy(() -> PostgresCluster.builder().workDir(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("workDir must be an empty directory or absent")
                .hasMessageContaining(dir.toString());
        assertThat(dir.resolve("precious.txt")).exists();
    }

    @Test
    void workDirThatIsAFileIsRejected(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("f"), "x");
        assertThatThrownBy(() -> PostgresCluster.builder().workDir(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is a file");
    }

    @Test
    void emptyOrAbsentWorkDirIsAccepted(@TempDir Path dir) {
        assertThatCode(() -> PostgresCluster.builder().workDir(dir).workDir(dir.resolve("absent"))).doesNotThrowAnyException();
    }

    @Test
    void otherSettingsAreValidated() {
        assertThatThrownBy(() -> PostgresCluster.builder().database("my-db"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("database must be a plain identifier").hasMessageContaining("my-db");
        assertThatThrownBy(() -> PostgresCluster.builder().user(""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("user must be a plain identifier");
        assertThatThrownBy(() -> PostgresCluster.builder().password(""))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("password must not be empty");
        assertThatThrownBy(() -> PostgresCluster.builder().startupTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("startupTimeout must be > 0: was PT0S");
        assertThatThrownBy(() -> PostgresCluster.builder().extraConfig("bad key", "1"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("extraConfig key must be a setting name");
        assertThatThrownBy(() -> PostgresCluster.builder().binaries(" "))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("binaries must be auto, system, maven or a directory");
    }

    @Test
    void binariesPathWithoutPostgresIsRejectedWithAHint(@TempDir Path dir) {
        assertThatThrownBy(() -> PostgresCluster.builder().binaries(dir.toString()).replicas(0).start())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no executable 'postgres' and 'initdb' in " + dir)
                .hasMessageContaining("use auto, system, maven or a PostgreSQL bin directory");
    }
}
