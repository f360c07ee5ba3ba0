package dev.haven.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.testkit.internal.MultiAzCatalog;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** RDS Multi-AZ settings fail at build time with a message naming the setting, the rule and the value; ids look like RDS's. */
class RdsMultiAzClusterBuilderTest {

    @Test
    void clusterIdFollowsRdsIdentifierRulesAndLeavesRoomForInstanceNames() {
        String fifty = "a".repeat(50);
        for (String bad : new String[] {"", "1abc", "a--b", "ab-", "a_b", "a.b", fifty + "b"}) {
            assertThatThrownBy(() -> PostgresCluster.builder().rdsMultiAz(bad, "us-east-1"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("RDS Multi-AZ DB cluster cluster id must be 1-50 letters, digits and single hyphens")
                    .hasMessageEndingWith("was '" + bad + "'");
        }
        assertThat(PostgresCluster.builder().rdsMultiAz(fifty, "us-east-1").domain()).isEqualTo(fifty + ".us-east-1.rds.amazonaws.com");
        assertThat(PostgresCluster.builder().rdsMultiAz("orders-db", "us-east-1").domain()).isEqualTo("ordersdb.us-east-1.rds.amazonaws.com");
    }

    @Test
    void regionAndDnsIdAreChecked() {
        assertThatThrownBy(() -> PostgresCluster.builder().rdsMultiAz("c", "useast1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("RDS Multi-AZ DB cluster region must look like us-east-1: was 'useast1'");
        assertThatThrownBy(() -> PostgresCluster.builder().rdsMultiAz("c", "us-east-1").dnsId("abc-1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dnsId must be 1-63 lower-case letters and digits")
                .hasMessageEndingWith("was 'abc-1'");
        assertThat(PostgresCluster.builder().rdsMultiAz("c", "eu-west-1").dnsId("abc123").domain()).isEqualTo("abc123.eu-west-1.rds.amazonaws.com");
        assertThatThrownBy(() -> PostgresCluster.builder().rdsMultiAz("c", "us-east-1").clusterEndpointMovesAfter(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("clusterEndpointMovesAfter must be >= 0: was PT-0.001S");
    }

    @Test
    void resourceIdsLookLikeRdsOnesAndAreFixedPerInstance() {
        Set<String> ids = new HashSet<>();
        for (int i = 1; i <= 200; i++) {
            String id = MultiAzCatalog.resourceId("us-east-1", "orders", "orders-instance-" + i);
            assertThat(id).matches("db-[A-Z2-7]{26}");
            ids.add(id);
        }
        assertThat(ids).hasSize(200);
        assertThat(MultiAzCatalog.resourceId("us-east-1", "orders", "orders-instance-1"))
                .isEqualTo(MultiAzCatalog.resourceId("us-east-1", "orders", "orders-instance-1"))
                .isNotEqualTo(MultiAzCatalog.resourceId("us-west-2", "orders", "orders-instance-1"));
    }
}
