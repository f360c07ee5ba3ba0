package dev.haven.testkit.dynamodb;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad configuration fails when it is set, with a message naming the setting, the rule and the value. */
class DynamoDbRegionsBuilderTest {

    @Test
    void noRegions() {
        assertThatThrownBy(() -> DynamoDbRegions.builder().regions())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("regions must name at least one region");
        assertThatThrownBy(() -> DynamoDbRegions.start())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("was none");
    }

    @Test
    void duplicateRegions() {
        assertThatThrownBy(() -> DynamoDbRegions.builder().regions("us-east-1", "eu-west-1", "us-east-1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("region names must be distinct: 'us-east-1' appears more than once in [us-east-1, eu-west-1, us-east-1]");
    }

    @Test
    void malformedOrTooManyRegions() {
        assertThatThrownBy(() -> DynamoDbRegions.builder().regions("US East"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("like us-east-1: was 'US East'");
        assertThatThrownBy(() -> DynamoDbRegions.builder().regions("us-east-1", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("was 'null'");
        assertThatThrownBy(() -> DynamoDbRegions.builder().regions("a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most 8 regions");
    }

    @Test
    void negativeDelay() {
        assertThatThrownBy(() -> DynamoDbRegions.builder().replicationDelay(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("replicationDelay must be >= 0: was PT-0.001S");
        assertThatThrownBy(() -> DynamoDbRegions.builder().replicationDelay(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("replicationDelay must be >= 0: was null");
    }

    @Test
    void badTimeoutAndJavaHome(@TempDir Path empty) {
        assertThatThrownBy(() -> DynamoDbRegions.builder().startupTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("startupTimeout must be > 0: was PT0S");
        assertThatThrownBy(() -> DynamoDbRegions.builder().javaHome(empty))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("holding bin/java");
    }

    @Test
    void missingDynamoDbLocalSaysWhatToDo(@TempDir Path empty) {
        assertThatThrownBy(() -> DynamoDbRegions.builder().dynamoDbLocal(empty).start())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("holds no DynamoDBLocal*.jar")
                .hasMessageContaining("target/dynamodb-local/lib");
    }

    @Test
    void annotationValuesAreValidatedLikeTheBuilder() {
        @HavenDynamoDb(regions = {"us-east-1", "us-east-1"})
        class Duplicate {
        }
        @HavenDynamoDb(replicationDelay = "-1s")
        class Negative {
        }
        @HavenDynamoDb(replicationDelay = "soon")
        class Garbage {
        }
        assertThatThrownBy(() -> DynamoDbRegionsExtension.builder(Duplicate.class.getAnnotation(HavenDynamoDb.class)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be distinct");
        assertThatThrownBy(() -> DynamoDbRegionsExtension.builder(Negative.class.getAnnotation(HavenDynamoDb.class)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("@HavenDynamoDb: replicationDelay must be >= 0: was PT-1S");
        assertThatThrownBy(() -> DynamoDbRegionsExtension.builder(Garbage.class.getAnnotation(HavenDynamoDb.class)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("@HavenDynamoDb: replicationDelay must be a duration like 0, 250ms, 1s, 2m or PT1S: was 'soon'");
    }
}
