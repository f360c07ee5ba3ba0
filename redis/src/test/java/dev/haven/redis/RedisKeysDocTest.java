package dev.haven.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's settings table is the one {@link RedisKeys#SPEC} generates ({@code -Dhaven.regenerate=true} rewrites it). */
class RedisKeysDocTest {

    @Test
    void readmeTableIsGeneratedFromTheKeys() throws Exception {
        Path readme = Path.of("README.md");
        String doc = Files.readString(readme);
        String expected = RedisKeys.SPEC.withTableIn(doc);
        if (Boolean.getBoolean("haven.regenerate") && !expected.equals(doc)) {
            Files.writeString(readme, expected);
            doc = expected;
        }
        assertThat(doc).as("README.md settings table (regenerate with -Dhaven.regenerate=true)").isEqualTo(expected);
        assertThat(RedisKeys.SPEC.markdown()).contains("| `attempt-timeout` (formerly `command-timeout`) | `2s` |");
    }
}
