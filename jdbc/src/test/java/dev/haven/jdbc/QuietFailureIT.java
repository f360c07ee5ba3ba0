package dev.haven.jdbc;

import static dev.haven.jdbc.ItSupport.ms;
import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.haven.event.HavenEvent;
import dev.haven.jdbc.internal.RoutingDataSource;
import dev.haven.testkit.HavenPostgres;
import dev.haven.testkit.PgNode;
import dev.haven.testkit.PostgresCluster;
import dev.haven.testkit.StderrCapture;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A server dies under load: Haven handles the failure, so HikariCP must not log it as a problem ("marked as broken",
 * with stack traces), the broken connections must still leave their pool, and closing the data source afterwards must
 * neither wait for the dead server's pool nor warn about it. Logs are counted from slf4j-simple's output (System.err).
 */
@HavenPostgres(replicas = 2)
class QuietFailureIT {

    @SuppressWarnings("unchecked")
    private static HikariDataSource pool(HavenDataSource ds, PgNode node) throws ReflectiveOperationException {
        var routing = HavenDataSource.class.getDeclaredField("routing");
        routing.setAccessible(true);
        var pools = RoutingDataSource.class.getDeclaredField("pools");
        pools.setAccessible(true);
        Map<String, HikariDataSource> m = (Map<String, HikariDataSource>) pools.get(routing.get(ds));
        return m.entrySet().stream().filter(e -> e.getKey().endsWith(":" + node.port())).map(Map.Entry::getValue)
                .findFirst().orElseThrow();
    }

    private static int serverPort(Connection c) throws SQLException {
        try (ResultSet rs = c.createStatement().executeQuery("SELECT inet_server_port()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** Readers on replicas, autocommit, until stopped: counts reads and errors. */
    private static final class Readers implements AutoCloseable {
        final AtomicLong reads = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        final AtomicLong readsOnDead = new AtomicLong();
        final List<Throwable> samples = new java.util.concurrent.CopyOnWriteArrayList<>();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final List<Thread> threads = new ArrayList<>();
        volatile int deadPort = -1;
        volatile boolean countOnDead;

        Readers(HavenDataSource ds, int n) {
            for (int i = 0; i < n; i++) {
                Thread t = new Thread(() -> {
                    while (!stop.get()) {
                        try (Connection c = ds.getConnection()) {
                            c.setReadOnly(true);
                            int port = serverPort(c);
                            reads.incrementAndGet();
                            if (countOnDead && port == deadPort) {
                                readsOnDead.incrementAndGet();
                            }
                        } catch (SQLException | RuntimeException e) {
                            errors.incrementAndGet();
                            if (samples.size() < 5) {
                                samples.add(e);
                            }
                        }
                    }
                }, "reader-" + i);
                t.start();
                threads.add(t);
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            for (Thread t : threads) {
                t.join(10_000);
            }
        }
    }

    @Test
    void aReplicaKilledUnderReadsIsEvictedByHavenAndHikariCpStaysQuiet(PostgresCluster cluster) throws Exception {
        List<HavenEvent> events = ItSupport.events();
        try (StderrCapture err = new StderrCapture();
                HavenDataSource ds = ItSupport.ready(ItSupport.builder(cluster, events), cluster)) {
            PgNode victim = cluster.replicas().get(0);
            Readers readers = new Readers(ds, 4);
            ItSupport.sleep(Duration.ofSeconds(2));
            HikariDataSource victimPool = pool(ds, victim);
            int before = victimPool.getHikariPoolMXBean().getTotalConnections();
            int errLinesBefore = err.lines().size();

            cluster.kill(victim);
            long tKill = System.nanoTime();
            ItSupport.await("replica declared down", Duration.ofSeconds(5), () -> events.stream()
                    .anyMatch(e -> e instanceof HavenEvent.EndpointDown d && d.endpoint().port() == victim.port()));
            long down = System.nanoTime() - tKill;
            ItSupport.await("the dead replica's pool empty", Duration.ofSeconds(5),
                    () -> victimPool.getHikariPoolMXBean().getTotalConnections() == 0);
            long emptied = System.nanoTime() - tKill;
            readers.deadPort = victim.directPort();
            readers.countOnDead = true;
            long readsBefore = readers.reads.get();
            long errorsBefore = readers.errors.get();
            ItSupport.sleep(Duration.ofSeconds(2));
            readers.close();

            List<String> after = err.linesFrom(errLinesBefore);
            long broken = after.stream().filter(l -> l.contains("marked as broken")).count();
            List<String> hikari = StderrCapture.warnings(err.lines(), "com.zaxxer.hikari");
            System.out.printf("replica kill: %d connections in its pool before, down after %d ms, pool empty after %d ms;"
                            + " reads=%d errors=%d (after the pool emptied: reads=%d errors=%d, on the dead server %d);"
                            + " 'marked as broken' lines=%d, HikariCP WARN+ lines=%d %s%n",
                    before, ms(down), ms(emptied), readers.reads.get(), readers.errors.get(),
                    readers.reads.get() - readsBefore, readers.errors.get() - errorsBefore, readers.readsOnDead.get(),
                    broken, hikari.size(), hikari);

            assertThat(before).as("connections to the replica before the kill").isPositive();
            assertThat(readers.errors.get()).as("read errors: %s", readers.samples).isZero();
            assertThat(broken).as("HikariCP 'marked as broken' log lines").isZero();
            assertThat(hikari).as("HikariCP warnings").isEmpty();
            assertThat(victimPool.getHikariPoolMXBean().getTotalConnections()).as("connections left to the dead replica")
                    .isZero();
            assertThat(readers.readsOnDead.get()).as("reads served by the dead replica after").isZero();
            assertThat(readers.reads.get() - readsBefore).as("reads after the pool emptied").isPositive();
        }
    }

    @Test
    void closingAfterAWriterKillIsFastAndQuiet(PostgresCluster cluster) throws Exception {
        List<HavenEvent> events = ItSupport.events();
        try (StderrCapture err = new StderrCapture()) {
            HavenDataSource ds = ItSupport.ready(ItSupport.builder(cluster, events), cluster);
            PgNode writer = cluster.primary();
            Readers readers = new Readers(ds, 2);
            ItSupport.sleep(Duration.ofSeconds(1));
            cluster.killWriter();
            ItSupport.await("writer declared down", Duration.ofSeconds(5), () -> events.stream()
                    .anyMatch(e -> e instanceof HavenEvent.EndpointDown d && d.endpoint().port() == writer.port()));
            // Long enough for the dead writer's pool to back off between attempts to reconnect (10 ms doubling to 5 s).
            ItSupport.sleep(Duration.ofSeconds(4));
            readers.close();
            int linesBefore = err.lines().size();

            long t0 = System.nanoTime();
            ds.close();
            long took = System.nanoTime() - t0;

            List<String> during = err.linesFrom(linesBefore);
            List<String> hikari = StderrCapture.warnings(during, "com.zaxxer.hikari");
            System.out.printf("close after a writer kill: %d ms, HikariCP WARN+ lines while closing=%d %s; reads=%d errors=%d%n",
                    ms(took), hikari.size(), hikari, readers.reads.get(), readers.errors.get());
            assertThat(ms(took)).as("close (ms)").isLessThan(1000);
            assertThat(hikari).as("HikariCP warnings while closing").isEmpty();
            assertThat(during.stream().filter(l -> l.contains("Timed-out waiting")).collect(Collectors.toList())).isEmpty();
        }
    }
}
