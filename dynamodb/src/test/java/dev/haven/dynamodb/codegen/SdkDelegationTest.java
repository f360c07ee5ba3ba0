package dev.haven.dynamodb.codegen;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.testkit.codegen.GeneratedSource;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The checked-in operation methods of the two clients are what {@link SdkDelegation} generates from the SDK on the
 * class path. After an SDK upgrade, regenerate with {@value SdkDelegation#REGENERATE}.
 */
class SdkDelegationTest {

    @Test
    void checkedInClientsAreWhatTheGeneratorWrites() throws Exception {
        Path module = Path.of(System.getProperty("basedir", "."));
        for (Map.Entry<Path, String> e : SdkDelegation.generate(module).entrySet()) {
            GeneratedSource.compareOrWrite(e.getKey(), e.getValue(), SdkDelegation.REGENERATE);
        }
    }

    @Test
    void everyRuleNamesAnOperationTheSdkHas() {
        for (Class<?> sdk : new Class<?>[] {DynamoDbClient.class, DynamoDbAsyncClient.class}) {
            var operations = SdkDelegation.operations(sdk).stream().map(m -> m.getName()).toList();
            assertThat(operations).as("operations of %s", sdk.getSimpleName()).hasSizeGreaterThanOrEqualTo(57)
                    .containsAll(SdkDelegation.READS).containsAll(SdkDelegation.ITEM_WRITES)
                    .containsAll(SdkDelegation.HAND_WRITTEN);
        }
    }
}
