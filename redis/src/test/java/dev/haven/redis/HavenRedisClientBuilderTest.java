package dev.haven.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.Endpoint;
import dev.haven.redis.internal.RedisSettings;
import java.time.Duration;
import java.util.Properties;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class HavenRedisClientBuilderTest {

    private static RedisSettings settings(UnaryOperator<HavenRedisClient.Builder> b) {
        return b.apply(HavenRedisClient.builder()).settings();
    }

    private static void fails(UnaryOperator<HavenRedisClient.Builder> b, String message) {
        assertThatThrownBy(() -> settings(b)).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }

    @Test
    void sentinelUriGivesSentinelsAndMasterName() {
        RedisSettings s = settings(b -> b.sentinel("redis-sentinel://127.0.0.1:26379,127.0.0.1:26380#mymaster").password("secret"));
        assertThat(s.sentinelMode()).isTrue();
        assertThat(s.sentinels()).extracting(Endpoint::id).containsExactly("127.0.0.1:26379", "127.0.0.1:26380");
        assertThat(s.masterName()).isEqualTo("mymaster");
        assertThat(s.commandTimeout()).isEqualTo(Duration.ofMillis(250));
        assertThat(s.toString()).doesNotContain("secret").contains("password=***");
    }

    @Test
    void exactlyOneTopologySource() {
        fails(b -> b, "haven.redis.sentinel, haven.redis.nodes and haven.redis.primary-endpoint: exactly one must be given: was 0");
        fails(b -> b.nodes("a:1").elastiCache("b:2", null),
                "haven.redis.sentinel, haven.redis.nodes and haven.redis.primary-endpoint: exactly one must be given: was 2");
        fails(b -> b.sentinel("redis://127.0.0.1:6379"),
                "haven.redis.sentinel must name Sentinels and a master (redis-sentinel://host:port#master): was redis://127.0.0.1:6379");
        fails(b -> b.nodes("localhost"), "haven.redis.nodes must be host:port: was 'localhost'");
        fails(b -> b.elastiCache("primary.cache.amazonaws.com:99999", null),
                "haven.redis.primary-endpoint port must be in 1..65535: was 'primary.cache.amazonaws.com:99999'");
    }

    @Test
    void durationsAndNumbersAreValidatedWithPropertyRuleAndValue() {
        fails(b -> b.nodes("a:1").commandTimeout(Duration.ofMillis(-1)), "haven.redis.command-timeout must be > 0: was -1ms");
        fails(b -> b.nodes("a:1").commandTimeout(Duration.ofMillis(5)), "haven.redis.command-timeout must be >= 10ms: was 5ms");
        fails(b -> b.nodes("a:1").lagBound(Duration.ZERO), "haven.redis.lag-bound must be > 0: was 0s");
        fails(b -> b.nodes("a:1").fastProbeInterval(Duration.ofSeconds(2)),
                "haven.redis.fast-probe-interval must be <= haven.redis.probe-interval (1s): was 2s");
        fails(b -> b.nodes("a:1").retryMaxAttempts(0), "haven.redis.retry.max-attempts must be in 1..10: was 0");
        fails(b -> b.nodes("a:1").requestQueueSize(0), "haven.redis.request-queue-size must be in 1..1000000: was 0");
        fails(b -> b.nodes("a:1").retryBudget(1.5, 10), "haven.redis.retry.budget-ratio must be in [0, 1]: was 1.5");
        fails(b -> b.nodes("a:1").clusterName("has space"), "haven.redis.cluster-name must match [A-Za-z0-9._-]{1,64}: was has space");
    }

    @Test
    void propertiesUseTheSameNamesAndRejectUnknownKeys() {
        Properties p = new Properties();
        p.setProperty("haven.redis.nodes", "10.0.0.1:6379, 10.0.0.2:6379");
        p.setProperty("haven.redis.command-timeout", "300ms");
        p.setProperty("haven.redis.lag-bound", "500ms");
        p.setProperty("haven.redis.read-fallback", "fail");
        p.setProperty("other.key", "ignored");
        RedisSettings s = HavenRedisClient.builder().properties(p).settings();
        assertThat(s.nodes()).extracting(Endpoint::id).containsExactly("10.0.0.1:6379", "10.0.0.2:6379");
        assertThat(s.commandTimeout()).isEqualTo(Duration.ofMillis(300));
        assertThat(s.lagBound()).isEqualTo(Duration.ofMillis(500));
        assertThat(s.readFallbackToWriter()).isFalse();

        Properties typo = new Properties();
        typo.setProperty("haven.redis.lag-bund", "1s");
        assertThatThrownBy(() -> HavenRedisClient.builder().properties(typo)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("haven.redis.lag-bund is not a Haven Redis setting");
        Properties bad = new Properties();
        bad.setProperty("haven.redis.command-timeout", "fast");
        assertThatThrownBy(() -> HavenRedisClient.builder().properties(bad)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("haven.redis.command-timeout must be a duration like 500ms, 1s, 2m or PT1S: was fast");
    }
}
