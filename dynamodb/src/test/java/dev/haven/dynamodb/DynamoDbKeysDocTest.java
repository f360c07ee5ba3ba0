package dev.haven.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's settings table is the one {@link DynamoDbKeys#SPEC} generates ({@code -Dhaven.regenerate=true} rewrites it). */
class DynamoDbKeysDocTest {

    @Test
    void readmeTableIsGeneratedFromTheKeys() throws Exception {
        DynamoDbKeys.SPEC.assertTableIn(Path.of("README.md"));
        assertThat(DynamoDbKeys.SPEC.markdown()).contains("| `deadline` (formerly `api-call-timeout`) | `2s` |");
    }
}
