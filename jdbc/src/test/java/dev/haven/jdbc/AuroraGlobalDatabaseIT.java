package dev.haven.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.Consistency;
import dev.haven.Endpoint;
import dev.haven.testkit.AuroraPostgresCluster;
import dev.haven.testkit.PgNode;
import dev.haven.testkit.PostgresCluster;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Haven on an (emulated) Aurora PostgreSQL Global Database: a writer and a reader in us-east-1 (the application's home
 * region, named by the cluster endpoint in the URL), two readers in us-west-2. Bounded reads stay home while it can
 * serve them and never exceed the bound; they cross regions only with {@code aurora.cross-region-reads}; a writer-region
 * switchover is followed without losing an acknowledged write.
 */
class AuroraGlobalDatabaseIT {

    private static final Duration BOUND = Duration.ofSeconds(1);
    private static final String HOME = "us-east-1";
    private static final String REMOTE = "us-west-2";
    private static final Duration WRITER_WAIT = Duration.ofSeconds(5);

    @Test
    void readsStayHomeWithinTheBoundCrossRegionsOnlyWhenAllowedAndWritesFollowASwitchover() throws Exception {
        try (AuroraPostgresCluster aurora = PostgresCluster.builder().replicas(3).aurora("orders", HOME)
                .secondaryRegion(REMOTE, 2).start()) {
            Map<String, String> regionOf = aurora.postgres().nodes().stream()
                    .collect(Collectors.toMap(n -> aurora.instanceId(n), n -> aurora.region(n)));
            PgNode homeReader = aurora.postgres().replicas().stream().filter(n -> aurora.region(n).equals(HOME)).findFirst()
                    .orElseThrow();
            try (HavenDataSource homeOnly = dataSource(aurora, false).build();
                    HavenDataSource crossRegion = dataSource(aurora, true).clusterName("global-cross").build()) {
                for (HavenDataSource ds : List.of(homeOnly, crossRegion)) {
                    ItSupport.await("the writer and 3 readers", Duration.ofSeconds(20),
                            () -> ds.topology().writer().isPresent() && ds.topology().readers().size() == 3);
                }
                assertThat(homeOnly.provider()).isEqualTo(JdbcProvider.AURORA_GLOBAL_POSTGRES);
                assertThat(homeOnly.endpoints()).filteredOn(e -> e.role() != dev.haven.Role.UNKNOWN)
                        .extracting(Endpoint::region).containsOnly(HOME, REMOTE);
                try (Connection c = homeOnly.getConnection()) {
                    c.createStatement().execute("CREATE TABLE clock (id int PRIMARY KEY, ts double precision NOT NULL)");
                    c.createStatement().execute("INSERT INTO clock VALUES (1, extract(epoch FROM clock_timestamp()))");
                }
                Clock clock = new Clock(homeOnly).start();
                try {
                    // 1. healthy: bounded reads in the home region, none beyond the bound
                    Reads healthy = Reads.run(homeOnly, 4, Duration.ofSeconds(3), regionOf, clock);
                    // 2. the home reader's replay paused: home-only reads go to the writer (home), never to us-west-2
                    aurora.postgres().pauseReplay(homeReader);
                    ItSupport.sleep(BOUND.plusMillis(500));
                    Reads pausedHomeOnly = Reads.run(homeOnly, 4, Duration.ofSeconds(3), regionOf, clock);
                    // 3. the same with cross-region reads allowed: us-west-2's readers serve them, within the bound
                    Reads pausedCross = Reads.run(crossRegion, 4, Duration.ofSeconds(3), regionOf, clock);
                    aurora.postgres().resumeReplay(homeReader);
                    System.out.printf("[AuroraGlobalDatabaseIT] reads by region: healthy %s, home reader paused %s, "
                            + "paused with cross-region reads %s; beyond the %d ms bound: %d, %d, %d (of %d, %d, %d)%n",
                            healthy.byRegion, pausedHomeOnly.byRegion, pausedCross.byRegion, BOUND.toMillis(),
                            healthy.beyondBound(clock), pausedHomeOnly.beyondBound(clock), pausedCross.beyondBound(clock),
                            healthy.total(), pausedHomeOnly.total(), pausedCross.total());
                    assertThat(healthy.errors).isEmpty();
                    assertThat(pausedHomeOnly.errors).isEmpty();
                    assertThat(pausedCross.errors).isEmpty();
                    assertThat(healthy.byRegion).as("healthy: every bounded read in the home region").containsOnlyKeys(HOME);
                    assertThat(healthy.onReplica.get()).as("healthy: reads served by the home reader").isPositive();
                    assertThat(pausedHomeOnly.byRegion).as("home reader stale, cross-region reads off").containsOnlyKeys(HOME);
                    assertThat(pausedCross.byRegion.getOrDefault(REMOTE, 0L)).as("home reader stale, cross-region reads on: "
                            + "reads served in " + REMOTE).isPositive();
                    for (Reads r : List.of(healthy, pausedHomeOnly, pausedCross)) {
                        assertThat(r.beyondBound(clock)).as("reads beyond the %s bound", BOUND).isZero();
                    }

                    // 4. writer-region switchover under writes: followed, nothing acknowledged lost
                    long writesBefore = clock.acked.size();
                    long t0 = System.nanoTime();
                    PgNode newWriter = aurora.switchoverTo(REMOTE);
                    long switched = System.nanoTime();
                    ItSupport.await("the new writer in " + REMOTE, Duration.ofSeconds(10),
                            () -> homeOnly.topology().writer().map(Endpoint::region).orElse("").equals(REMOTE));
                    long followed = System.nanoTime();
                    ItSupport.await("writes acknowledged by the new writer", Duration.ofSeconds(10),
                            () -> clock.lastAckNanos.get() > switched && clock.acked.size() > writesBefore + 5);
                    long writing = clock.firstAckAfter(switched) - switched;
                    System.out.printf("[AuroraGlobalDatabaseIT] switchover to %s took %d ms; Haven's writer in %s %d ms and "
                            + "the first write acknowledged %d ms after it; writes refused meanwhile: %d%n", REMOTE,
                            (switched - t0) / 1_000_000, REMOTE, (followed - switched) / 1_000_000, writing / 1_000_000,
                            clock.failures.get());
                    assertThat(aurora.writerRegion()).isEqualTo(REMOTE);
                    assertThat(homeOnly.topology().writer()).map(Endpoint::host).contains(aurora.instanceHost(newWriter));
                    assertThat(writing).as("ns from the switchover to the first write on the new writer")
                            .isLessThan(WRITER_WAIT.plusSeconds(1).toNanos());
                    clock.stop();
                    try (Connection c = aurora.postgres().connect(newWriter);
                            ResultSet rs = c.createStatement().executeQuery("SELECT ts FROM clock WHERE id = 1")) {
                        rs.next();
                        assertThat(rs.getDouble(1)).as("the last acknowledged write is on the new writer")
                                .isGreaterThanOrEqualTo(clock.acked.lastKey());
                    }
                } finally {
                    clock.stop();
                }
            }
        }
    }

    @Test
    void aHomeRegionTheDatabaseDoesNotHaveFailsTheBuildNamingTheSetting() {
        try (AuroraPostgresCluster aurora = PostgresCluster.builder().replicas(1).aurora("misplaced", HOME)
                .secondaryRegion(REMOTE, 1).start()) {
            assertThatThrownBy(() -> dataSource(aurora, false).localRegion("eu-west-1").build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("haven.jdbc.local-region must be a region of the Aurora Global Database "
                            + "[us-east-1, us-west-2]: was 'eu-west-1'");
        }
    }

    private static HavenDataSource.Builder dataSource(AuroraPostgresCluster aurora, boolean crossRegion) {
        return HavenDataSource.builder().url(aurora.jdbcUrl()).username(aurora.user()).password(aurora.password())
                .clusterName("global").auroraRegionHostPattern(REMOTE, aurora.instanceHostPattern(REMOTE))
                .auroraCrossRegionReads(crossRegion).defaultConsistency(Consistency.boundedStaleness(BOUND))
                // a busy 2-core machine runs five PostgreSQL servers here: probes and writer waits with room for stalls
                .probeTimeout(Duration.ofSeconds(1)).deadline(ItSupport.STATEMENT_DEADLINE.multipliedBy(2))
                .writerWait(WRITER_WAIT).poolProperty("connectionTimeout", "2000");
    }

    /** One row updated every 20 ms with the server's clock; each acknowledged value and when it was acknowledged. */
    private static final class Clock {
        final HavenDataSource ds;
        final ConcurrentSkipListMap<Double, Long> acked = new ConcurrentSkipListMap<>(); // ts -> ack wall ms
        final ConcurrentSkipListMap<Long, Long> ackNanos = new ConcurrentSkipListMap<>(); // ack nanoTime -> 0
        final AtomicLong lastAckNanos = new AtomicLong();
        final AtomicLong failures = new AtomicLong();
        final AtomicBoolean stop = new AtomicBoolean();
        Thread thread;

        Clock(HavenDataSource ds) {
            this.ds = ds;
        }

        Clock start() {
            thread = new Thread(() -> {
                long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
                while (!stop.get() && System.nanoTime() < deadline) {
                    try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                            "UPDATE clock SET ts = extract(epoch FROM clock_timestamp()) WHERE id = 1 RETURNING ts")) {
                        try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            long now = System.nanoTime();
                            acked.put(rs.getDouble(1), System.currentTimeMillis());
                            ackNanos.put(now, 0L);
                            lastAckNanos.set(now);
                        }
                    } catch (SQLException e) {
                        failures.incrementAndGet(); // the switchover: documented failures, counted and printed
                    }
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "global-clock");
            thread.start();
            return this;
        }

        long firstAckAfter(long nanos) {
            Long k = ackNanos.ceilingKey(nanos);
            return k == null ? Long.MAX_VALUE : k;
        }

        void stop() throws InterruptedException {
            stop.set(true);
            if (thread != null) {
                thread.join(10_000);
            }
        }
    }

    /** Bounded reads of the clock row by several threads: where each went and what it saw. */
    private static final class Reads {
        final Map<String, Long> byRegion = new ConcurrentHashMap<>();
        final AtomicLong onReplica = new AtomicLong();
        final List<long[]> seen = new CopyOnWriteArrayList<>(); // {read start wall ms, value read in µs}
        final List<Throwable> errors = new CopyOnWriteArrayList<>();

        static Reads run(HavenDataSource ds, int threads, Duration duration, Map<String, String> regionOf, Clock clock)
                throws InterruptedException {
            Reads r = new Reads();
            long end = System.nanoTime() + duration.toNanos();
            List<Thread> ts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                ts.add(new Thread(() -> {
                    while (System.nanoTime() < end) {
                        long start = System.currentTimeMillis();
                        try (Connection c = ds.getConnection()) {
                            c.setReadOnly(true);
                            try (ResultSet rs = c.createStatement().executeQuery(
                                    "SELECT aurora_db_instance_identifier(), pg_is_in_recovery(), ts FROM clock WHERE id = 1")) {
                                rs.next();
                                r.byRegion.merge(regionOf.get(rs.getString(1)), 1L, Long::sum);
                                if (rs.getBoolean(2)) {
                                    r.onReplica.incrementAndGet();
                                }
                                r.seen.add(new long[] {start, Math.round(rs.getDouble(3) * 1e6)});
                            }
                        } catch (SQLException | RuntimeException e) {
                            r.errors.add(e);
                        }
                    }
                }, "global-reader-" + t));
            }
            ts.forEach(Thread::start);
            for (Thread t : ts) {
                t.join(duration.plusSeconds(30).toMillis());
            }
            return r;
        }

        long total() {
            return seen.size();
        }

        /**
         * Reads that missed a write acknowledged more than the bound before they started: the first write after the
         * value read was acknowledged before {@code start - bound}.
         */
        long beyondBound(Clock clock) {
            long n = 0;
            for (long[] s : seen) {
                Map.Entry<Double, Long> next = clock.acked.higherEntry(s[1] / 1e6 + 1e-7);
                if (next != null && next.getValue() < s[0] - BOUND.toMillis()) {
                    n++;
                }
            }
            return n;
        }
    }
}
