package dev.haven.testkit.redis;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Bad settings fail at the builder with a message naming the setting, the rule and the value. */
class RedisTopologyBuilderTest {

    @Test
    void rejectsOutOfRangeSettingsWithHelpfulMessages() {
        assertThatThrownBy(() -> RedisTopology.builder().replicas(6)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("replicas must be between 0 and 5: was 6");
        assertThatThrownBy(() -> RedisTopology.builder().replicas(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("was -1");
        assertThatThrownBy(() -> RedisTopology.builder().sentinels(2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("sentinels must be 0 or 3: was 2").hasMessageContaining("quorum");
        assertThatThrownBy(() -> RedisTopology.builder().password("")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("password");
        assertThatThrownBy(() -> RedisTopology.builder().startupTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("startupTimeout must be > 0: was PT0S");
        assertThatThrownBy(() -> RedisTopology.builder().sentinelDownAfter(Duration.ofMillis(99))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("sentinelDownAfter must be between 100 ms and 60 s: was PT0.099S");
        assertThatThrownBy(() -> RedisTopology.builder().sentinelDownAfter(Duration.ofSeconds(61))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("sentinelDownAfter must be between 100 ms and 60 s: was PT1M1S");
        assertThatThrownBy(() -> RedisTopology.builder().binaries(" ")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RedisTopology.builder().elastiCacheMode(true).sentinels(3).start())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("elastiCacheMode has no Sentinel");
        assertThatThrownBy(() -> RedisTopology.builder().binaries("/nonexistent/redis").start())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("/nonexistent/redis");
    }

    @Test
    void rejectsBadGlobalDatastoreSettings() {
        assertThatThrownBy(() -> RedisTopology.builder().globalDatastore("us-east-1")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("globalDatastore needs 1..3 secondary regions: was 0");
        assertThatThrownBy(() -> RedisTopology.builder().globalDatastore("a", "b", "c", "d", "e"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("globalDatastore needs 1..3 secondary regions: was 4");
        assertThatThrownBy(() -> RedisTopology.builder().globalDatastore("us-east-1", "EU West"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("globalDatastore region names must be 1..32 of [a-z0-9-]: was 'EU West'");
        assertThatThrownBy(() -> RedisTopology.builder().globalDatastore("r1", "r1"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("globalDatastore region names must be distinct: was [r1, r1]");
        assertThatThrownBy(() -> RedisTopology.builder().globalDatastore("r1", "r2").sentinels(3).start())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("globalDatastore has no Sentinel and no primary endpoint: was sentinels(3)");
        assertThatThrownBy(() -> RedisTopology.builder().globalDatastore("r1", "r2").elastiCacheMode(true).start())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("elastiCacheMode(true)");
    }

    @Test
    void quotesConfigStrings() {
        org.assertj.core.api.Assertions.assertThat(RedisProcesses.quote("a\"b\\c")).isEqualTo("\"a\\\"b\\\\c\"");
    }
}
