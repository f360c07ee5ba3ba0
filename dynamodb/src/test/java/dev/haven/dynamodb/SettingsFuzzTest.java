package dev.haven.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.config.SettingsFuzz;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every haven.dynamodb key fed random and boundary values: a message naming a key and a rule, never a deep stack trace. */
class SettingsFuzzTest {

    @Test
    void badValuesFailWithAMessageNamingTheKeyAndTheRule() {
        SettingsFuzz.Result r = SettingsFuzz.run(DynamoDbKeys.SPEC,
                Map.of("haven.dynamodb.regions", "us-east-1,us-west-2", "haven.dynamodb.home-region", "us-east-1", "haven.dynamodb.heartbeat-table", "haven-hb"),
                props -> HavenDynamoDbClient.builder().properties(props).settings(), 7, 20_000);
        System.out.printf("haven.dynamodb fuzz: %d accepted, %d rejected, problems %s%n", r.accepted(), r.rejected(), r.problems());
        assertThat(r.problems()).isEmpty();
        assertThat(r.accepted()).isPositive();
        assertThat(r.rejected()).isPositive();
    }
}
