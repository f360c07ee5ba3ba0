package dev.haven.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.Consistency;
import dev.haven.dynamodb.internal.DynamoDbSettings;
import dev.haven.engine.RetryPolicy;
import java.net.URI;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** {@code haven.dynamodb.*} properties: what a Spring-style configuration file can say, and its mistakes. */
class BuilderPropertiesTest {

    private static Properties props(String... kv) {
        Properties p = new Properties();
        for (int i = 0; i < kv.length; i += 2) {
            p.setProperty(kv[i], kv[i + 1]);
        }
        return p;
    }

    private static Properties base(String... more) {
        Properties p = props("haven.dynamodb.regions", "us-east-1, us-west-2, eu-west-1",
                "haven.dynamodb.home-region", "us-east-1",
                "haven.dynamodb.heartbeat-table", "haven-heartbeat",
                "spring.unrelated", "ignored");
        p.putAll(props(more));
        return p;
    }

    @Test
    void everySettingCanComeFromProperties() {
        DynamoDbSettings s = HavenDynamoDbClient.builder().properties(base(
                "haven.dynamodb.local-region", "us-west-2",
                "haven.dynamodb.region.eu-west-1.endpoint", "http://localhost:8000",
                "haven.dynamodb.cluster-name", "orders",
                "haven.dynamodb.default-consistency", "bounded-staleness:1500ms",
                "haven.dynamodb.api-call-timeout", "3s",
                "haven.dynamodb.api-call-attempt-timeout", "1s",
                "haven.dynamodb.probe-interval", "2s",
                "haven.dynamodb.fast-probe-interval", "200ms",
                "haven.dynamodb.lag-probe-interval", "300ms",
                "haven.dynamodb.probe-timeout", "400ms",
                "haven.dynamodb.lag-margin", "100ms",
                "haven.dynamodb.retry.max-attempts", "4",
                "haven.dynamodb.retry.base-backoff", "10ms",
                "haven.dynamodb.retry.max-backoff", "2s",
                "haven.dynamodb.retry.budget-ratio", "0.2",
                "haven.dynamodb.retry.budget-reserve-per-second", "5",
                "haven.dynamodb.hedge.enabled", "TRUE",
                "haven.dynamodb.hedge.delay", "15ms",
                "haven.dynamodb.hedge.min-delay", "2ms",
                "haven.dynamodb.hedge.latency-multiplier", "4",
                "haven.dynamodb.hedge.budget-ratio", "0.1",
                "haven.dynamodb.hedge.max-threads", "16",
                "haven.dynamodb.write-failover", "true",
                "haven.dynamodb.item-cache.maximum-size", "500",
                "haven.dynamodb.item-cache.max-age", "30s")).settings();
        assertThat(s.regions()).extracting(DynamoDbSettings.RegionSpec::name).containsExactly("us-east-1", "us-west-2", "eu-west-1");
        assertThat(s.regions().get(2).endpoint()).isEqualTo(URI.create("http://localhost:8000"));
        assertThat(s.homeRegion()).isEqualTo("us-east-1");
        assertThat(s.localRegion()).isEqualTo("us-west-2");
        assertThat(s.clusterName()).isEqualTo("orders");
        assertThat(s.defaultConsistency()).isEqualTo(Consistency.boundedStaleness(Duration.ofMillis(1500)));
        assertThat(s.apiCallTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(s.apiCallAttemptTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(s.probeInterval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(s.fastProbeInterval()).isEqualTo(Duration.ofMillis(200));
        assertThat(s.lagProbeInterval()).isEqualTo(Duration.ofMillis(300));
        assertThat(s.probeTimeout()).isEqualTo(Duration.ofMillis(400));
        assertThat(s.lagMargin()).isEqualTo(Duration.ofMillis(100));
        assertThat(s.retryPolicy()).isEqualTo(new RetryPolicy(4, Duration.ofMillis(10), Duration.ofSeconds(2), Duration.ofSeconds(3)));
        assertThat(s.keys().get(DynamoDbKeys.RETRY_BUDGET_RATIO)).isEqualTo(0.2);
        assertThat(s.keys().get(DynamoDbKeys.RETRY_BUDGET_RESERVE)).isEqualTo(5);
        assertThat(s.keys().get(DynamoDbKeys.HEDGE_ENABLED)).isTrue();
        assertThat(s.keys().get(DynamoDbKeys.HEDGE_DELAY)).isEqualTo(Duration.ofMillis(15));
        assertThat(s.keys().get(DynamoDbKeys.HEDGE_MIN_DELAY)).isEqualTo(Duration.ofMillis(2));
        assertThat(s.keys().get(DynamoDbKeys.HEDGE_LATENCY_MULTIPLIER)).isEqualTo(4.0);
        assertThat(s.keys().get(DynamoDbKeys.HEDGE_BUDGET_RATIO)).isEqualTo(0.1);
        assertThat(s.hedgeMaxThreads()).isEqualTo(16);
        assertThat(s.writeFailover()).isTrue();
        assertThat(s.itemCacheMaximumSize()).isEqualTo(500);
        assertThat(s.itemCacheMaxAge()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void consistencyWords() {
        assertThat(HavenDynamoDbClient.builder().properties(base("haven.dynamodb.default-consistency", "strong")).settings()
                .defaultConsistency()).isEqualTo(Consistency.STRONG);
        assertThat(HavenDynamoDbClient.builder().properties(base("haven.dynamodb.default-consistency", "Session")).settings()
                .defaultConsistency()).isEqualTo(Consistency.SESSION);
        assertThat(HavenDynamoDbClient.builder().properties(base()).settings().defaultConsistency()).isEqualTo(Consistency.EVENTUAL);
    }

    @Test
    void relaxedAndFormerNamesNameTheSameKeys() {
        java.util.Properties p = base("haven.dynamodb.apiCallTimeout", "3s");
        p.setProperty("HAVEN_DYNAMODB_ATTEMPT_TIMEOUT", "400ms");
        p.setProperty("haven.dynamodb.hedge.maxThreads", "8");
        var s = HavenDynamoDbClient.builder().properties(p).settings();
        assertThat(s.apiCallTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(s.apiCallAttemptTimeout()).isEqualTo(Duration.ofMillis(400));
        assertThat(s.hedgeMaxThreads()).isEqualTo(8);
        assertThat(s.keys().get(DynamoDbKeys.DEADLINE)).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void mistakesNameTheKeyTheRuleAndTheValue() {
        assertThatThrownBy(() -> HavenDynamoDbClient.builder().properties(base("haven.dynamodb.hedge.enabeld", "true")))
                .hasMessageStartingWith("haven.dynamodb.hedge.enabeld is not a haven.dynamodb.* setting: known are [regions, home-region,");
        assertThatThrownBy(() -> HavenDynamoDbClient.builder().properties(base("haven.dynamodb.write-failover", "yes")))
                .hasMessage("haven.dynamodb.write-failover must be true or false: was yes");
        assertThatThrownBy(() -> HavenDynamoDbClient.builder().properties(base("haven.dynamodb.default-consistency", "linearizable")))
                .hasMessage("haven.dynamodb.default-consistency must be strong, session, eventual or bounded-staleness:<duration>: was linearizable");
        assertThatThrownBy(() -> HavenDynamoDbClient.builder().properties(base("haven.dynamodb.default-consistency", "bounded-staleness:0s")))
                .hasMessage("haven.dynamodb.default-consistency must be > 0: was 0s");
        assertThatThrownBy(() -> HavenDynamoDbClient.builder().properties(base("haven.dynamodb.retry.max-attempts", "three")))
                .hasMessage("haven.dynamodb.retry.max-attempts must be an integer: was three");
        assertThatThrownBy(() -> HavenDynamoDbClient.builder().properties(base("haven.dynamodb.region.us-west-2.endpoint", "http://bad host")))
                .hasMessage("haven.dynamodb.region.us-west-2.endpoint must be a URI: was http://bad host");
        // values that parse but break a rule fail at build time, as from the builder methods
        assertThatThrownBy(() -> HavenDynamoDbClient.builder().properties(base("haven.dynamodb.probe-timeout", "0s")).settings())
                .hasMessage("haven.dynamodb.probe-timeout must be > 0: was 0s");
    }
}
