package dev.haven.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.testkit.HavenPostgres;
import dev.haven.testkit.PostgresCluster;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** What a lost connection does to transactions, and how transaction(work) recovers. */
@HavenPostgres(replicas = 1, perClass = true)
class TransactionIT {

    private static void insert(Connection c, long id) throws java.sql.SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO tx_items(id) VALUES (?)")) {
            ps.setLong(1, id);
            ps.executeUpdate();
        }
    }

    private static long count(HavenDataSource ds, long id) throws Exception {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM tx_items WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static HavenDataSource dataSource(PostgresCluster cluster) throws Exception {
        HavenDataSource ds = ItSupport.ready(ItSupport.builder(cluster, ItSupport.events()), cluster);
        try (Connection c = ds.getConnection()) {
            c.createStatement().execute("CREATE TABLE IF NOT EXISTS tx_items (id bigint PRIMARY KEY)");
        }
        return ds;
    }

    @Test
    void transactionLostWithItsConnectionIsRunAgainExactlyOnce(PostgresCluster cluster) throws Exception {
        try (HavenDataSource ds = dataSource(cluster)) {
            AtomicInteger runs = new AtomicInteger();
            int result = ds.transaction(c -> {
                int run = runs.incrementAndGet();
                insert(c, 1001);
                if (run == 1) {
                    cluster.reset(cluster.primary()); // every proxied connection to the writer is cut
                }
                insert(c, 1002);
                return run;
            });
            assertThat(result).as("the run that committed").isEqualTo(2);
            assertThat(runs.get()).isEqualTo(2);
            assertThat(count(ds, 1001)).isEqualTo(1);
            assertThat(count(ds, 1002)).isEqualTo(1);
        }
    }

    /**
     * A serialization failure that never goes away: the work runs exactly {@code transaction.max-attempts} times, the
     * last failure reaches the caller, nothing is committed; with an empty retry budget it runs once.
     */
    @Test
    void transactionThatKeepsFailingRunsMaxAttemptsTimesAndRerunsTakeFromTheRetryBudget(PostgresCluster cluster)
            throws Exception {
        try (HavenDataSource ds = dataSource(cluster)) {
            assertThat(serializationFailures(ds, 1101)).as("runs with the default budget").isEqualTo(3);
        }
        try (HavenDataSource ds = ItSupport.ready(ItSupport.builder(cluster, ItSupport.events()).transactionMaxAttempts(5)
                .retryBaseBackoff(java.time.Duration.ofMillis(1)), cluster)) {
            assertThat(serializationFailures(ds, 1102)).as("runs with transaction.max-attempts=5").isEqualTo(5);
        }
        try (HavenDataSource ds = ItSupport.ready(ItSupport.builder(cluster, ItSupport.events()).transactionMaxAttempts(5)
                .retryBudget(0.0, 0), cluster)) {
            assertThat(serializationFailures(ds, 1103)).as("runs with an empty retry budget").isEqualTo(1);
        }
    }

    private static int serializationFailures(HavenDataSource ds, long id) throws Exception {
        AtomicInteger runs = new AtomicInteger();
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> ds.transaction(c -> {
            runs.incrementAndGet();
            insert(c, id);
            throw new java.sql.SQLException("could not serialize access", "40001");
        })).isInstanceOf(java.sql.SQLException.class).hasMessageContaining("could not serialize access");
        assertThat(count(ds, id)).as("rows committed by failed runs").isZero();
        assertThat(ItSupport.ms(System.nanoTime() - t0)).as("ms for all runs (backoff is at most 500 ms each)")
                .isLessThan(20_000);
        return runs.get();
    }

    @Test
    void plainTransactionReportsRollbackAndTheConnectionStaysUsableAfterRollback(PostgresCluster cluster) throws Exception {
        try (HavenDataSource ds = dataSource(cluster); Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            insert(c, 2001);
            cluster.reset(cluster.primary());
            assertThatThrownBy(() -> insert(c, 2002))
                    .isInstanceOf(HavenTransactionRolledBackException.class)
                    .hasMessageContaining("lost inside a transaction")
                    .satisfies(e -> assertThat(((java.sql.SQLException) e).getSQLState()).isEqualTo("08006"));
            // Until the application acknowledges with rollback(), the connection keeps saying so.
            assertThatThrownBy(() -> insert(c, 2003)).isInstanceOf(HavenTransactionRolledBackException.class);
            assertThatThrownBy(c::commit).isInstanceOf(HavenTransactionRolledBackException.class);
            c.rollback();
            insert(c, 2004);
            c.commit();
            assertThat(count(ds, 2001)).isZero();
            assertThat(count(ds, 2004)).isEqualTo(1);
        }
    }

    @Test
    void autocommitWriteCutMidFlightReportsUnknownOutcomeAndIsNotResent(PostgresCluster cluster) throws Exception {
        try (HavenDataSource ds = dataSource(cluster); Connection c = ds.getConnection()) {
            insert(c, 3001);
            cluster.latency(cluster.primary(), java.time.Duration.ofMillis(300));
            Thread cutter = new Thread(() -> {
                try {
                    Thread.sleep(100);
                    cluster.reset(cluster.primary());
                } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                }
            });
            cutter.start();
            try {
                assertThatThrownBy(() -> insert(c, 3002))
                        .isInstanceOf(HavenWriteOutcomeUnknownException.class)
                        .satisfies(e -> assertThat(((java.sql.SQLException) e).getSQLState()).isEqualTo("08007"));
            } finally {
                cutter.join();
                cluster.latency(cluster.primary(), java.time.Duration.ZERO);
            }
            // Not re-sent by Haven: at most one row, and the connection works again on the next statement.
            assertThat(count(ds, 3002)).isLessThanOrEqualTo(1);
            insert(c, 3003);
            assertThat(count(ds, 3003)).isEqualTo(1);
        }
    }
}
