package dev.haven.jdbc;

import static dev.haven.jdbc.ItSupport.ms;
import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.Consistency;
import dev.haven.HavenFailure;
import dev.haven.event.HavenEvent;
import dev.haven.testkit.mariadb.MariaDbCluster;
import dev.haven.testkit.mariadb.MariaDbNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * MariaDB 10.11 primary + 2 replicas from the testkit, through MariaDB Connector/J and MySQL Connector/J: routing, the
 * provider detected, a demoted writer's 1290 followed to the new writer, deadlocks and lock waits left to the
 * application. Both drivers everywhere: what differs between them is exactly what these tests exercise (the URL, how a
 * session refuses writes, the error codes and SQLStates surfaced). One cluster serves every test but the demotion,
 * which leaves a promoted replica behind (its second run gets a fresh cluster).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MySqlRoutingIT {

    @RegisterExtension
    static final SharedMariaDbCluster clusters = new SharedMariaDbCluster(() -> MariaDbCluster.builder().replicas(2).start());

    @Order(1)
    @ParameterizedTest
    @EnumSource(MariaDbSupport.Driver.class)
    void writesGoToThePrimaryAndReadsToTheReplicas(MariaDbSupport.Driver driver) throws Exception {
        MariaDbCluster cluster = clusters.shared();
        List<HavenEvent> events = ItSupport.events();
        try (HavenDataSource ds = MariaDbSupport.ready(MariaDbSupport.builder(cluster, driver, events,
                Consistency.boundedStaleness(Duration.ofSeconds(1))), cluster)) {
            assertThat(ds.provider()).isEqualTo(JdbcProvider.MARIADB);
            Workload.createSchemaMySql(ds);
            cluster.awaitReplicated(Duration.ofSeconds(10));
            Map<Integer, Integer> writesByPort = new HashMap<>();
            Map<Integer, Integer> readsByPort = new HashMap<>();
            long base = System.nanoTime();
            for (int i = 0; i < 100; i++) {
                try (Connection c = ds.getConnection()) {
                    try (PreparedStatement ps = c.prepareStatement("INSERT INTO items(id, payload) VALUES (?, 'r')")) {
                        ps.setLong(1, base + i);
                        ps.executeUpdate();
                    }
                    writesByPort.merge(port(c), 1, Integer::sum);
                }
                try (Connection c = ds.getConnection()) {
                    c.setReadOnly(true);
                    readsByPort.merge(port(c), 1, Integer::sum);
                }
            }
            int primary = cluster.primary().directPort();
            System.out.printf("%s: writes by server port %s, reads %s (primary %d)%n", driver, writesByPort, readsByPort, primary);
            assertThat(writesByPort).containsOnlyKeys(primary).containsEntry(primary, 100);
            assertThat(readsByPort).doesNotContainKey(primary);
            assertThat(readsByPort.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(100);
            // (how reads split between the replicas follows their measured latency: not asserted)
            // A read that must go to the writer runs there refusing writes, and the session is reset after it
            try (Connection c = ds.getConnection()) {
                c.setReadOnly(true);
                c.unwrap(HavenConnection.class).consistency(Consistency.STRONG);
                assertThat(port(c)).isEqualTo(primary);
            }
            try (Connection c = ds.getConnection()) {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO items(id, payload) VALUES (?, 'after-read')")) {
                    ps.setLong(1, base + 1000);
                    assertThat(ps.executeUpdate()).isEqualTo(1);
                }
            }
        }
    }

    @Order(2)
    @ParameterizedTest
    @EnumSource(MariaDbSupport.Driver.class)
    void deadlockAndLockWaitAreTheApplicationsNotAFailover(MariaDbSupport.Driver driver) throws Exception {
        MariaDbCluster cluster = clusters.shared();
        List<HavenEvent> events = ItSupport.events();
        try (HavenDataSource ds = MariaDbSupport.ready(MariaDbSupport.builder(cluster, driver, events, Consistency.EVENTUAL),
                cluster)) {
            try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE IF NOT EXISTS acct (id int PRIMARY KEY, n int) ENGINE=InnoDB");
                st.execute("REPLACE INTO acct VALUES (1, 0), (2, 0)");
            }
            int eventsBefore = events.size();
            String writerBefore = ds.topology().writer().orElseThrow().id();

            // Two transactions lock rows 1 and 2 in opposite orders: InnoDB kills one with 1213.
            SQLException deadlock = deadlock(ds);
            assertThat((Throwable) deadlock).isNotInstanceOf(HavenFailure.class);
            assertThat(deadlock.getErrorCode()).isEqualTo(1213);
            assertThat(deadlock.getSQLState()).isEqualTo("40001");

            // transaction(work) runs the loser again: both commit.
            AtomicInteger runs = new AtomicInteger();
            CountDownLatch locked = new CountDownLatch(1);
            CompletableFuture<Void> other = CompletableFuture.runAsync(() -> {
                try (Connection c = ds.getConnection()) {
                    c.setAutoCommit(false);
                    c.createStatement().executeUpdate("UPDATE acct SET n = n + 1 WHERE id = 2");
                    locked.countDown();
                    ItSupport.sleep(Duration.ofMillis(300));
                    c.createStatement().executeUpdate("UPDATE acct SET n = n + 1 WHERE id = 1");
                    c.commit();
                } catch (SQLException e) {
                    if (e.getErrorCode() != 1213) {
                        throw new IllegalStateException(e);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertThat(locked.await(10, TimeUnit.SECONDS)).isTrue();
            ds.transaction(c -> {
                runs.incrementAndGet();
                c.createStatement().executeUpdate("UPDATE acct SET n = n + 10 WHERE id = 1");
                c.createStatement().executeUpdate("UPDATE acct SET n = n + 10 WHERE id = 2");
                return null;
            });
            other.get(10, TimeUnit.SECONDS);
            assertThat(MariaDbSupport.count(cluster.primary(), "SELECT n FROM acct WHERE id = 1") % 10).isIn(0L, 1L);

            // A lock wait timeout (1205): surfaced as is.
            SQLException lockWait;
            try (Connection holder = ds.getConnection(); Connection waiter = ds.getConnection()) {
                holder.setAutoCommit(false);
                holder.createStatement().executeUpdate("UPDATE acct SET n = n + 1 WHERE id = 1");
                waiter.setAutoCommit(false);
                waiter.createStatement().execute("SET SESSION innodb_lock_wait_timeout = 1");
                long t0 = System.nanoTime();
                lockWait = null;
                try {
                    waiter.createStatement().executeUpdate("UPDATE acct SET n = n + 1 WHERE id = 1");
                } catch (SQLException e) {
                    lockWait = e;
                }
                System.out.printf("%s: deadlock %s %d; transaction runs %d; lock wait %s after %d ms%n", driver,
                        deadlock.getSQLState(), deadlock.getErrorCode(), runs.get(),
                        lockWait == null ? null : lockWait.getErrorCode(), ms(System.nanoTime() - t0));
                waiter.rollback();
                holder.rollback();
            }
            assertThat((Throwable) lockWait).isNotNull().isNotInstanceOf(HavenFailure.class);
            assertThat(lockWait.getErrorCode()).isEqualTo(1205);

            // No failover, no server called down, the same writer.
            assertThat(events.subList(eventsBefore, events.size())).noneMatch(e -> e instanceof HavenEvent.FailoverStarted
                    || e instanceof HavenEvent.EndpointDown);
            assertThat(ds.topology().writer().orElseThrow().id()).isEqualTo(writerBefore);
        }
    }

    /**
     * The writer is made read-only (what RDS and orchestrators do before promoting) and a replica promoted: the writes
     * that reach the old writer are refused with 1290, Haven looks again, and every write lands on the new writer.
     */
    @Order(3)
    @ParameterizedTest
    @EnumSource(MariaDbSupport.Driver.class)
    void demotedWriterAnswering1290SendsWritesToTheNewWriter(MariaDbSupport.Driver driver) throws Exception {
        MariaDbCluster cluster = clusters.toSpoil();
        List<HavenEvent> events = ItSupport.events();
        Duration writerWait = Duration.ofSeconds(10); // covers the testkit's promotion on a loaded machine
        try (HavenDataSource ds = MariaDbSupport.ready(MariaDbSupport.builder(cluster, driver, events, Consistency.EVENTUAL)
                .writerWait(writerWait), cluster)) {
            Workload.createSchemaMySql(ds);
            cluster.awaitReplicated(Duration.ofSeconds(10));
            MariaDbNode old = cluster.primary();
            old.execute("SET GLOBAL read_only = ON");
            long t0 = System.nanoTime();
            MariaDbNode promoted = cluster.promote(cluster.replicas().get(0));
            long promotedAt = cluster.lastPromotionNanoTime();
            long base = System.nanoTime();
            int errors = 0;
            long firstOkNanos = -1;
            Map<Integer, Integer> byPort = new HashMap<>();
            for (int i = 0; i < 100; i++) {
                try (Connection c = ds.getConnection();
                        PreparedStatement ps = c.prepareStatement("INSERT INTO items(id, payload) VALUES (?, 'demoted')")) {
                    ps.setLong(1, base + i);
                    ps.executeUpdate();
                    byPort.merge(port(c), 1, Integer::sum);
                    if (firstOkNanos < 0) {
                        firstOkNanos = System.nanoTime();
                    }
                } catch (SQLException e) {
                    errors++;
                    System.out.println(driver + ": write failed: " + e);
                }
            }
            System.out.printf("%s: demote+promote %d ms; first write ok %d ms after promotion; writes by port %s; errors %d%n",
                    driver, ms(promotedAt - t0), ms(firstOkNanos - promotedAt), byPort, errors);
            assertThat(errors).isZero();
            assertThat(byPort).containsOnlyKeys(promoted.directPort()).containsEntry(promoted.directPort(), 100);
            assertThat(MariaDbSupport.count(old, "SELECT count(*) FROM items WHERE payload = 'demoted'")).isZero();
            assertThat(MariaDbSupport.count(promoted, "SELECT count(*) FROM items WHERE payload = 'demoted'")).isEqualTo(100);
            assertThat(ms(firstOkNanos - promotedAt)).isLessThanOrEqualTo(writerWait.toMillis());
            assertThat(ds.topology().writer()).map(e -> e.port()).contains(promoted.port());
        }
    }

    private static SQLException deadlock(HavenDataSource ds) throws Exception {
        CountDownLatch bothLocked = new CountDownLatch(2);
        CompletableFuture<SQLException> a = CompletableFuture.supplyAsync(() -> crossUpdate(ds, 1, 2, bothLocked));
        CompletableFuture<SQLException> b = CompletableFuture.supplyAsync(() -> crossUpdate(ds, 2, 1, bothLocked));
        SQLException ea = a.get(30, TimeUnit.SECONDS);
        SQLException eb = b.get(30, TimeUnit.SECONDS);
        assertThat(ea == null ^ eb == null).as("exactly one transaction lost: %s / %s", ea, eb).isTrue();
        return ea != null ? ea : eb;
    }

    private static SQLException crossUpdate(HavenDataSource ds, int first, int second, CountDownLatch bothLocked) {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            c.createStatement().executeUpdate("UPDATE acct SET n = n + 1 WHERE id = " + first);
            bothLocked.countDown();
            if (!bothLocked.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the other transaction did not lock its row");
            }
            try {
                c.createStatement().executeUpdate("UPDATE acct SET n = n + 1 WHERE id = " + second);
                c.commit();
                return null;
            } catch (SQLException e) {
                c.rollback();
                return e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static int port(Connection c) throws SQLException {
        try (ResultSet rs = c.createStatement().executeQuery("SELECT @@port")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
