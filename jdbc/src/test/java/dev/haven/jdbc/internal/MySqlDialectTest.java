package dev.haven.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.Endpoint;
import dev.haven.Role;
import dev.haven.jdbc.JdbcProvider;
import dev.haven.spi.Probe;
import java.net.ServerSocket;
import java.sql.SQLException;
import java.sql.SQLTransactionRollbackException;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/** The MySQL/MariaDB side of the dialect layer: URLs, driver units, detection, error classes, Aurora MySQL's rows. */
class MySqlDialectTest {

    @Test
    void urlsOfBothDriversDropTheDriversOwnMultiHostModes() {
        JdbcUrl m = JdbcUrl.parse("p", "jdbc:mariadb:sequential://h1,h2:3307/app?useSsl=true");
        assertThat(m.scheme()).isEqualTo("jdbc:mariadb");
        assertThat(m.dialect()).isEqualTo(SqlDialect.MARIADB);
        assertThat(m.hosts()).extracting(Endpoint::id).containsExactly("h1:3306", "h2:3307");
        assertThat(m.forEndpoint(m.hosts().get(1))).isEqualTo("jdbc:mariadb://h2:3307/app?useSsl=true");
        JdbcUrl y = JdbcUrl.parse("p", "jdbc:mysql:replication://a:3306,b:3306/app");
        assertThat(y.dialect()).isEqualTo(SqlDialect.MYSQL);
        assertThat(y.forEndpoint(y.hosts().get(0))).isEqualTo("jdbc:mysql://a:3306/app");
        assertThat(JdbcUrl.parse("p", "jdbc:postgresql://a/app").dialect()).isEqualTo(SqlDialect.POSTGRESQL);
        assertThatThrownBy(() -> JdbcUrl.parse("haven.jdbc.url", "jdbc:oracle://a:1521/x"))
                .hasMessageContaining("haven.jdbc.url must start with jdbc:postgresql://, jdbc:mariadb:// or jdbc:mysql://");
    }

    @Test
    void timeoutsAreInEachDriversUnit() {
        Duration d = Duration.ofMillis(1250);
        assertThat(SqlDialect.POSTGRESQL.timeoutValue(d)).isEqualTo("2"); // pgjdbc: seconds, rounded up
        assertThat(SqlDialect.MARIADB.timeoutValue(d)).isEqualTo("1250"); // MariaDB Connector/J: ms
        assertThat(SqlDialect.MYSQL.timeoutValue(d)).isEqualTo("1250"); // MySQL Connector/J: ms
        Properties p = SqlDialect.MYSQL.probeProperties(Duration.ofMillis(300));
        assertThat(p).containsEntry("connectTimeout", "300").containsEntry("socketTimeout", "300")
                .doesNotContainKey("ApplicationName");
        assertThat(SqlDialect.POSTGRESQL.probeProperties(Duration.ofMillis(300))).containsEntry("connectTimeout", "1")
                .containsEntry("loginTimeout", "1");
        assertThat(SqlDialect.MARIADB.enforceReadOnlySql()).isEqualTo("SET SESSION TRANSACTION READ ONLY");
        assertThat(SqlDialect.MARIADB.resetReadOnlySql()).isEqualTo("SET SESSION TRANSACTION READ WRITE");
    }

    @Test
    void eachSchemeFindsItsDriver() throws SQLException {
        assertThat(SqlDialect.MARIADB.driver("jdbc:mariadb://h:3306/x").getClass().getName()).isEqualTo("org.mariadb.jdbc.Driver");
        assertThat(SqlDialect.MYSQL.driver("jdbc:mysql://h:3306/x").getClass().getName()).isEqualTo("com.mysql.cj.jdbc.Driver");
    }

    @Test
    void detectionReadsWhatTheServerAnswers() {
        assertThat(ProviderSelection.mysqlKind("10.11.5-MariaDB-log", "MariaDB Server", false)).isEqualTo(JdbcProvider.MARIADB);
        assertThat(ProviderSelection.mysqlKind("8.0.39", "MySQL Community Server - GPL", false)).isEqualTo(JdbcProvider.MYSQL);
        assertThat(ProviderSelection.mysqlKind("8.0.32", "Source distribution", false)).isEqualTo(JdbcProvider.MYSQL); // RDS MySQL
        assertThat(ProviderSelection.mysqlKind("8.0.28", "Source distribution", true)).isEqualTo(JdbcProvider.AURORA_MYSQL);
    }

    /** Real exceptions of both drivers for a server that is not there: a connection loss to each. */
    @Test
    void bothDriversRefusedConnectionsAreConnectionFailures() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        for (SqlDialect d : List.of(SqlDialect.MARIADB, SqlDialect.MYSQL)) {
            String url = d.scheme() + "://127.0.0.1:" + port + "/x";
            Properties p = d.probeProperties(Duration.ofMillis(500));
            p.setProperty("user", "u");
            SQLException e = null;
            try {
                d.driver(url).connect(url, p).close();
            } catch (SQLException ex) {
                e = ex;
            }
            assertThat((Throwable) e).as(d.name()).isNotNull();
            assertThat(SqlErrors.classify(e)).as(d + ": " + e.getClass().getName() + " " + e.getSQLState())
                    .isEqualTo(SqlErrors.Kind.CONNECTION);
        }
    }

    @Test
    void mysqlErrorsAsTheDriversRaiseThem() throws Exception {
        // MySQL Connector/J's own classes
        SQLException commLink = (SQLException) Class.forName("com.mysql.cj.jdbc.exceptions.CommunicationsException")
                .getConstructor(String.class, Throwable.class).newInstance("Communications link failure", null);
        assertThat(SqlErrors.classify(commLink)).isEqualTo(SqlErrors.Kind.CONNECTION);
        SQLException deadlockCj = (SQLException) Class.forName("com.mysql.cj.jdbc.exceptions.MySQLTransactionRollbackException")
                .getConstructor(String.class, String.class, int.class)
                .newInstance("Deadlock found when trying to get lock; try restarting transaction", "40001", 1213);
        assertThat(SqlErrors.classify(deadlockCj)).isEqualTo(SqlErrors.Kind.SERIALIZATION); // re-run by transaction(), no failover
        // MariaDB Connector/J raises java.sql classes by SQLState
        assertThat(SqlErrors.classify(new SQLTransactionRollbackException("Deadlock found", "40001", 1213)))
                .isEqualTo(SqlErrors.Kind.SERIALIZATION);
        assertThat(SqlErrors.classify(new java.sql.SQLNonTransientConnectionException("Socket error", "08000")))
                .isEqualTo(SqlErrors.Kind.CONNECTION);
        assertThat(SqlErrors.classify(new SQLException("Lock wait timeout exceeded; try restarting transaction", "HY000", 1205)))
                .isEqualTo(SqlErrors.Kind.APPLICATION);
        assertThat(SqlErrors.classify(new SQLException(
                "The MariaDB server is running with the --read-only option so it cannot execute this statement", "HY000", 1290)))
                .isEqualTo(SqlErrors.Kind.READ_ONLY);
        assertThat(SqlErrors.classify(new SQLException(
                "The MySQL server is running with the --super-read-only option so it cannot execute this statement", "HY000", 1290)))
                .isEqualTo(SqlErrors.Kind.READ_ONLY);
        assertThat(SqlErrors.classify(new SQLException("Running in read-only mode", "HY000", 1836)))
                .isEqualTo(SqlErrors.Kind.READ_ONLY);
        // 1290 also reports --secure-file-priv: the application's error, not a demoted writer
        assertThat(SqlErrors.classify(new SQLException(
                "The MySQL server is running with the --secure-file-priv option so it cannot execute this statement", "HY000",
                1290))).isEqualTo(SqlErrors.Kind.APPLICATION);
        assertThat(SqlErrors.classify(new SQLException("Connection was killed", "70100", 1927)))
                .isEqualTo(SqlErrors.Kind.CONNECTION);
        assertThat(SqlErrors.classify(new SQLException("Duplicate entry '1' for key 'PRIMARY'", "23000", 1062)))
                .isEqualTo(SqlErrors.Kind.APPLICATION);
    }

    // ------------------------------------------------------------------ Aurora MySQL, on rows as Aurora returns them

    private static final BiFunction<String, Integer, Endpoint> PATTERN =
            AuroraMySqlTopologyProvider.pattern("?.c9akciq32.us-east-1.rds.amazonaws.com");

    /**
     * Rows as {@code information_schema.replica_host_status} returns them on a 3-instance Aurora MySQL 3 cluster (the
     * writer's SESSION_ID is MASTER_SESSION_ID, its lag 0; a replica's SESSION_ID is a UUID), plus a row of an
     * instance deleted 6 minutes earlier, which the query's WHERE already drops, and a row whose id cannot be a host.
     */
    private static final List<AuroraMySqlTopologyProvider.Row> RECORDED = List.of(
            new AuroraMySqlTopologyProvider.Row("orders-1", "MASTER_SESSION_ID", 0.0, 12_000L),
            new AuroraMySqlTopologyProvider.Row("orders-2", "8c2e3b8e-2b4e-4b1f-9d8d-0b6f0f0a7c11", 17.32, 250_000L),
            new AuroraMySqlTopologyProvider.Row("orders-3", "1f0e6f1c-55a4-4d0e-8f21-6ad3b1f1d9a2", 9.5, 40_000L),
            new AuroraMySqlTopologyProvider.Row("bad id!", "x", 1.0, 0L));

    private static final Endpoint CLUSTER = Endpoint.of("orders.cluster-c9akciq32.us-east-1.rds.amazonaws.com", 3306);

    @Test
    void auroraMySqlWriterListsEveryInstance() {
        Endpoint writer = PATTERN.apply("orders-1", 3306);
        Probe p = AuroraMySqlTopologyProvider.probe(writer, "orders-1", false, RECORDED, 1000, PATTERN);
        assertThat(p.role()).isEqualTo(Role.WRITER);
        assertThat(p.discovered()).extracting(Endpoint::id).containsExactly(
                "orders-1.c9akciq32.us-east-1.rds.amazonaws.com:3306", "orders-2.c9akciq32.us-east-1.rds.amazonaws.com:3306",
                "orders-3.c9akciq32.us-east-1.rds.amazonaws.com:3306");
        assertThat(p.reportedLagNanos()).isEqualTo(-1);
    }

    @Test
    void auroraMySqlReaderReportsItsLagPlusTheAgeOfItsRow() {
        Endpoint r = PATTERN.apply("orders-2", 3306);
        Probe p = AuroraMySqlTopologyProvider.probe(r, "orders-2", true, RECORDED, 1000, PATTERN);
        assertThat(p.role()).isEqualTo(Role.READER);
        assertThat(p.position()).isNull(); // Aurora replicas share storage: no position, Aurora's lag
        assertThat(p.reportedLagNanos()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(18 + 250)); // ceil(17.32) + 250 ms old
    }

    @Test
    void auroraMySqlClusterEndpointIsOnlyAWayIn() {
        Probe p = AuroraMySqlTopologyProvider.probe(CLUSTER, "orders-1", false, RECORDED, 1000, PATTERN);
        assertThat(p.role()).isEqualTo(Role.UNKNOWN);
        assertThat(p.discovered()).hasSize(3);
        Probe noId = AuroraMySqlTopologyProvider.probe(PATTERN.apply("orders-1", 3306), null, false, RECORDED, 1000, PATTERN);
        assertThat(noId.role()).isEqualTo(Role.UNKNOWN);
    }

    @Test
    void auroraMySqlNeedsAnInstancePatternOrAnRdsEndpoint() {
        assertThat(AuroraPostgresTopologyProvider.hostPattern(null, List.of(CLUSTER), "aurora-mysql"))
                .isEqualTo("?.c9akciq32.us-east-1.rds.amazonaws.com");
        assertThatThrownBy(() -> AuroraPostgresTopologyProvider.hostPattern(null, List.of(Endpoint.of("db", 3306)), "aurora-mysql"))
                .hasMessageContaining("haven.jdbc.aurora.instance-host-pattern is required with haven.jdbc.provider=aurora-mysql");
    }
}
