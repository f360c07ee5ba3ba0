package dev.haven.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's settings table is the one {@link RedisKeys#SPEC} generates ({@code -Dhaven.regenerate=true} rewrites it). */
class RedisKeysDocTest {

    @Test
    void readmeTableIsGeneratedFromTheKeys() throws Exception {
        RedisKeys.SPEC.assertTableIn(Path.of("README.md"));
        assertThat(RedisKeys.SPEC.markdown()).contains("| `attempt-timeout` (formerly `command-timeout`) | `2s` |");
    }
}
