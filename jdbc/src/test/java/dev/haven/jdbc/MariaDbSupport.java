package dev.haven.jdbc;

import dev.haven.Consistency;
import dev.haven.event.HavenEvent;
import dev.haven.testkit.mariadb.MariaDbCluster;
import dev.haven.testkit.mariadb.MariaDbNode;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/** Set-up of the MySQL/MariaDB integration tests: a data source over the testkit's MariaDB cluster through one driver. */
final class MariaDbSupport {

    /** The two drivers: MariaDB Connector/J ({@code jdbc:mariadb:}) and MySQL Connector/J ({@code jdbc:mysql:}). */
    enum Driver {
        MARIADB_CONNECTOR_J("jdbc:mariadb"),
        MYSQL_CONNECTOR_J("jdbc:mysql");

        final String scheme;

        Driver(String scheme) {
            this.scheme = scheme;
        }

        /** Every node's proxied address, primary first, in this driver's scheme. */
        String url(MariaDbCluster cluster) {
            return scheme + "://" + cluster.nodes().stream().map(n -> n.host() + ":" + n.port()).collect(Collectors.joining(","))
                    + "/" + cluster.database();
        }
    }

    private MariaDbSupport() {
    }

    static HavenDataSource.Builder builder(MariaDbCluster cluster, Driver driver, List<HavenEvent> events,
            Consistency reads) {
        return HavenDataSource.builder()
                .url(driver.url(cluster))
                .username(cluster.user())
                .password(cluster.password())
                .clusterName("it-" + driver.name().toLowerCase(java.util.Locale.ROOT))
                .deadline(ItSupport.STATEMENT_DEADLINE)
                .writerWait(ItSupport.WRITER_WAIT)
                .defaultConsistency(reads)
                .poolProperty("connectionTimeout", "1000")
                .poolProperty("maximumPoolSize", "12")
                .listener(events::add);
    }

    /** Builds the data source and waits until it sees the writer and every replica of the cluster. */
    static HavenDataSource ready(HavenDataSource.Builder builder, MariaDbCluster cluster) throws InterruptedException {
        HavenDataSource ds = builder.build();
        try {
            ItSupport.await("writer and " + cluster.replicas().size() + " replicas in the topology", Duration.ofSeconds(10),
                    () -> ds.topology().writer().isPresent() && ds.topology().readers().size() == cluster.replicas().size());
        } catch (AssertionError | InterruptedException e) {
            ds.close();
            throw e;
        }
        return ds;
    }

    static long count(MariaDbNode node, String sql) throws SQLException {
        try (Connection c = node.connectAdmin(); ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
