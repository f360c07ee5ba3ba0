package dev.haven.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.Endpoint;
import dev.haven.testkit.HavenPostgres;
import dev.haven.testkit.PgNode;
import dev.haven.testkit.PostgresCluster;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Replicas join and leave the topology while the application runs, from one seed. */
@HavenPostgres(replicas = 1)
class DiscoveryIT {

    @Test
    void replicasAreDiscoveredFromTheWriterAndForgottenWhenGone(PostgresCluster cluster) throws Exception {
        try (HavenDataSource ds = ItSupport.builder(cluster, ItSupport.events())
                .url(cluster.primary().jdbcUrl()) // the writer is the only seed
                .build()) {
            ItSupport.await("the seed's replica discovered", Duration.ofSeconds(5), () -> ds.topology().readers().size() == 1);

            long t0 = System.nanoTime();
            PgNode added = cluster.addReplica();
            long tAdded = System.nanoTime();
            String addedId = added.host() + ":" + added.port();
            ItSupport.await("the added replica in the topology", Duration.ofSeconds(5), () ->
                    ds.topology().readers().stream().map(Endpoint::id).anyMatch(addedId::equals));
            System.out.printf("replica added in %d ms, in Haven's topology %d ms later%n",
                    ItSupport.ms(tAdded - t0), ItSupport.ms(System.nanoTime() - tAdded));

            // Reads from 4 threads, as an application sends them: one thread reading in a loop always gets the replica
            // with the better latency score, and a replica that has just started on a loaded machine can score worse
            // than the other for seconds (routing by latency, not round robin: see Router).
            java.util.concurrent.atomic.AtomicBoolean servedByAdded = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.List<Thread> readers = new java.util.ArrayList<>();
            long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            for (int i = 0; i < 4; i++) {
                readers.add(new Thread(() -> {
                    while (!servedByAdded.get() && System.nanoTime() < until) {
                        try (Connection c = ds.getConnection()) {
                            c.setReadOnly(true);
                            try (ResultSet rs = c.createStatement().executeQuery("SELECT inet_server_port(), pg_sleep(0.005)")) {
                                rs.next();
                                if (rs.getInt(1) == added.directPort()) {
                                    servedByAdded.set(true);
                                }
                            }
                        } catch (java.sql.SQLException e) {
                            throw new AssertionError(e);
                        }
                    }
                }, "discovery-reader-" + i));
            }
            readers.forEach(Thread::start);
            for (Thread t : readers) {
                t.join(15_000);
            }
            assertThat(servedByAdded.get()).as("a read served by the added replica within 10 s").isTrue();

            cluster.stop(added);
            long tStopped = System.nanoTime();
            ItSupport.await("the stopped replica forgotten", Duration.ofSeconds(10), () ->
                    ds.topology().endpoints().stream().map(Endpoint::id).noneMatch(addedId::equals));
            long forgotten = ItSupport.ms(System.nanoTime() - tStopped);
            System.out.printf("stopped replica left the topology after %d ms%n", forgotten);
            assertThat(ds.topology().readers()).hasSize(1);
            assertThat(forgotten).isLessThan(10_000);
        }
    }
}
