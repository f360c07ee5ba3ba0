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

    @Test
    void secondaryRegionsTakeTheLastInstancesAndLeaveTheWriterHome() {
        AuroraPostgresCluster.Builder b = PostgresCluster.builder().replicas(4).aurora("orders", "us-east-1")
                .secondaryRegion("us-west-2", 2).secondaryRegion("eu-west-1", 1);
        assertThat(java.util.stream.IntStream.range(0, 7).mapToObj(b::regionOf))
                .containsExactly("us-east-1", "us-east-1", "us-west-2", "us-west-2", "eu-west-1", "us-east-1", "us-east-1");
        AuroraPostgresCluster.Builder regional = PostgresCluster.builder().replicas(2).aurora("orders", "us-east-1");
        assertThat(java.util.stream.IntStream.range(0, 4).mapToObj(regional::regionOf)).containsOnly("us-east-1");
    }

    @Test
    void secondaryRegionsAreValidated() {
        assertThatThrownBy(() -> PostgresCluster.builder().aurora("c", "us-east-1").secondaryRegion("uswest2", 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("secondaryRegion region must look like us-west-2: was 'uswest2'");
        assertThatThrownBy(() -> PostgresCluster.builder().aurora("c", "us-east-1").secondaryRegion("us-east-1", 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("secondaryRegion region must differ from the primary region us-east-1 and from the secondary regions []: "
                        + "was 'us-east-1'");
        assertThatThrownBy(() -> PostgresCluster.builder().replicas(3).aurora("c", "us-east-1").secondaryRegion("us-west-2", 1)
                .secondaryRegion("us-west-2", 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageEndingWith("and from the secondary regions [us-west-2]: was 'us-west-2'");
        assertThatThrownBy(() -> PostgresCluster.builder().aurora("c", "us-east-1").secondaryRegion("us-west-2", 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("secondaryRegion instances must be >= 1: was 0 for 'us-west-2'");
        assertThatThrownBy(() -> PostgresCluster.builder().replicas(2).aurora("c", "us-east-1").secondaryRegion("us-west-2", 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("secondaryRegion instances must leave the primary region us-east-1 at least one instance (the writer): "
                        + "was {us-west-2=3}, 3 of 3 instances (replicas(2) + the writer)");
    }
}
