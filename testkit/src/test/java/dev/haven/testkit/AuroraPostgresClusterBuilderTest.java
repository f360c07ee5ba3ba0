package dev.haven.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Aurora settings fail at build time with a message naming the setting, the rule and the value. */
class AuroraPostgresClusterBuilderTest {

    @Test
    void clusterIdFollowsAuroraIdentifierRules() {
        for (String bad : new String[] {"", "1abc", "a--b", "ab-", "a_b", "a.b"}) {
            assertThatThrownBy(() -> PostgresCluster.builder().aurora(bad, "us-east-1"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("Aurora cluster id must be 1-63 letters, digits and single hyphens")
                    .hasMessageEndingWith("was '" + bad + "'");
        }
        assertThat(PostgresCluster.builder().aurora("cluster-xyz", "us-east-1").domain())
                .isEqualTo("clusterxyz.us-east-1.rds.amazonaws.com");
    }

    @Test
    void regionMustLookLikeOne() {
        assertThatThrownBy(() -> PostgresCluster.builder().aurora("c", "useast1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Aurora region must look like us-east-1: was 'useast1'");
    }

    @Test
    void dnsIdHasNoHyphenBecauseTheAwsWrapperWouldReadAClusterEndpoint() {
        assertThatThrownBy(() -> PostgresCluster.builder().aurora("c", "us-east-1").dnsId("cluster-xyz"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dnsId must be 1-63 lower-case letters and digits")
                .hasMessageEndingWith("was 'cluster-xyz'");
        assertThat(PostgresCluster.builder().aurora("c", "eu-west-1").dnsId("abc123").domain()).isEqualTo("abc123.eu-west-1.rds.amazonaws.com");
    }

    @Test
    void delaysAndIntervalsAreBounded() {
        assertThatThrownBy(() -> PostgresCluster.builder().aurora("c", "us-east-1").clusterEndpointMovesAfter(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("clusterEndpointMovesAfter must be >= 0: was PT-0.001S");
        assertThatThrownBy(() -> PostgresCluster.builder().aurora("c", "us-east-1").statusInterval(Duration.ofMillis(5)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("statusInterval must be >= 10ms: was PT0.005S");
    }
}
