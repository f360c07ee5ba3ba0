package dev.haven.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.Consistency;
import dev.haven.ReadFallback;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SettingsSpecTest {

    static final Setting<Duration> DEADLINE = Setting.duration("deadline", Duration.ofSeconds(30), "whole operation")
            .atLeast(Duration.ofMillis(100)).formerly("statement-deadline");
    static final Setting<String> PASSWORD = Setting.text("password", null, "the password").secret();
    static final SettingsSpec SPEC = SettingsSpec.of("haven.test.", List.of(CommonKeys.CLUSTER_NAME,
            CommonKeys.DEFAULT_CONSISTENCY, CommonKeys.LAG_BOUND, CommonKeys.READ_FALLBACK,
            CommonKeys.PROBE_INTERVAL, CommonKeys.FAST_PROBE_INTERVAL, CommonKeys.RETRY_MAX_ATTEMPTS,
            CommonKeys.RETRY_BASE_BACKOFF, CommonKeys.RETRY_MAX_BACKOFF, CommonKeys.RETRY_BUDGET_RATIO, DEADLINE, PASSWORD),
            List.of(new SettingsSpec.Family("pool", "<hikari property>", "per-server pool")));

    private static Settings read(Map<String, String> props, List<String> families) {
        Settings.Builder b = SPEC.newBuilder();
        SPEC.read(props, b, (f, rest, v, key) -> families.add(f.name() + ":" + rest + "=" + v));
        return b.build();
    }

    @Test
    void everyRelaxedSpellingOfAKeyNamesTheSameSetting() {
        for (String key : List.of("haven.test.retry.max-attempts", "haven.test.retry.maxAttempts", "haven.test.retry_max_attempts",
                "HAVEN_TEST_RETRY_MAX_ATTEMPTS", "haven.test.Retry.Max-Attempts")) {
            Settings s = read(Map.of(key, "7"), new ArrayList<>());
            assertThat(s.get(CommonKeys.RETRY_MAX_ATTEMPTS)).as(key).isEqualTo(7);
        }
    }

    @Test
    void aFormerNameStillWorksAndMeansTheSame() {
        Settings s = read(Map.of("haven.test.statement-deadline", "2s"), new ArrayList<>());
        assertThat(s.get(DEADLINE)).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void theDeprecatedLagBoundBecomesABoundedDefaultConsistencyUnlessOneIsGiven() {
        assertThat(CommonKeys.defaultConsistency(read(Map.of("haven.test.lag-bound", "250ms"), new ArrayList<>())))
                .isEqualTo(Consistency.boundedStaleness(Duration.ofMillis(250)));
        assertThat(CommonKeys.defaultConsistency(read(Map.of("haven.test.lag-bound", "250ms",
                "haven.test.default-consistency", "eventual"), new ArrayList<>()))).isEqualTo(Consistency.EVENTUAL);
        assertThat(CommonKeys.defaultConsistency(SPEC.defaults())).isEqualTo(Consistency.boundedStaleness(Duration.ofSeconds(1)));
    }

    @Test
    void familyKeysGoToTheStoreAsTheyAre() {
        List<String> families = new ArrayList<>();
        read(Map.of("haven.test.pool.maximumPoolSize", "8", "other.key", "x"), families);
        assertThat(families).containsExactly("pool:maximumPoolSize=8");
    }

    @Test
    void messagesNameThePropertyTheRuleAndTheValue() {
        assertThatThrownBy(() -> read(Map.of("haven.test.deadline", "50ms"), new ArrayList<>()))
                .hasMessage("haven.test.deadline must be >= 100ms: was 50ms");
        assertThatThrownBy(() -> read(Map.of("haven.test.retry.max-attempts", "11"), new ArrayList<>()))
                .hasMessage("haven.test.retry.max-attempts must be in 1..10: was 11");
        assertThatThrownBy(() -> read(Map.of("haven.test.retry.budget-ratio", "NaN"), new ArrayList<>()))
                .hasMessage("haven.test.retry.budget-ratio must be a finite number: was NaN");
        assertThatThrownBy(() -> read(Map.of("haven.test.read-fallback", "replica"), new ArrayList<>()))
                .hasMessage("haven.test.read-fallback must be one of [writer, fail]: was replica");
        assertThatThrownBy(() -> read(Map.of("haven.test.probe-intervall", "1s"), new ArrayList<>()))
                .hasMessageStartingWith("haven.test.probe-intervall is not a haven.test.* setting: known are [cluster-name,");
        assertThatThrownBy(() -> read(Map.of("haven.test.cluster-name", "a b"), new ArrayList<>()))
                .hasMessage("haven.test.cluster-name must match [A-Za-z0-9._-]{1,64}: was a b");
        assertThatThrownBy(() -> SPEC.newBuilder().set(CommonKeys.PROBE_INTERVAL, Duration.ZERO))
                .hasMessage("haven.test.probe-interval must be > 0: was 0s");
        assertThatThrownBy(() -> CommonKeys.checkRelations(SPEC.newBuilder().set(CommonKeys.FAST_PROBE_INTERVAL, Duration.ofSeconds(2)).build()))
                .hasMessage("haven.test.fast-probe-interval must be <= haven.test.probe-interval (1s): was 2s");
    }

    @Test
    void aSecretNeverAppearsInAMessageOrToString() {
        Settings s = SPEC.newBuilder().set(PASSWORD, "hunter2").set(CommonKeys.READ_FALLBACK, ReadFallback.FAIL).build();
        assertThat(s.toString()).doesNotContain("hunter2").contains("password=***").contains("read-fallback=fail");
        assertThat(SPEC.markdown()).doesNotContain("hunter2");
    }

    @Test
    void toBuilderKeepsEveryGivenValue() {
        Settings s = SPEC.newBuilder().set(DEADLINE, Duration.ofSeconds(5)).build();
        Settings t = s.toBuilder().set(CommonKeys.PROBE_INTERVAL, Duration.ofSeconds(2)).build();
        assertThat(t.get(DEADLINE)).isEqualTo(Duration.ofSeconds(5));
        assertThat(t.get(CommonKeys.PROBE_INTERVAL)).isEqualTo(Duration.ofSeconds(2));
        assertThat(s.isGiven(CommonKeys.PROBE_INTERVAL)).isFalse();
    }

    @Test
    void breakersAreConfiguredByTheirKeys() {
        SettingsSpec spec = SettingsSpec.of("haven.test.", List.of(CommonKeys.BREAKER_FAILURE_RATE, CommonKeys.BREAKER_WINDOW,
                CommonKeys.BREAKER_MINIMUM_CALLS, CommonKeys.BREAKER_WAIT_IN_OPEN), List.of());
        Settings.Builder b = spec.newBuilder();
        spec.read(Map.of("haven.test.breaker.failure-rate-threshold", "25", "haven.test.breaker.sliding-window-size", "40",
                "haven.test.breaker.minimum-calls", "5", "haven.test.breaker.wait-in-open", "2s"), b, null);
        var config = CommonKeys.breakerConfig(b.build());
        assertThat(config.getFailureRateThreshold()).isEqualTo(25f);
        assertThat(config.getSlidingWindowSize()).isEqualTo(40);
        assertThat(config.getMinimumNumberOfCalls()).isEqualTo(5);
        assertThat(config.getWaitIntervalFunctionInOpenState().apply(1)).isEqualTo(2_000L);
        var defaults = CommonKeys.breakerConfig(spec.defaults());
        assertThat(defaults.getFailureRateThreshold()).isEqualTo(50f);
        assertThat(defaults.getSlidingWindowSize()).isEqualTo(20);
        assertThatThrownBy(() -> spec.read(Map.of("haven.test.breaker.failure-rate-threshold", "0"), spec.newBuilder(), null))
                .hasMessage("haven.test.breaker.failure-rate-threshold must be in [1, 100]: was 0.0");
    }

    @Test
    void twoKeysThatRelaxToTheSameNameAreRefused() {
        assertThatThrownBy(() -> SettingsSpec.of("haven.x.", List.of(Setting.text("max-size", "", "a"),
                Setting.text("max.size", "", "b")), List.of()))
                .hasMessage("haven.x.: keys max-size and max.size are the same name once case and separators are relaxed");
    }

    /** Random and boundary values for every key: a clean message naming the key, or an accepted value, never anything else. */
    @Test
    void anyValueGivesAValueOrAMessageNamingTheKey() {
        Random random = new Random(42);
        List<String> samples = List.of("", " ", "-1", "0", "1", "10", "2147483648", "-0.5", "1.5", "NaN", "Infinity", "1e309",
                "0ms", "-5ms", "10ms", "1s", "99999999999h", "PT-1S", "true", "FALSE", "maybe", "strong", "bounded-staleness:",
                "bounded-staleness:0s", "bounded-staleness:2s", "writer", "a b", "x".repeat(100), "\u0000", "'; drop table");
        int accepted = 0;
        int rejected = 0;
        for (int i = 0; i < 5_000; i++) {
            Setting<?> s = SPEC.settings().get(random.nextInt(SPEC.settings().size()));
            String v = samples.get(random.nextInt(samples.size()));
            try {
                read(Map.of("haven.test." + s.key(), v), new ArrayList<>());
                accepted++;
            } catch (IllegalArgumentException e) {
                rejected++;
                assertThat(e.getMessage()).as("message for %s=%s", s.key(), v).startsWith("haven.test." + s.key() + " ");
                if (!s.isSecret()) {
                    assertThat(e.getMessage()).contains("must");
                }
            }
        }
        assertThat(accepted).isPositive();
        assertThat(rejected).isPositive();
    }
}
