package dev.haven.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.Consistency;
import dev.haven.event.HavenEvent;
import dev.haven.testkit.HavenPostgres;
import dev.haven.testkit.PgNode;
import dev.haven.testkit.PostgresCluster;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.postgresql.jdbc.PgResultSet;

/**
 * A connection lost while the application reads a cursor is classified like a failed statement: the application
 * gets Haven's exception and the monitor is woken by it, instead of the raw driver error and a wait for the next probe.
 */
@HavenPostgres(replicas = 1)
class CursorFailureIT {

    /** Long enough that only the passive signal of the failed read can explain a prompt EndpointDown. */
    private static final Duration PROBE_INTERVAL = Duration.ofSeconds(20);
    private static final int ROWS = 200_000;

    @Test
    void replicaKilledWhileACursorStreamsRollsBackTheTransactionAndWakesTheMonitor(PostgresCluster cluster) throws Exception {
        List<HavenEvent> events = ItSupport.events();
        PgNode replica = cluster.replicas().get(0);
        // A probe timeout that a cold start on 2 busy cores does not hit; if the first round misses the replica anyway,
        // the next normal round finds it, hence the wait of two intervals.
        try (HavenDataSource ds = ItSupport.builder(cluster, events).probeInterval(PROBE_INTERVAL)
                        .probeTimeout(Duration.ofSeconds(2)).build();
                Connection c = ds.getConnection()) {
            ItSupport.await("writer and replica in the topology", PROBE_INTERVAL.multipliedBy(2),
                    () -> ds.topology().writer().isPresent() && ds.topology().readers().size() == 1);
            c.setReadOnly(true);
            c.unwrap(HavenConnection.class).consistency(Consistency.EVENTUAL); // no lag sampling: probes every 20 s only
            c.setAutoCommit(false); // pgjdbc streams rows by the fetch size only inside a transaction
            int read = 0;
            SQLException failure = null;
            long failedAt = 0;
            int eventsBefore;
            try (PreparedStatement ps = c.prepareStatement("SELECT g, repeat('x', 100) FROM generate_series(1, " + ROWS + ") g")) {
                ps.setFetchSize(100);
                ResultSet rs = ps.executeQuery();
                assertThat(c.unwrap(HavenConnection.class).endpoint()).map(e -> e.port()).contains(replica.port());
                assertThat(rs.getStatement()).as("the result set's statement is Haven's").isSameAs(ps);
                assertThat(rs.unwrap(PgResultSet.class)).isInstanceOf(PgResultSet.class);
                DatabaseMetaData md = c.getMetaData();
                assertThat(md.getConnection()).isSameAs(c);
                try (ResultSet tables = md.getTables(null, null, "pg_class", null)) {
                    assertThat(tables.next()).isTrue();
                    assertThat(tables.getStatement()).as("metadata result set (JDBC: no statement)").isNull();
                }
                eventsBefore = events.size(); // not a start-up flap of a busy machine: this kill's
                try {
                    while (rs.next()) {
                        read++;
                        if (read == 1_000) {
                            cluster.kill(replica); // the rest of the cursor is still on the server
                        }
                    }
                } catch (SQLException e) {
                    failedAt = System.nanoTime();
                    failure = e;
                }
            }
            long rows = read;
            assertThat((Throwable) failure).as("reading the cursor after the replica died (%d rows read)", rows)
                    .isInstanceOf(HavenTransactionRolledBackException.class);
            assertThat(failure.getSQLState()).isEqualTo(HavenTransactionRolledBackException.SQL_STATE).isEqualTo("08006");
            assertThat(failure.getCause()).as("the driver's error").isInstanceOf(SQLException.class);
            assertThat(read).isBetween(1_000, ROWS - 1);

            ItSupport.await("EndpointDown for the killed replica", Duration.ofSeconds(10), () -> events.subList(eventsBefore,
                    events.size()).stream().anyMatch(e -> e instanceof HavenEvent.EndpointDown d && d.endpoint().port() == replica.port()));
            long signalledAfterMs = ItSupport.ms(System.nanoTime() - failedAt);
            System.out.printf("rows read=%d; %s (SQLState %s); EndpointDown within %d ms (probe interval %s)%n", rows,
                    failure.getClass().getSimpleName(), failure.getSQLState(), signalledAfterMs, PROBE_INTERVAL);
            assertThat(signalledAfterMs).as("ms from the failed read to EndpointDown (probe interval 20 s)").isLessThan(3_000);

            c.rollback(); // what the exception asks for; the connection is usable again, now on the writer
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM generate_series(1, 10)");
                    ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).isEqualTo(10);
            }
            c.commit();
        }
    }

    @Test
    void aMetadataReadWhoseReplicaDiedSurfacesAsUnavailableWithoutTheSocketError(PostgresCluster cluster) throws Exception {
        PgNode replica = cluster.replicas().get(0);
        try (HavenDataSource ds = ItSupport.builder(cluster, ItSupport.events()).probeInterval(PROBE_INTERVAL)
                        .probeTimeout(Duration.ofSeconds(2)).build();
                Connection c = ds.getConnection()) {
            ItSupport.await("writer and replica in the topology", PROBE_INTERVAL.multipliedBy(2),
                    () -> ds.topology().writer().isPresent() && ds.topology().readers().size() == 1);
            c.setReadOnly(true);
            c.unwrap(HavenConnection.class).consistency(Consistency.EVENTUAL);
            DatabaseMetaData md = c.getMetaData();
            try (ResultSet tables = md.getTables(null, null, "pg_class", null)) {
                assertThat(tables.next()).isTrue();
            }
            assertThat(c.unwrap(HavenConnection.class).endpoint()).map(e -> e.port()).contains(replica.port());
            cluster.kill(replica);
            SQLException failure = null;
            try (ResultSet rs = md.getColumns(null, null, "pg_class", null)) {
                rs.next();
            } catch (SQLException e) {
                failure = e;
            }
            System.out.printf("metadata read after the replica died: %s%n", failure);
            if (failure != null) {
                assertThat((Throwable) failure).isInstanceOf(HavenUnavailableException.class);
                assertThat(failure.getSQLState()).isEqualTo("08001");
                for (Throwable t = failure; t != null; t = t.getCause()) {
                    assertThat(t).as("cause chain").isNotInstanceOf(java.io.IOException.class);
                }
            }
            assertThat((Throwable) failure).as("the metadata read on the dead replica failed (it was bound there)").isNotNull();
        }
    }
}
