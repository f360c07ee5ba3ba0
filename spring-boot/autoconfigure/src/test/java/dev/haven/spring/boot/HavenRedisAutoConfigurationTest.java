package dev.haven.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.redis.HavenRedisClient;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** {@code haven.redis.*} without servers: what binds, what is refused, and when nothing happens. */
class HavenRedisAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(HavenRedisAutoConfiguration.class));

    @Test
    void anInvalidValueStopsTheStartWithPropertyRuleAndValue() {
        runner.withPropertyValues("haven.redis.sentinel=redis-sentinel://127.0.0.1:1#mymaster", "haven.redis.attemptTimeout=-1s",
                "haven.redis.password=s3cret").run(context -> {
                    assertThat(context).hasFailed();
                    FailureAnalysis analysis = new HavenPropertyFailureAnalyzer().analyze(context.getStartupFailure());
                    assertThat(analysis.getDescription()).contains("Property: haven.redis.attempt-timeout")
                            .contains("Value: -1s").contains("Rule: must be > 0").doesNotContain("s3cret");
                });
        runner.withPropertyValues("haven.redis.nodes=127.0.0.1:1", "haven.redis.retry.max-attempts=0").run(context -> {
            FailureAnalysis analysis = new HavenPropertyFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis.getDescription()).contains("Property: haven.redis.retry.max-attempts").contains("Value: 0");
        });
    }

    @Test
    void nothingWithoutServers() {
        runner.withPropertyValues("haven.redis.attempt-timeout=1s").run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).doesNotHaveBean(HavenRedisClient.class);
        });
    }

    @Test
    void relaxedNamesBindToHavensKeys() {
        java.util.Map<String, String> keys = HavenDataSourceProperties.toHavenKeys(java.util.Map.of());
        assertThat(keys).isEmpty();
        org.springframework.mock.env.MockEnvironment env = new org.springframework.mock.env.MockEnvironment()
                .withProperty("haven.redis.attemptTimeout", "2s").withProperty("haven.redis.probe_timeout", "1s")
                .withProperty("haven.redis.region", "eu");
        assertThat(HavenDataSourceProperties.canonical(env, "haven.redis.", dev.haven.redis.RedisKeys.SPEC))
                .containsEntry("haven.redis.attempt-timeout", "2s").containsEntry("haven.redis.probe-timeout", "1s")
                .containsEntry("haven.redis.region", "eu").hasSize(3);
        assertThat(dev.haven.redis.RedisKeys.ATTEMPT_TIMEOUT.parse("haven.redis.attempt-timeout", "2s"))
                .isEqualTo(Duration.ofSeconds(2));
    }
}
