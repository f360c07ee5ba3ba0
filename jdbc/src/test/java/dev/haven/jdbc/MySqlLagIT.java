package dev.haven.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.Consistency;
import dev.haven.HavenFailure;
import dev.haven.HavenSession;
import dev.haven.event.HavenEvent;
import dev.haven.testkit.mariadb.MariaDbCluster;
import dev.haven.testkit.mariadb.MariaDbNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Lag measured Haven's way on MariaDB (the writer's GTID history against what each replica executed): a replica whose
 * SQL thread is stopped leaves bounded-staleness reads, and SESSION reads go only where the session's last GTID was
 * executed.
 *
 * <p>One driver per test: positions, lag and session marks are the provider's SQL on MariaDB's GTID variables, the same
 * through either driver; what differs between the drivers (URL, timeouts, read-only sessions, error codes, lost
 * connections) is covered with both by {@link MySqlRoutingIT} and {@link MySqlFailoverIT}. These are the two longest
 * MySQL runs, so each driver carries one of them: the lag bound through MariaDB Connector/J, SESSION through MySQL
 * Connector/J. Both tests leave every replica replaying: they share one cluster.
 */
class MySqlLagIT {

    @RegisterExtension
    static final SharedMariaDbCluster clusters = new SharedMariaDbCluster(() -> MariaDbCluster.builder().replicas(2).start());

    @ParameterizedTest
    @EnumSource(value = MariaDbSupport.Driver.class, names = "MARIADB_CONNECTOR_J")
    void replicaWithItsSqlThreadStoppedServesNoReadBeyondTheBound(MariaDbSupport.Driver driver) throws Exception {
        MariaDbCluster cluster = clusters.shared();
        List<HavenEvent> events = ItSupport.events();
        Duration bound = Duration.ofSeconds(1);
        try (HavenDataSource ds = MariaDbSupport.ready(MariaDbSupport.builder(cluster, driver, events,
                Consistency.boundedStaleness(bound)), cluster)) {
            try (Connection c = ds.getConnection()) {
                c.createStatement().execute("CREATE TABLE heartbeat (id int PRIMARY KEY, seq bigint NOT NULL) ENGINE=InnoDB");
                c.createStatement().execute("INSERT INTO heartbeat VALUES (1, 0)");
            }
            cluster.awaitReplicated(Duration.ofSeconds(10));
            MariaDbNode lagging = cluster.replicas().get(0);
            long tPause;
            long tResume;
            long lagTransactions;
            Heartbeat heartbeat = Heartbeat.start(ds, "SELECT seq, @@port FROM heartbeat");
            try (heartbeat) {
                ItSupport.sleep(Duration.ofSeconds(1));
                cluster.pauseReplay(lagging); // STOP SLAVE SQL_THREAD
                tPause = System.nanoTime();
                ItSupport.sleep(Duration.ofSeconds(3)); // beyond the bound from 1 s on: 2 s of reads that must avoid it
                lagTransactions = cluster.lagTransactions(lagging);
                cluster.resumeReplay(lagging);
                tResume = System.nanoTime();
                ItSupport.sleep(Duration.ofMillis(2500)); // caught up within a probe round: 1.5 s of reads back on it
            }
            List<Heartbeat.Read> reads = heartbeat.reads();
            long violations = reads.stream().filter(r -> heartbeat.beyond(r, bound)).count();
            long onLaggingDuringPause = reads.stream().filter(r -> r.port() == lagging.directPort()
                    && r.startNanos() > tPause + bound.toNanos() + 300_000_000L && r.startNanos() < tResume).count();
            long onLaggingAfterCatchUp = reads.stream().filter(r -> r.port() == lagging.directPort()
                    && r.startNanos() > tResume + 1_000_000_000L).count();
            long skipped = events.stream().filter(e -> e instanceof HavenEvent.StaleReplicaSkipped s
                    && s.endpoint().port() == lagging.port()).count();
            System.out.printf("%s: reads=%d lagTransactions=%d violations=%d onLaggingDuringPause=%d afterCatchUp=%d"
                    + " skipped=%d%n", driver, reads.size(), lagTransactions, violations, onLaggingDuringPause,
                    onLaggingAfterCatchUp, skipped);
            assertThat(heartbeat.errors()).isEmpty();
            assertThat(lagTransactions).as("replica fell behind (transactions)").isPositive();
            assertThat(reads.size()).isGreaterThan(500);
            assertThat(violations).as("reads staler than the %s bound", bound).isZero();
            assertThat(onLaggingDuringPause).as("reads served by the paused replica while beyond the bound").isZero();
            assertThat(skipped).as("StaleReplicaSkipped events for the paused replica").isPositive();
            assertThat(onLaggingAfterCatchUp).as("reads back on the replica after it caught up").isPositive();
        }
    }

    @ParameterizedTest
    @EnumSource(value = MariaDbSupport.Driver.class, names = "MYSQL_CONNECTOR_J")
    void sessionReadsSeeTheSessionsWritesWithReplayPausedAtRandom(MariaDbSupport.Driver driver) throws Exception {
        MariaDbCluster cluster = clusters.shared();
        try (HavenDataSource ds = MariaDbSupport.ready(MariaDbSupport.builder(cluster, driver, ItSupport.events(),
                Consistency.SESSION), cluster)) {
            try (Connection c = ds.getConnection()) {
                c.createStatement().execute("CREATE TABLE pairs (id bigint PRIMARY KEY, thread int NOT NULL) ENGINE=InnoDB");
            }
            cluster.awaitReplicated(Duration.ofSeconds(10));
            int primaryPort = cluster.primary().directPort();
            AtomicBoolean run = new AtomicBoolean(true);
            AtomicLong pairs = new AtomicLong();
            AtomicLong onReplica = new AtomicLong();
            List<String> violations = new CopyOnWriteArrayList<>();
            List<Throwable> errors = new CopyOnWriteArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                threads.add(new Thread(() -> {
                    Random rnd = new Random(1000 + thread);
                    HavenSession session = HavenSession.create();
                    for (long i = 0; run.get(); i++) {
                        long id = thread * 1_000_000L + i * 2;
                        try {
                            write(ds, session, id, thread, i % 5 == 4);
                            Thread.sleep(rnd.nextInt(150)); // think time: a read within a probe interval of its write goes to the writer
                            if (i % 2 == 1) {
                                session = HavenSession.fromToken(session.token()); // the next request continues it
                            }
                            try (Connection c = ds.getConnection()) {
                                c.setReadOnly(true);
                                HavenConnection hc = c.unwrap(HavenConnection.class);
                                hc.session(session);
                                hc.consistency(Consistency.SESSION);
                                try (PreparedStatement ps = c.prepareStatement("SELECT count(*), @@port FROM pairs WHERE id = ?")) {
                                    ps.setLong(1, id);
                                    try (ResultSet rs = ps.executeQuery()) {
                                        rs.next();
                                        if (rs.getLong(1) != 1) {
                                            violations.add("thread " + thread + " id " + id + " on port " + rs.getInt(2)
                                                    + " (session " + session.token() + ")");
                                        }
                                        if (rs.getInt(2) != primaryPort) {
                                            onReplica.incrementAndGet();
                                        }
                                        pairs.incrementAndGet();
                                    }
                                }
                            }
                        } catch (SQLException e) {
                            if (!HavenFailure.find(e).isPresent()) {
                                errors.add(e);
                                return;
                            }
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }, "session-pair-" + t));
            }
            threads.forEach(Thread::start);
            Random random = new Random(23);
            // ~20 pauses; 20 s so that the run covers a thousand pairs or more also on a loaded machine (the issue asks
            // for thousands; this is the only driver that runs it)
            long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            int pauses = 0;
            try {
                while (System.nanoTime() < end) {
                    MariaDbNode r = cluster.replicas().get(random.nextInt(cluster.replicas().size()));
                    cluster.pauseReplay(r);
                    pauses++;
                    ItSupport.sleep(Duration.ofMillis(100 + random.nextInt(700)));
                    cluster.resumeReplay(r);
                    ItSupport.sleep(Duration.ofMillis(200 + random.nextInt(600)));
                }
            } finally {
                run.set(false);
                for (Thread th : threads) {
                    th.join(15_000);
                }
            }
            double share = pairs.get() == 0 ? 0 : 100.0 * onReplica.get() / pairs.get();
            System.out.printf("%s: write-then-read pairs %d, SESSION reads on a replica %d (%.1f %%), replay pauses %d,"
                    + " violations %d%n", driver, pairs.get(), onReplica.get(), share, pauses, violations.size());
            violations.stream().limit(10).forEach(v -> System.out.println("  violation: " + v));
            errors.stream().limit(3).forEach(Throwable::printStackTrace);
            assertThat(errors).as("errors other than Haven's failure model").isEmpty();
            // 10 s gave 930-964 pairs at load ~15, 499 at load ~18 with two CPU burners: the floor only proves the threads
            // ran; the count is reported
            assertThat(pairs.get()).as("write-then-read pairs").isGreaterThan(600);
            assertThat(violations).as("SESSION reads that missed the session's latest acknowledged write").isEmpty();
            assertThat(share).as("%% of SESSION reads served by a replica").isGreaterThan(10.0);
        }
    }

    private static void write(HavenDataSource ds, HavenSession session, long id, int thread, boolean transaction)
            throws SQLException {
        try (Connection c = ds.getConnection()) {
            c.unwrap(HavenConnection.class).session(session);
            if (transaction) {
                c.setAutoCommit(false);
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO pairs VALUES (?, ?)")) {
                ps.setLong(1, id - 1); // an earlier row of the same transaction
                ps.setInt(2, thread);
                ps.executeUpdate();
                ps.setLong(1, id);
                ps.executeUpdate();
            }
            if (transaction) {
                c.commit();
            }
        }
    }
}
