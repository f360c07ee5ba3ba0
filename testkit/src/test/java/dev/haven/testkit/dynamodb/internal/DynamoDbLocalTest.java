package dev.haven.testkit.dynamodb.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DynamoDbLocalTest {

    @TempDir
    Path tmp;

    private Path libWithJar(Path dir) throws IOException {
        Path lib = Files.createDirectories(dir.resolve("lib"));
        Files.createFile(lib.resolve("DynamoDBLocal-3.3.1.jar"));
        return lib;
    }

    @Test
    void explicitDirectoryWins() throws IOException {
        Path lib = libWithJar(tmp.resolve("explicit"));
        libWithJar(tmp.resolve("prop"));
        DynamoDbLocal l = DynamoDbLocal.locate(tmp.resolve("explicit"), Map.of(DynamoDbLocal.PROPERTY, tmp.resolve("prop").toString())::get,
                k -> null, tmp);
        assertThat(l.libDir()).isEqualTo(lib);
        assertThat(l.version()).isEqualTo("3.3.1");
        assertThat(l.describe()).contains("builder().dynamoDbLocal");
    }

    @Test
    void systemPropertyThenEnvironmentThenTargetDirOfTheWorkingDirectory() throws IOException {
        Path prop = libWithJar(tmp.resolve("prop"));
        Path env = libWithJar(tmp.resolve("env"));
        Path module = tmp.resolve("module");
        Path conventional = libWithJar(module.resolve("target").resolve("dynamodb-local"));
        Map<String, String> p = Map.of(DynamoDbLocal.PROPERTY, tmp.resolve("prop").toString());
        Map<String, String> e = Map.of(DynamoDbLocal.PROPERTY, tmp.resolve("env").toString());
        assertThat(DynamoDbLocal.locate(null, p::get, e::get, module).libDir()).isEqualTo(prop);
        assertThat(DynamoDbLocal.locate(null, k -> null, e::get, module).libDir()).isEqualTo(env);
        assertThat(DynamoDbLocal.locate(null, k -> null, k -> null, module).libDir()).isEqualTo(conventional);
    }

    @Test
    void aDirectoryHoldingTheJarsItselfWorksToo() throws IOException {
        Files.createFile(tmp.resolve("DynamoDBLocal.jar"));
        DynamoDbLocal l = DynamoDbLocal.locate(tmp, k -> null, k -> null, tmp);
        assertThat(l.libDir()).isEqualTo(tmp);
        assertThat(l.version()).isEqualTo("unknown");
    }

    @Test
    void nothingFoundExplainsHowToGetIt() {
        assertThatThrownBy(() -> DynamoDbLocal.locate(null, k -> null, k -> null, tmp))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("DynamoDB Local not found")
                .hasMessageContaining("maven-antrun-plugin execution 'dynamodb-local'")
                .hasMessageContaining(DynamoDbLocal.PROPERTY);
        assertThatThrownBy(() -> DynamoDbLocal.locate(null, Map.of(DynamoDbLocal.PROPERTY, tmp.resolve("nope").toString())::get, k -> null, tmp))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("system property HAVEN_DYNAMODB_LOCAL names " + tmp.resolve("nope"));
    }

    @Test
    void commandRunsInMemorySharedDbWithNativeLibsAndAReapableMarker() throws IOException {
        libWithJar(tmp);
        DynamoDbLocal l = DynamoDbLocal.locate(tmp, k -> null, k -> null, tmp);
        String cmd = String.join(" ", l.command(Path.of("/jdk"), 8000, tmp.resolve("run").resolve("us-east-1")));
        assertThat(cmd).startsWith("/jdk/bin/java ")
                .contains("-Djava.library.path=" + tmp.resolve("lib"))
                .contains(tmp.resolve("run").resolve("us-east-1").resolve("data").toString())
                .endsWith("ServerRunner -inMemory -sharedDb -port 8000");
        assertThat(DynamoDbLocal.portConflict("java.io.IOException: Failed to bind to 0.0.0.0/0.0.0.0:8000")).isTrue();
        assertThat(DynamoDbLocal.portConflict("Address already in use")).isTrue();
        assertThat(DynamoDbLocal.portConflict("Initializing DynamoDB Local")).isFalse();
    }
}
