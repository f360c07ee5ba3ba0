package dev.haven.testkit;

import static dev.haven.testkit.AuroraEmulationIT.row;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.jdbc.HostRole;
import software.amazon.jdbc.HostSpec;
import software.amazon.jdbc.PluginService;
import software.amazon.jdbc.dialect.MultiAzClusterPgDialect;
import software.amazon.jdbc.plugin.failover.FailoverSuccessSQLException;
import software.amazon.jdbc.wrapper.ConnectionWrapper;

/**
 * The AWS Advanced JDBC Wrapper 3.2.0, which knows real RDS Multi-AZ DB clusters, takes the emulation for one: it
 * detects the {@code rds-multi-az-pg-cluster} dialect by itself, reads the topology ({@code rds_tools.show_topology},
 * the writer from {@code multi_az_db_cluster_source_dbi_resource_id()}), and its failover plugin moves an open
 * connection to the new writer after {@link RdsMultiAzCluster#failover()}.
 */
class RdsMultiAzAwsWrapperIT {

    @AfterAll
    static void releaseWrapperThreads() {
        try {
            software.amazon.jdbc.Driver.releaseResources(); // stops its monitor threads first, then clears caches
        } catch (NoClassDefFoundError e) {
            // clearing the IAM/RDS plugins' caches needs the AWS SDK, an optional dependency of the wrapper not used here
        }
    }

    /** "failover" as the brief asks; "" = the wrapper's default plugins (initialConnection, auroraConnectionTracker, failover2, efm2). */
    @ParameterizedTest(name = "wrapperPlugins={0}")
    @ValueSource(strings = {"failover", ""})
    void theWrapperSeesTheTopologyAndItsFailoverPluginLandsWritesOnTheNewWriter(String plugins) throws Exception {
        // One cluster per run, and the wrapper's clusterId property set to it: the wrapper shares one topology cache
        // per clusterId in a JVM (see AuroraAwsWrapperIT).
        String clusterId = plugins.isEmpty() ? "maz-defaults" : "maz-failover";
        try (RdsMultiAzCluster rds = PostgresCluster.builder().replicas(2).rdsMultiAz(clusterId, "us-east-1").start()) {
            PostgresCluster pg = rds.postgres();
            PgNode oldWriter = rds.writer();
            String url = "jdbc:aws-wrapper:postgresql://" + rds.clusterEndpoint() + ":" + rds.port() + "/" + rds.database();

            // Without wrapperDialect the wrapper detects a Multi-AZ DB cluster by itself: from the cluster endpoint it
            // starts as aurora-pg and updates to the first candidate that says yes (global-aurora-pg and aurora-pg
            // say no: no aurora_stat_utils; rds-multi-az-pg-cluster: multi_az_db_cluster_source_dbi_resource_id()).
            try (Connection detected = DriverManager.getConnection(url, props(rds, plugins, false))) {
                assertThat(pluginService(detected).getDialect()).isInstanceOf(MultiAzClusterPgDialect.class);
            }

            try (Connection c = DriverManager.getConnection(url, props(rds, plugins, true)); Statement s = c.createStatement()) {
                PluginService service = pluginService(c);
                assertThat(service.getDialect()).isInstanceOf(MultiAzClusterPgDialect.class);
                assertThat(row(c, "SELECT rds_tools.dbi_resource_id()")).containsExactly(rds.instanceId(oldWriter));
                s.execute("CREATE TABLE orders (id int PRIMARY KEY, instance text)");
                s.executeUpdate("INSERT INTO orders VALUES (1, rds_tools.dbi_resource_id())");

                service.forceRefreshHostList();
                List<HostSpec> hosts = service.getAllHosts();
                Map<String, HostRole> topology = roles(hosts);
                System.out.printf("[RdsMultiAzAwsWrapperIT] plugins '%s': topology before: %s%n", plugins, topology);
                assertThat(topology).containsOnlyKeys(pg.nodes().stream().map(rds::instanceHost).toArray(String[]::new));
                assertThat(topology).containsEntry(rds.instanceHost(oldWriter), HostRole.WRITER);
                assertThat(topology.values().stream().filter(r -> r == HostRole.WRITER)).hasSize(1);
                assertThat(hosts).allMatch(h -> h.getPort() == rds.port());
                assertThat(hosts.stream().collect(Collectors.toMap(HostSpec::getHost, HostSpec::getHostId)))
                        .isEqualTo(pg.nodes().stream().collect(Collectors.toMap(rds::instanceHost, rds::instanceId)));

                long t0 = System.nanoTime();
                PgNode newWriter = rds.failover();
                long failoverMillis = (System.nanoTime() - t0) / 1_000_000;

                // The next statement fails over: the plugin reconnects to the new writer and says so with 08S02.
                long t1 = System.nanoTime();
                FailoverSuccessSQLException e = catchThrowableOfType(FailoverSuccessSQLException.class,
                        () -> s.executeUpdate("INSERT INTO orders VALUES (2, rds_tools.dbi_resource_id())"));
                long pluginMillis = (System.nanoTime() - t1) / 1_000_000;
                assertThat(e.getSQLState()).isEqualTo("08S02");
                System.out.printf("[RdsMultiAzAwsWrapperIT] plugins '%s': emulated failover %d ms; the wrapper's failover took %d ms (%s)%n",
                        plugins, failoverMillis, pluginMillis, e.getMessage());

                // Re-run on a new Statement (as the wrapper requires after failover): it lands on the new writer.
                try (Statement again = c.createStatement()) {
                    assertThat(again.executeUpdate("INSERT INTO orders VALUES (2, rds_tools.dbi_resource_id())")).isEqualTo(1);
                }
                assertThat(row(c, "SELECT instance FROM orders WHERE id = 2")).containsExactly(rds.instanceId(newWriter));
                assertThat(row(c, "SELECT instance FROM orders WHERE id = 1")).containsExactly(rds.instanceId(oldWriter));
                assertThat(service.getCurrentHostSpec().getHost()).isEqualTo(rds.instanceHost(newWriter));

                Map<String, HostRole> after = roles(service.getAllHosts());
                System.out.printf("[RdsMultiAzAwsWrapperIT] plugins '%s': topology after: %s%n", plugins, after);
                assertThat(after).containsEntry(rds.instanceHost(newWriter), HostRole.WRITER);
                assertThat(after.values().stream().filter(r -> r == HostRole.WRITER)).hasSize(1);
            }

            // A new connection through the cluster endpoint (moved at once) reaches the new writer too.
            try (Connection c = DriverManager.getConnection(url, props(rds, plugins, true))) {
                assertThat(row(c, "SELECT rds_tools.dbi_resource_id()")).containsExactly(rds.instanceId(rds.writer()));
                assertThat(row(c, "SELECT pg_is_in_recovery()::text")).containsExactly("false");
            }
        }
    }

    private static Properties props(RdsMultiAzCluster rds, String plugins, boolean explicitDialect) {
        Properties p = new Properties();
        p.setProperty("user", rds.user());
        p.setProperty("password", rds.password());
        if (!plugins.isEmpty()) {
            p.setProperty("wrapperPlugins", plugins);
        }
        if (explicitDialect) {
            p.setProperty("wrapperDialect", "rds-multi-az-pg-cluster");
        }
        p.setProperty("clusterInstanceHostPattern", rds.instanceHostPattern());
        p.setProperty("clusterId", rds.clusterId());
        p.setProperty("failoverTimeoutMs", "60000");
        p.setProperty("connectTimeout", "10");
        p.setProperty("socketTimeout", "30");
        return p;
    }

    private static PluginService pluginService(Connection c) throws SQLException {
        return ((ConnectionWrapper) c).getServicesContainer().getPluginService();
    }

    private static Map<String, HostRole> roles(List<HostSpec> hosts) {
        return hosts.stream().collect(Collectors.toMap(HostSpec::getHost, HostSpec::getRole));
    }
}
