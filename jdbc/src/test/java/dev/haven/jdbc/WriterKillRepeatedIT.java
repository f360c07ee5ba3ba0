package dev.haven.jdbc;

import static dev.haven.jdbc.ItSupport.ms;
import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.event.HavenEvent;
import dev.haven.testkit.PgNode;
import dev.haven.testkit.PostgresCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.LongSummaryStatistics;
import org.junit.jupiter.api.Test;

/**
 * The first second of a writer kill, many times over: the writer is SIGKILLed under 8 writer threads and a replica
 * promoted 1 s later. A write that starts between the first connection error and the monitor's verdict must not sit
 * in the dead server's pool for HikariCP's whole {@code connectionTimeout} (5 s here): it waits for the new writer
 * instead and is sent there as soon as it is promoted. The bounds asserted leave room for a busy CI machine (the
 * figures printed are what to compare: ≤ 133 ms / gap + 56 ms measured on 2 cores at load ~12); the defect they
 * catch costs seconds.
 */
class WriterKillRepeatedIT {

    private static final int REPETITIONS = 20;
    private static final Duration GAP = Duration.ofSeconds(1);

    @Test
    void writesResumeRightAfterEveryPromotionAndNoWriteWaitsOnTheDeadServer() throws Exception {
        List<HavenEvent> events = ItSupport.events();
        List<Long> backMs = new ArrayList<>();
        List<Long> excessMs = new ArrayList<>();
        try (PostgresCluster cluster = PostgresCluster.start(2);
                HavenDataSource ds = ItSupport.ready(ItSupport.builder(cluster, events)
                        // 5 s: a write that waits in the dead server's pool shows as seconds, not as noise
                        .poolProperty("connectionTimeout", "5000")
                        // Every server's pool holds the 8 writers' connections, as HikariCP's own default (a fixed-size
                        // pool) would: a pool grows one new connection at a time (its single adder thread, ~20-120 ms
                        // each for a SCRAM login on 2 busy cores), which is not what this test measures.
                        .poolProperty("minimumIdle", "8")
                        .writerWait(Duration.ofSeconds(3)), cluster)) {
            Workload.createSchema(ds);
            cluster.awaitReplicated(Duration.ofSeconds(10));
            ItSupport.sleep(Duration.ofSeconds(2)); // the pools fill to minimumIdle in the background
            for (int rep = 1; rep <= REPETITIONS; rep++) {
                PgNode old = cluster.primary();
                Workload load = new Workload(ds, 8, 1.0, Long.MAX_VALUE).start();
                long tKill;
                long tPromoted;
                PgNode promoted;
                try {
                    ItSupport.sleep(Duration.ofMillis(300));
                    tKill = System.nanoTime();
                    cluster.kill(old);
                    ItSupport.sleep(GAP);
                    promoted = cluster.promote(cluster.mostAdvancedReplica());
                    tPromoted = cluster.lastPromotionNanoTime();
                    int port = promoted.directPort();
                    try {
                        ItSupport.await("a write acknowledged by the new primary", Duration.ofSeconds(10), () -> load.writes()
                                .stream().anyMatch(o -> o.error() == null && o.serverPort() == port));
                    } catch (AssertionError e) {
                        System.out.printf("repetition %d: no write on %s; topology %s; failed writes %s; last events %s%n", rep,
                                promoted, ds.topology(), Workload.describe(load.failures(true)),
                                events.subList(Math.max(0, events.size() - 8), events.size()));
                        throw e;
                    }
                    ItSupport.sleep(Duration.ofMillis(200));
                } finally {
                    load.close();
                }
                int port = promoted.directPort();
                long back = load.writes().stream().filter(o -> o.error() == null && o.serverPort() == port)
                        .mapToLong(Workload.Op::endNanos).min().orElseThrow() - tPromoted;
                long gap = tPromoted - tKill;
                long longest = load.writes().stream().filter(o -> o.endNanos() > tKill)
                        .mapToLong(o -> o.endNanos() - o.startNanos()).max().orElseThrow();
                backMs.add(ms(back));
                excessMs.add(ms(longest - gap));
                System.out.printf("writer kill %2d/%d: %s -> %s, kill->promoted %d ms, writes back %d ms after promotion,"
                                + " longest write %d ms (gap + %d ms), failed writes %d %s%n", rep, REPETITIONS, old.name(),
                        promoted.name(), ms(gap), ms(back), ms(longest), ms(longest - gap), load.failures(true).size(),
                        Workload.describe(load.failures(true)));

                cluster.remove(old);
                cluster.addReplica();
                ItSupport.await("the new replica in Haven's topology", Duration.ofSeconds(15),
                        () -> ds.topology().writer().map(e -> e.port() == promoted.port()).orElse(false)
                                && ds.topology().readers().size() == 2);
            }
        }
        LongSummaryStatistics back = backMs.stream().mapToLong(Long::longValue).summaryStatistics();
        LongSummaryStatistics excess = excessMs.stream().mapToLong(Long::longValue).summaryStatistics();
        System.out.printf("writer kill x%d: writes back after promotion min/avg/max %d/%.0f/%d ms; longest write beyond the"
                + " kill->promotion gap min/avg/max %d/%.0f/%d ms%n", REPETITIONS, back.getMin(), back.getAverage(),
                back.getMax(), excess.getMin(), excess.getAverage(), excess.getMax());
        assertThat(backMs).as("ms from promotion to the first acknowledged write, per repetition")
                .hasSize(REPETITIONS).allSatisfy(ms -> assertThat(ms).isLessThanOrEqualTo(1000));
        assertThat(excessMs).as("ms a write waited beyond the kill->promotion gap, per repetition")
                .allSatisfy(ms -> assertThat(ms).isLessThanOrEqualTo(1000));
    }
}
