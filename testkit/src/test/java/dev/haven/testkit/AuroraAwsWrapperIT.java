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
import software.amazon.jdbc.dialect.AuroraPgDialect;
import software.amazon.jdbc.plugin.failover.FailoverSuccessSQLException;
import software.amazon.jdbc.wrapper.ConnectionWrapper;

/**
 * The AWS Advanced JDBC Wrapper 3.2.0, which knows real Aurora, takes the emulation for Aurora PostgreSQL: it
 * detects the dialect, reads the topology (instance hosts from the pattern, the writer from MASTER_SESSION_ID), and
 * its failover plugin moves an open connection to the new writer after {@link AuroraPostgresCluster#failover()}.
 */
class AuroraAwsWrapperIT {

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
        // per clusterId in a JVM (default "1"), and would send the second run to the first run's writer on the first
        // run's closed port (its initialConnection plugin then retries for 30 s and gives up).
        String clusterId = plugins.isEmpty() ? "cluster-defaults" : "cluster-xyz";
        try (AuroraPostgresCluster aurora = PostgresCluster.builder().replicas(2).aurora(clusterId, "us-east-1").start()) {
            PostgresCluster pg = aurora.postgres();
            PgNode oldWriter = aurora.writer();
            String url = "jdbc:aws-wrapper:postgresql://" + aurora.clusterEndpoint() + ":" + aurora.port() + "/" + aurora.database();

            // Without wrapperDialect the wrapper detects Aurora PostgreSQL by itself (rds.extensions, aurora_replica_status()).
            try (Connection detected = DriverManager.getConnection(url, props(aurora, plugins, false))) {
                assertThat(pluginService(detected).getDialect()).isInstanceOf(AuroraPgDialect.class);
            }

            try (Connection c = DriverManager.getConnection(url, props(aurora, plugins, true)); Statement s = c.createStatement()) {
                PluginService service = pluginService(c);
                assertThat(service.getDialect()).isInstanceOf(AuroraPgDialect.class);
                assertThat(row(c, "SELECT aurora_db_instance_identifier()")).containsExactly("instance-1");
                s.execute("CREATE TABLE orders (id int PRIMARY KEY, instance text)");
                s.executeUpdate("INSERT INTO orders VALUES (1, aurora_db_instance_identifier())");

                service.forceRefreshHostList();
                Map<String, HostRole> topology = roles(service.getAllHosts());
                System.out.printf("[AuroraAwsWrapperIT] plugins '%s': topology before: %s%n", plugins, topology);
                assertThat(topology).containsOnlyKeys(pg.nodes().stream().map(aurora::instanceHost).toArray(String[]::new));
                assertThat(topology).containsEntry(aurora.instanceHost(oldWriter), HostRole.WRITER);
                assertThat(topology.values().stream().filter(r -> r == HostRole.WRITER)).hasSize(1);
                assertThat(service.getAllHosts()).allMatch(h -> h.getPort() == aurora.port());

                long t0 = System.nanoTime();
                PgNode newWriter = aurora.failover();
                long failoverMillis = (System.nanoTime() - t0) / 1_000_000;

                // The next statement fails over: the plugin reconnects to the new writer and says so with 08S02.
                long t1 = System.nanoTime();
                FailoverSuccessSQLException e = catchThrowableOfType(FailoverSuccessSQLException.class,
                        () -> s.executeUpdate("INSERT INTO orders VALUES (2, aurora_db_instance_identifier())"));
                long pluginMillis = (System.nanoTime() - t1) / 1_000_000;
                assertThat(e.getSQLState()).isEqualTo("08S02");
                System.out.printf("[AuroraAwsWrapperIT] plugins '%s': emulated failover %d ms; the wrapper's failover took %d ms (%s)%n",
                        plugins, failoverMillis, pluginMillis, e.getMessage());

                // Re-run on the same connection (a new Statement, as the wrapper requires after failover): it lands on
                // the new writer.
                try (Statement again = c.createStatement()) {
                    assertThat(again.executeUpdate("INSERT INTO orders VALUES (2, aurora_db_instance_identifier())")).isEqualTo(1);
                }
                assertThat(row(c, "SELECT instance FROM orders WHERE id = 2")).containsExactly(aurora.instanceId(newWriter));
                assertThat(row(c, "SELECT instance FROM orders WHERE id = 1")).containsExactly("instance-1");
                assertThat(service.getCurrentHostSpec().getHost()).isEqualTo(aurora.instanceHost(newWriter));

                Map<String, HostRole> after = roles(service.getAllHosts());
                System.out.printf("[AuroraAwsWrapperIT] plugins '%s': topology after: %s%n", plugins, after);
                assertThat(after).containsEntry(aurora.instanceHost(newWriter), HostRole.WRITER);
                assertThat(after.values().stream().filter(r -> r == HostRole.WRITER)).hasSize(1);
            }

            // A new connection through the cluster endpoint (moved at once) reaches the new writer too.
            try (Connection c = DriverManager.getConnection(url, props(aurora, plugins, true))) {
                assertThat(row(c, "SELECT aurora_db_instance_identifier()")).containsExactly(aurora.instanceId(aurora.writer()));
                assertThat(row(c, "SELECT pg_is_in_recovery()::text")).containsExactly("false");
            }
        }
    }

    private static Properties props(AuroraPostgresCluster aurora, String plugins, boolean explicitDialect) {
        Properties p = new Properties();
        p.setProperty("user", aurora.user());
        p.setProperty("password", aurora.password());
        if (!plugins.isEmpty()) {
            p.setProperty("wrapperPlugins", plugins);
        }
        if (explicitDialect) {
            p.setProperty("wrapperDialect", "aurora-pg");
        }
        p.setProperty("clusterInstanceHostPattern", aurora.instanceHostPattern());
        p.setProperty("clusterId", aurora.clusterId());
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
