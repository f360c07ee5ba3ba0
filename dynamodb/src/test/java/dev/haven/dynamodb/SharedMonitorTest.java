package dev.haven.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.event.HavenEvent;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Two clients of one global table in one JVM (same regions, home region and heartbeat table) share one topology
 * monitor: one heartbeat per interval, not two. The monitor outlives the client that started it and stops with the
 * last. Over no-network fake regions, whose heartbeat counter counts every probe of the home region.
 */
class SharedMonitorTest {

    private final FakeRegions fakes = new FakeRegions("us-east-1", "us-west-2");

    private static long monitorThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().equals("haven-monitor-shared")).count();
    }

    private long heartbeatsDuring(Duration window) throws InterruptedException {
        long before = fakes.seq.get();
        Thread.sleep(window.toMillis());
        return fakes.seq.get() - before;
    }

    @Test
    void twoClientsShareOneMonitorWhichOutlivesTheFirstAndStopsWithTheLast() throws Exception {
        List<HavenEvent> eventsB = new CopyOnWriteArrayList<>();
        HavenDynamoDbClient a = fakes.builder("us-east-1").clusterName("shared").hedging(false).build();
        HavenDynamoDbClient b;
        try {
            b = fakes.builder("us-east-1").clusterName("shared").hedging(false).localRegion("us-west-2")
                    .listener(eventsB::add).build();
            assertThatThrownBy(() -> fakes.builder("us-east-1").clusterName("shared").probeTimeout(Duration.ofSeconds(1)).build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("haven.dynamodb.probe-timeout is 1s here, but dynamodb cluster 'shared'");
        } catch (RuntimeException | Error e) {
            a.close();
            throw e;
        }
        try {
            long threads = monitorThreads();
            long heartbeats = heartbeatsDuring(Duration.ofSeconds(1));
            System.out.printf("[SharedMonitorTest] 2 clients: %d monitor thread(s), %d heartbeats in 1 s at a 100 ms interval%n",
                    threads, heartbeats);
            assertThat(threads).isEqualTo(1);
            assertThat(heartbeats).as("one monitor: ~10 heartbeats a second, two would make ~20").isBetween(5L, 14L);

            a.close(); // the client that started the monitor
            b.putItem(r -> r.tableName("orders"));
            assertThat(fakes.calls("putItem")).last().extracting(FakeRegions.Call::region).isEqualTo("us-east-1");
            b.getItem(r -> r.tableName("orders"));
            assertThat(fakes.calls("getItem")).last().extracting(FakeRegions.Call::region).isEqualTo("us-west-2");
            assertThat(monitorThreads()).isEqualTo(1);
            assertThat(heartbeatsDuring(Duration.ofMillis(500))).as("still probed for b").isPositive();

            // the monitor keeps watching for b: home going down is seen, and writes are refused at once
            fakes.region("us-east-1").down = true;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (b.topology().writer().isPresent()) {
                assertThat(System.nanoTime()).as("home declared down for b").isLessThan(deadline);
                Thread.sleep(10);
            }
            assertThatThrownBy(() -> b.putItem(r -> r.tableName("orders"))).isInstanceOf(HavenRegionUnavailableException.class);
            assertThat(eventsB).anyMatch(e -> e instanceof HavenEvent.EndpointDown);
            fakes.region("us-east-1").down = false;
        } finally {
            b.close();
        }
        assertThat(monitorThreads()).isZero();
        assertThat(heartbeatsDuring(Duration.ofMillis(300))).as("no more probes").isZero();
    }

    @Test
    void anotherClusterNameGetsItsOwnMonitorAndHeartbeatItem() throws Exception {
        try (HavenDynamoDbClient a = fakes.builder("us-east-1").clusterName("shared").hedging(false).build();
             HavenDynamoDbClient b = fakes.builder("us-east-1").clusterName("shared-2").hedging(false).build()) {
            long heartbeats = heartbeatsDuring(Duration.ofSeconds(1));
            assertThat(heartbeats).as("two monitors: ~20 heartbeats a second").isGreaterThanOrEqualTo(15);
            assertThat(a.topology().writer()).isPresent();
            assertThat(b.topology().writer()).isPresent();
        }
    }
}
