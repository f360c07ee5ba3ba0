package dev.haven.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.haven.testkit.PgNode;
import dev.haven.testkit.PostgresCluster;
import dev.haven.testkit.TlsCertificates;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * TLS to every server: a cluster that refuses connections without TLS, and Haven with {@code sslmode=verify-full}
 * in {@code haven.jdbc.url}. The parameters must reach every per-server pool and the probe connections; a client
 * trusting another CA must fail fast, saying it is a certificate problem.
 */
class TlsIT {

    /** Generous on a busy 2-core machine; a verification failure needs one TLS handshake per server. */
    private static final Duration WRONG_CA_BOUND = Duration.ofSeconds(20);

    /**
     * TLS asked for ({@code sslmode=require}) against a server without it: the application's first statement fails
     * within the writer-wait with Haven's "unavailable", saying that the server does not support SSL; never a hang.
     */
    @Test
    void tlsAskedForAgainstAServerWithoutItFailsInBoundedTimeSayingSo() throws Exception {
        try (PostgresCluster cluster = PostgresCluster.builder().replicas(0).start();
             HavenDataSource ds = ItSupport.builder(cluster, ItSupport.events()).url(cluster.jdbcUrl() + "?sslmode=require")
                     .writerWait(Duration.ofSeconds(2)).build()) {
            long t0 = System.nanoTime();
            Throwable failed = org.assertj.core.api.Assertions.catchThrowable(() -> {
                try (Connection c = ds.getConnection()) {
                    c.createStatement().execute("SELECT 1");
                }
            });
            long millis = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf("TLS IT: sslmode=require against a server without TLS failed after %d ms: %s%n", millis, failed);
            assertThat(failed).as("what the application got").isInstanceOf(HavenUnavailableException.class)
                    .hasMessageContaining("does not support SSL");
            assertThat(millis).as("ms until it failed (writer-wait 2 s)").isLessThan(2_000 + 3_000);
        }
    }

    @Test
    void everyConnectionIsTlsVerifiedAndAnotherCaIsRefusedFast() throws Exception {
        try (PostgresCluster cluster = PostgresCluster.builder().replicas(2).tlsOnly().start()) {
            assertThat(cluster.tlsRequired()).isTrue();
            assertPlainConnectionRefused(cluster);

            String url = cluster.jdbcUrl() + "?" + cluster.tlsUrlParameters();
            try (HavenDataSource ds = ItSupport.ready(ItSupport.builder(cluster, ItSupport.events()).url(url), cluster)) {
                Workload.createSchema(ds);
                int writes = 0;
                for (int i = 0; i < 20; i++) {
                    try (Connection c = ds.getConnection();
                         PreparedStatement ps = c.prepareStatement("INSERT INTO items(id, payload) VALUES (?, 'tls')")) {
                        ps.setLong(1, 9_000_000L + i);
                        writes += ps.executeUpdate();
                    }
                }
                assertThat(writes).as("TLS writes acknowledged, of 20").isEqualTo(20);
                try (Connection c = ds.getConnection()) {
                    assertThat(sslAndRecovery(c)).as("writer connection: [ssl, in recovery]").containsExactly(true, false);
                }
                cluster.awaitReplicated(Duration.ofSeconds(20));
                int tlsReads = 0;
                int replicaTlsReads = 0;
                for (int i = 0; i < 10; i++) {
                    try (Connection c = ds.getConnection()) {
                        c.setReadOnly(true);
                        List<Boolean> r = sslAndRecovery(c);
                        tlsReads += r.get(0) ? 1 : 0;
                        replicaTlsReads += r.get(0) && r.get(1) ? 1 : 0;
                        try (ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM items WHERE payload = 'tls'")) {
                            rs.next();
                            assertThat(rs.getLong(1)).as("rows read back").isEqualTo(20);
                        }
                    }
                }
                System.err.printf("TlsIT: read-only connections: %d of 10 over TLS, %d of them on the replica%n", tlsReads,
                        replicaTlsReads);
                assertThat(tlsReads).as("read-only connections over TLS, of 10").isEqualTo(10);
                // the default consistency may send a read to the writer while the replica's lag is not yet measured
                assertThat(replicaTlsReads).as("read-only connections on a replica over TLS, of 10").isGreaterThanOrEqualTo(5);

                for (PgNode node : cluster.nodes()) {
                    long[] probes = probeConnections(cluster, node);
                    System.err.printf("TlsIT: %s: %d haven-probe connection(s), %d over TLS%n", node.name(), probes[0],
                            probes[1]);
                    assertThat(probes[0]).as(node.name() + ": haven-probe connections").isGreaterThanOrEqualTo(1);
                    assertThat(probes[1]).as(node.name() + ": haven-probe connections over TLS").isEqualTo(probes[0]);
                }

                // a failover: promote() returns once the other replica streams from the new primary, over TLS only
                cluster.killWriter();
                long t0 = System.nanoTime();
                PgNode promoted = cluster.promote(cluster.mostAdvancedReplica());
                long promotedMs = ItSupport.ms(System.nanoTime() - t0);
                List<Boolean> afterFailover = null;
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (afterFailover == null) {
                    try (Connection c = ds.getConnection();
                         PreparedStatement ps = c.prepareStatement("INSERT INTO items(id, payload) VALUES (?, 'after')")) {
                        ps.setLong(1, 9_100_000L);
                        ps.executeUpdate();
                        afterFailover = sslAndRecovery(c);
                    } catch (SQLException e) {
                        if (System.nanoTime() > deadline) {
                            throw e;
                        }
                        ItSupport.sleep(Duration.ofMillis(100));
                    }
                }
                long writeBackMs = ItSupport.ms(System.nanoTime() - t0);
                System.err.printf("TlsIT: %s promoted in %d ms (other replica following over TLS), first TLS write %d ms"
                        + " after the kill%n", promoted.name(), promotedMs, writeBackMs);
                assertThat(afterFailover).as("new writer connection: [ssl, in recovery]").containsExactly(true, false);
            }

            { // a root certificate file that cannot be read: a clear error, in bounded time
                String missing = cluster.jdbcUrl() + "?sslmode=verify-full&sslrootcert="
                        + cluster.workDir().resolve("no-such-ca.pem");
                long t0 = System.nanoTime();
                Throwable failure = org.assertj.core.api.Assertions.catchThrowable(() -> {
                    try (HavenDataSource ds = ItSupport.builder(cluster, ItSupport.events()).url(missing).build();
                         Connection c = ds.getConnection()) {
                        c.createStatement().execute("SELECT 1");
                    }
                });
                long took = ItSupport.ms(System.nanoTime() - t0);
                List<String> chain = messages(failure);
                System.err.printf("TlsIT: unreadable sslrootcert refused after %d ms: %s%n", took, chain);
                assertThat(failure).as("what the application got").isInstanceOf(HavenUnavailableException.class);
                assertThat(String.join(" | ", chain)).as("the error names the file").contains("no-such-ca.pem");
                assertThat(took).as("ms until it failed").isLessThan(WRONG_CA_BOUND.toMillis());
            }

            { // another CA, in the cluster's work directory (deleted with it)
                TlsCertificates other = TlsCertificates.create(cluster.workDir().resolve("other-ca"),
                        List.of("127.0.0.1", "localhost"));
                String wrongCa = cluster.jdbcUrl() + "?sslmode=verify-full&sslrootcert=" + other.caCertificate();
                long t0 = System.nanoTime();
                Throwable failure = null;
                try (HavenDataSource ds = ItSupport.builder(cluster, ItSupport.events()).url(wrongCa).build();
                     Connection c = ds.getConnection()) {
                    c.createStatement().execute("SELECT 1");
                } catch (SQLException | RuntimeException e) {
                    failure = e;
                }
                long took = ItSupport.ms(System.nanoTime() - t0);
                if (failure == null) {
                    fail("a client trusting another CA connected over verify-full");
                }
                List<String> chain = messages(failure);
                System.err.printf("TlsIT: wrong CA refused after %d ms: %s%n", took, chain);
                assertThat(took).as("ms until the wrong CA was refused").isLessThan(WRONG_CA_BOUND.toMillis());
                assertThat(String.join(" | ", chain).toLowerCase(Locale.ROOT)).as("the error names a certificate problem")
                        .containsAnyOf("certificat", "pkix");
            }
        }
    }

    private static void assertPlainConnectionRefused(PostgresCluster cluster) {
        Properties p = new Properties();
        p.setProperty("user", cluster.user());
        p.setProperty("password", cluster.password());
        p.setProperty("sslmode", "disable");
        p.setProperty("connectTimeout", "10");
        try (Connection c = DriverManager.getConnection(cluster.primary().jdbcUrl(), p)) {
            fail("a connection without TLS was accepted");
        } catch (SQLException e) {
            assertThat(e.getMessage()).as("refusal of a connection without TLS").contains("no encryption");
        }
    }

    private static List<Boolean> sslAndRecovery(Connection c) throws SQLException {
        try (ResultSet rs = c.createStatement().executeQuery(
                "SELECT ssl, pg_is_in_recovery() FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
            assertThat(rs.next()).as("pg_stat_ssl row of this backend").isTrue();
            return List.of(rs.getBoolean(1), rs.getBoolean(2));
        }
    }

    /** {all haven-probe backends, those over TLS} on {@code node}. */
    private static long[] probeConnections(PostgresCluster cluster, PgNode node) throws SQLException {
        try (Connection c = cluster.connect(node);
             ResultSet rs = c.createStatement().executeQuery("SELECT count(*), count(*) FILTER (WHERE s.ssl)"
                     + " FROM pg_stat_activity a JOIN pg_stat_ssl s ON s.pid = a.pid WHERE a.application_name = 'haven-probe'")) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2)};
        }
    }

    static List<String> messages(Throwable t) {
        List<String> out = new ArrayList<>();
        java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        java.util.ArrayDeque<Throwable> todo = new java.util.ArrayDeque<>(List.of(t));
        while (!todo.isEmpty()) {
            Throwable x = todo.poll();
            if (x == null || !seen.add(x)) {
                continue;
            }
            out.add(x.getClass().getSimpleName() + ": " + x.getMessage());
            List<Throwable> next = new ArrayList<>(List.of(x.getSuppressed()));
            next.add(x.getCause());
            if (x instanceof SQLException s) {
                next.add(s.getNextException());
            }
            next.stream().filter(java.util.Objects::nonNull).forEach(todo::add);
        }
        return out;
    }
}
