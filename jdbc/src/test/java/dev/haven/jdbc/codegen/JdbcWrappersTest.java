package dev.haven.jdbc.codegen;

import dev.haven.testkit.codegen.GeneratedSource;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The checked-in JDBC wrappers are what {@link JdbcWrappers} generates from this JDK's {@code java.sql}
 * interfaces. When this fails, edit the generator (not the generated region) and regenerate with
 * {@value JdbcWrappers#REGENERATE}.
 */
class JdbcWrappersTest {

    @Test
    void checkedInWrappersAreWhatTheGeneratorWrites() throws Exception {
        Path module = Path.of(System.getProperty("basedir", "."));
        for (Map.Entry<Path, String> e : JdbcWrappers.generate(module).entrySet()) {
            GeneratedSource.compareOrWrite(e.getKey(), e.getValue(), JdbcWrappers.REGENERATE);
        }
    }
}
