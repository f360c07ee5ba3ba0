package dev.haven.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.config.CommonKeys;
import dev.haven.config.HavenBuilder;
import dev.haven.config.Setting;
import dev.haven.config.SettingsSpec;
import dev.haven.dynamodb.DynamoDbKeys;
import dev.haven.dynamodb.HavenDynamoDbClient;
import dev.haven.jdbc.HavenDataSource;
import dev.haven.jdbc.JdbcKeys;
import dev.haven.redis.HavenRedisClient;
import dev.haven.redis.RedisKeys;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * One vocabulary across the stores: the keys every store shares have one name and one type in all three, the builders
 * share one base, and every key a store documents has a builder method or is set through {@code set(key, value)}.
 */
class OneVocabularyTest {

    static final List<SettingsSpec> SPECS = List.of(JdbcKeys.SPEC, RedisKeys.SPEC, DynamoDbKeys.SPEC);

    static final List<Setting<?>> EVERY_STORE = List.of(CommonKeys.CLUSTER_NAME, CommonKeys.DEFAULT_CONSISTENCY,
            CommonKeys.LOCAL_REGION, CommonKeys.PROBE_INTERVAL, CommonKeys.FAST_PROBE_INTERVAL, CommonKeys.PROBE_TIMEOUT,
            CommonKeys.RETRY_MAX_ATTEMPTS, CommonKeys.RETRY_BUDGET_RATIO, CommonKeys.RETRY_BUDGET_RESERVE,
            CommonKeys.BREAKER_FAILURE_RATE, CommonKeys.BREAKER_WINDOW, CommonKeys.BREAKER_MINIMUM_CALLS,
            CommonKeys.BREAKER_WAIT_IN_OPEN);

    @Test
    void theSharedKeysHaveOneNameAndOneTypeInEveryStore() {
        for (SettingsSpec spec : SPECS) {
            for (Setting<?> common : EVERY_STORE) {
                assertThat(spec.find(common.key())).as("%s%s", spec.prefix(), common.key()).isPresent();
                assertThat(spec.find(common.key()).orElseThrow().type()).as("%s%s type", spec.prefix(), common.key())
                        .isEqualTo(common.type());
            }
        }
        Set<String> timeouts = SPECS.stream().flatMap(s -> s.settings().stream()).map(Setting::key)
                .filter(k -> k.contains("timeout") || k.contains("deadline")).collect(Collectors.toCollection(java.util.TreeSet::new));
        assertThat(timeouts).as("the timeout keys of all stores").containsExactly("attempt-timeout", "connect-timeout",
                "deadline", "probe-timeout");
    }

    @Test
    void theThreeBuildersShareOneBase() {
        assertThat(HavenBuilder.class).isAssignableFrom(HavenDataSource.Builder.class);
        assertThat(HavenBuilder.class).isAssignableFrom(HavenRedisClient.Builder.class);
        assertThat(HavenBuilder.class).isAssignableFrom(HavenDynamoDbClient.Builder.class);
        for (Class<?> keys : List.of(JdbcKeys.class, RedisKeys.class, DynamoDbKeys.class)) {
            long constants = java.util.Arrays.stream(keys.getFields())
                    .filter(f -> Modifier.isStatic(f.getModifiers()) && f.getType() == Setting.class).count();
            SettingsSpec spec = keys == JdbcKeys.class ? JdbcKeys.SPEC : keys == RedisKeys.class ? RedisKeys.SPEC : DynamoDbKeys.SPEC;
            assertThat(constants).as("%s: a constant for every key of its spec", keys.getSimpleName())
                    .isEqualTo(spec.settings().size());
        }
    }
}
