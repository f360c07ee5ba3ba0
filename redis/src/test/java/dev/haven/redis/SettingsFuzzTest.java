package dev.haven.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.config.SettingsFuzz;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every haven.redis key fed random and boundary values: a message naming a key and a rule, never a deep stack trace. */
class SettingsFuzzTest {

    @Test
    void badValuesFailWithAMessageNamingTheKeyAndTheRule() {
        SettingsFuzz.Result r = SettingsFuzz.run(RedisKeys.SPEC,
                Map.of("haven.redis.nodes", "127.0.0.1:6379"),
                props -> HavenRedisClient.builder().properties(props).settings(), 7, 20_000);
        System.out.printf("haven.redis fuzz: %d accepted, %d rejected, problems %s%n", r.accepted(), r.rejected(), r.problems());
        assertThat(r.problems()).isEmpty();
        assertThat(r.accepted()).isPositive();
        assertThat(r.rejected()).isPositive();
    }
}
