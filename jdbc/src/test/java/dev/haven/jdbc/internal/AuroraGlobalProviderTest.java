package dev.haven.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.Endpoint;
import dev.haven.Role;
import dev.haven.spi.Probe;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** An Aurora Global Database's topology read from recorded rows of {@code aurora_global_db_instance_status()}. */
class AuroraGlobalProviderTest {

    private static final String EAST = "?.c9akciq32.us-east-1.rds.amazonaws.com";
    private static final String WEST = "?.x7bd2kq1.us-west-2.rds.amazonaws.com";
    /** As the probe aggregates them: id|w or r|visibility lag ms (-1 for NULL)|region. */
    private static final String ROWS = "orders-1|w|-1|us-east-1,orders-2|r|12|us-east-1,orders-w1|r|840|us-west-2,"
            + "orders-w2|r|-1|us-west-2";

    private static AuroraGlobalPostgresTopologyProvider provider(Map<String, String> patterns, String home) {
        JdbcUrl url = JdbcUrl.parse("haven.jdbc.url", "jdbc:postgresql://orders.cluster-c9akciq32.us-east-1.rds.amazonaws.com:5432/app");
        return new AuroraGlobalPostgresTopologyProvider(url, new ConnectionCredentials.Fixed("u", "p"), Runnable::run, patterns, home);
    }

    private static Endpoint at(String host) {
        return Endpoint.of(host, 5432);
    }

    @Test
    void everyRegionsInstancesAreFoundOnTheirRegionsEndpointsAndLabelledWithTheRegion() {
        var p = provider(Map.of("us-east-1", EAST, "us-west-2", WEST), "us-east-1");
        Probe writer = p.read(at("orders-1.c9akciq32.us-east-1.rds.amazonaws.com"), "orders-1", false, ROWS, 1_000);
        assertThat(writer.role()).isEqualTo(Role.WRITER);
        assertThat(writer.discovered()).extracting(Endpoint::id).containsExactly(
                "orders-1.c9akciq32.us-east-1.rds.amazonaws.com:5432", "orders-2.c9akciq32.us-east-1.rds.amazonaws.com:5432",
                "orders-w1.x7bd2kq1.us-west-2.rds.amazonaws.com:5432", "orders-w2.x7bd2kq1.us-west-2.rds.amazonaws.com:5432");
        assertThat(writer.discovered()).extracting(Endpoint::region).containsExactly("us-east-1", "us-east-1", "us-west-2", "us-west-2");

        Probe remote = p.read(at("orders-w1.x7bd2kq1.us-west-2.rds.amazonaws.com"), "orders-w1", true, ROWS, 1_000);
        assertThat(remote.role()).isEqualTo(Role.READER);
        assertThat(remote.reportedLagNanos()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(840));
        Probe unknownLag = p.read(at("orders-w2.x7bd2kq1.us-west-2.rds.amazonaws.com"), "orders-w2", true, ROWS, 1_000);
        assertThat(unknownLag.reportedLagNanos()).isEqualTo(-1); // NULL lag: too stale for any bound
        assertThat(p.configurationError()).isNull();
    }

    @Test
    void theClusterEndpointIsAWayInNeverATarget() {
        var p = provider(Map.of("us-east-1", EAST, "us-west-2", WEST), "us-east-1");
        Probe viaCluster = p.read(at("orders.cluster-c9akciq32.us-east-1.rds.amazonaws.com"), "orders-1", false, ROWS, 1_000);
        assertThat(viaCluster.role()).isEqualTo(Role.UNKNOWN);
        assertThat(viaCluster.discovered()).hasSize(4);
    }

    @Test
    void aRegionWithoutAPatternIsNotUsedAndAHomeOutsideTheDatabaseIsAConfigurationError() {
        var unmapped = provider(Map.of("us-east-1", EAST), "us-east-1");
        Probe w = unmapped.read(at("orders-1.c9akciq32.us-east-1.rds.amazonaws.com"), "orders-1", false, ROWS, 1_000);
        assertThat(w.discovered()).extracting(Endpoint::region).containsOnly("us-east-1"); // no guessed host names
        var p = provider(Map.of("us-east-1", EAST), "eu-west-1");
        assertThatThrownBy(() -> p.read(at("orders-1.c9akciq32.us-east-1.rds.amazonaws.com"), "orders-1", false, ROWS, 1_000))
                .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("haven.jdbc.local-region must be");
        assertThat(p.configurationError()).isEqualTo(
                "haven.jdbc.local-region must be a region of the Aurora Global Database [us-east-1, us-west-2]: was 'eu-west-1'");
        assertThat(provider(Map.of("us-east-1", EAST), "").configurationError()).isNull(); // nothing reported yet
    }

    @Test
    void malformedRowsAreSkipped() {
        assertThat(AuroraGlobalPostgresTopologyProvider.parse("a|w|-1|us-east-1,bad row,b|r|x|us-west-2,c|r|5|nowhere,"
                + "d;drop|r|1|us-east-1,e|r|7|eu-west-1")).extracting(AuroraGlobalPostgresTopologyProvider.Row::instanceId)
                .containsExactly("a", "e");
        assertThat(AuroraGlobalPostgresTopologyProvider.parse(null)).isEmpty();
    }

    @Test
    void patternsAreParsedAndTheHomeRegionsComesFromTheUrlWhenNotListed() {
        assertThat(AuroraGlobalPostgresTopologyProvider.patterns("us-west-2=" + WEST, EAST, "us-east-1"))
                .containsEntry("us-west-2", WEST).containsEntry("us-east-1", EAST);
        assertThat(AuroraGlobalPostgresTopologyProvider.patterns(" us-east-1 = ?.A.us-east-1.rds.amazonaws.com ", EAST, "us-east-1"))
                .containsEntry("us-east-1", "?.a.us-east-1.rds.amazonaws.com"); // the one given wins
        assertThatThrownBy(() -> AuroraGlobalPostgresTopologyProvider.patterns("us-west-2:" + WEST, null, ""))
                .hasMessage("haven.jdbc.aurora.global-instance-host-patterns must be <region>=<pattern>,... with a region "
                        + "like us-east-1 and a pattern with exactly one ? and no ':' or '/' ('us-west-2:?.x7bd2kq1.us-west-2.rds"
                        + ".amazonaws.com' is not): was 'us-west-2:?.x7bd2kq1.us-west-2.rds.amazonaws.com'");
        assertThatThrownBy(() -> AuroraGlobalPostgresTopologyProvider.patterns("us-west-2=" + WEST + ",us-west-2=" + WEST, null, ""))
                .hasMessageContaining("must name each region once ('us-west-2' twice)");
        assertThatThrownBy(() -> AuroraGlobalPostgresTopologyProvider.patterns("us-west-2=??.x", null, ""))
                .hasMessageContaining("exactly one ?");
    }

    @Test
    void theRegionOfAnRdsEndpoint() {
        assertThat(AuroraGlobalPostgresTopologyProvider.regionOf(List.of(at("db-1.internal"),
                at("orders.cluster-ro-x7bd2kq1.us-west-2.rds.amazonaws.com")))).isEqualTo("us-west-2");
        assertThat(AuroraGlobalPostgresTopologyProvider.regionOf(List.of(at("orders.cluster-abc.cn-north-1.rds.amazonaws.com.cn"))))
                .isEqualTo("cn-north-1");
        assertThat(AuroraGlobalPostgresTopologyProvider.regionOf(List.of(at("localhost")))).isEmpty();
    }
}
