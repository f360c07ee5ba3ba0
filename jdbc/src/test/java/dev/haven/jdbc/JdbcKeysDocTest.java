package dev.haven.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's settings table is the one {@link JdbcKeys#SPEC} generates ({@code -Dhaven.regenerate=true} rewrites it). */
class JdbcKeysDocTest {

    @Test
    void readmeTableIsGeneratedFromTheKeys() throws Exception {
        JdbcKeys.SPEC.assertTableIn(Path.of("..", "README.md"));
        assertThat(JdbcKeys.SPEC.markdown()).contains("| `deadline` (formerly `statement-deadline`) | `30s` |");
    }
}
