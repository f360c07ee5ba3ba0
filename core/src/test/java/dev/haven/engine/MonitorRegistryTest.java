package dev.haven.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.Endpoint;
import dev.haven.Position;
import dev.haven.Role;
import dev.haven.Ticker;
import dev.haven.event.HavenEvent;
import dev.haven.spi.Probe;
import dev.haven.spi.TopologyProvider;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The registry that shares one topology monitor per cluster: reference counting, events, settings, concurrency. */
class MonitorRegistryTest {

    private final MonitorRegistry registry = new MonitorRegistry();
    private final AtomicInteger started = new AtomicInteger();
    private final AtomicInteger resourcesClosed = new AtomicInteger();
    private final AtomicLong probes = new AtomicLong();
    private final Endpoint a = Endpoint.of("a", 1);
    private final Endpoint b = Endpoint.of("b", 1);
    private final List<MonitorRegistry.Lease> open = new ArrayList<>();
    private final AtomicBoolean writerDown = new AtomicBoolean();

    private final TopologyProvider provider = (endpoint, timeout) -> {
        probes.incrementAndGet();
        if (writerDown.get() && endpoint.id().equals("a:1")) {
            throw new java.net.ConnectException("Connection refused");
        }
        return endpoint.id().equals("a:1") ? new Probe(Role.WRITER, 1, Position.offset(10), List.of()) : new Probe(Role.READER, 0, Position.offset(10), List.of());
    };

    @AfterEach
    void closeAll() {
        open.forEach(MonitorRegistry.Lease::close);
    }

    private static MonitorRegistry.Key key(String cluster) {
        return new MonitorRegistry.Key("test", cluster, "a:1,b:1", List.of("a:1", "b:1", "db"));
    }

    private static MonitorSettings settings(String cluster, Duration interval, Duration lagInterval, int lagHistory) {
        return new MonitorSettings(cluster, List.of(Endpoint.of("a", 1), Endpoint.of("b", 1)), e -> e, interval,
                Duration.ofMillis(100), lagInterval, Duration.ofSeconds(5), Duration.ofMillis(500), lagHistory,
                CircuitBreakerConfig.ofDefaults(), Ticker.system(), Clock.systemUTC());
    }

    private MonitorRegistry.Lease acquire(String cluster, MonitorSettings s, EventBus events) {
        MonitorRegistry.Lease lease = registry.acquire(key(cluster), s, Map.of(), events, bus -> {
            started.incrementAndGet();
            TopologyMonitor m = new TopologyMonitor(s, provider, bus);
            m.start();
            return new MonitorRegistry.Started(m, resourcesClosed::incrementAndGet);
        });
        open.add(lease);
        return lease;
    }

    private MonitorRegistry.Lease acquire(String cluster) {
        return acquire(cluster, settings(cluster, Duration.ofSeconds(1), Duration.ofMillis(250), 64), new EventBus(List.of()));
    }

    private static long monitorThreads(String cluster) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().equals("haven-monitor-" + cluster)).count();
    }

    @Test
    void twoUsersOfOneClusterShareOneMonitorUntilTheLastCloses() {
        MonitorRegistry.Lease first = acquire("orders");
        MonitorRegistry.Lease second = acquire("orders");
        assertThat(second.monitor()).isSameAs(first.monitor());
        assertThat(started).hasValue(1);
        assertThat(registry.users(key("orders"))).isEqualTo(2);
        assertThat(monitorThreads("orders")).isEqualTo(1);

        first.close();
        first.close(); // twice is harmless
        assertThat(second.monitor().isClosed()).isFalse();
        assertThat(second.users()).isEqualTo(1);
        assertThat(monitorThreads("orders")).isEqualTo(1);

        second.close();
        assertThat(second.monitor().isClosed()).isTrue();
        assertThat(resourcesClosed).hasValue(1);
        assertThat(registry.monitors()).isZero();
        assertThat(monitorThreads("orders")).isZero();

        MonitorRegistry.Lease third = acquire("orders");
        assertThat(third.monitor()).as("a closed monitor is never handed out").isNotSameAs(first.monitor());
        assertThat(third.monitor().isClosed()).isFalse();
        assertThat(started).hasValue(2);
    }

    @Test
    void anotherClusterNameOrIdentityGetsItsOwnMonitor() {
        MonitorRegistry.Lease orders = acquire("orders");
        MonitorRegistry.Lease billing = acquire("billing");
        assertThat(billing.monitor()).isNotSameAs(orders.monitor());
        assertThat(registry.monitors()).isEqualTo(2);
    }

    @Test
    void eachUsersListenersGetTheMonitorsEventsWhileItsLeaseIsOpen() throws Exception {
        List<HavenEvent> one = new CopyOnWriteArrayList<>();
        List<HavenEvent> two = new CopyOnWriteArrayList<>();
        MonitorSettings s = settings("orders", Duration.ofSeconds(1), Duration.ofMillis(250), 64);
        MonitorRegistry.Lease first = acquire("orders", s, new EventBus(List.of(one::add)));
        assertThat(one).as("the first round's events reach the creator").anyMatch(e -> e instanceof HavenEvent.TopologyChanged);
        MonitorRegistry.Lease second = acquire("orders", s, new EventBus(List.of(two::add)));
        List<TopologyMonitor.Snapshot> seenByFirst = new CopyOnWriteArrayList<>();
        first.addObserver((prev, cur) -> seenByFirst.add(cur));

        writerDown.set(true); // both users hear of it
        awaitEvent(two, HavenEvent.EndpointDown.class, first.monitor());
        assertThat(one).anyMatch(e -> e instanceof HavenEvent.EndpointDown);
        assertThat(seenByFirst).isNotEmpty();

        first.close();
        int heardByFirst = one.size();
        int observedByFirst = seenByFirst.size();
        writerDown.set(false);
        awaitEvent(two, HavenEvent.EndpointUp.class, second.monitor());
        assertThat(one).as("a closed user hears nothing more").hasSize(heardByFirst);
        assertThat(seenByFirst).as("its observers are removed").hasSize(observedByFirst);
    }

    private static void awaitEvent(List<HavenEvent> events, Class<?> type, TopologyMonitor m) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (events.stream().noneMatch(type::isInstance)) {
            assertThat(System.nanoTime()).as(type.getSimpleName() + " within 5 s").isLessThan(deadline);
            m.signal("a:1", "test");
            m.awaitRound(Duration.ofMillis(500));
        }
    }

    @Test
    void aUserConfiguredDifferentlyFailsFastNamingTheProperty() {
        acquire("orders");
        MonitorSettings slower = settings("orders", Duration.ofSeconds(2), Duration.ofMillis(250), 64);
        assertThatThrownBy(() -> acquire("orders", slower, new EventBus(List.of())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("haven.test.probe-interval is 2s here, but test cluster 'orders' (a:1,b:1) is already "
                        + "monitored in this JVM with 1s")
                .hasMessageContaining("haven.test.cluster-name");
        assertThat(registry.users(key("orders"))).isEqualTo(1);
        assertThatThrownBy(() -> registry.acquire(key("orders"), settings("orders", Duration.ofSeconds(1), Duration.ofMillis(250), 64),
                Map.of("endpoint.*", "{a:1=eu-west-1/a}"), new EventBus(List.of()), bus -> {
                    throw new AssertionError("not started");
                })).hasMessageStartingWith("haven.test.endpoint.* is {a:1=eu-west-1/a} here");
    }

    @Test
    void lagSamplingFollowsTheFinestIntervalAndTheLongestHistoryOfTheCurrentUsers() throws Exception {
        MonitorRegistry.Lease coarse = acquire("orders", settings("orders", Duration.ofSeconds(1), Duration.ofSeconds(1), 64),
                new EventBus(List.of()));
        MonitorRegistry.Lease fine = acquire("orders", settings("orders", Duration.ofSeconds(1), Duration.ofMillis(100), 500),
                new EventBus(List.of()));
        assertThat(lagIntervalNanos(coarse.monitor())).isEqualTo(Duration.ofMillis(100).toNanos());
        assertThat(lagCapacity(coarse.monitor())).isEqualTo(500);
        fine.close();
        assertThat(lagIntervalNanos(coarse.monitor())).isEqualTo(Duration.ofSeconds(1).toNanos());
        assertThat(lagCapacity(coarse.monitor())).as("the history only grows").isEqualTo(500);
    }

    private static long lagIntervalNanos(TopologyMonitor m) throws Exception {
        var f = TopologyMonitor.class.getDeclaredField("lagIntervalNanos");
        f.setAccessible(true);
        return f.getLong(m);
    }

    private static int lagCapacity(TopologyMonitor m) throws Exception {
        var f = TopologyMonitor.class.getDeclaredField("lag");
        f.setAccessible(true);
        return ((LagTracker) f.get(m)).capacity();
    }

    @Test
    void aFailedStartIsNotKeptAndTheNextUserStartsAgain() {
        MonitorSettings s = settings("orders", Duration.ofSeconds(1), Duration.ofMillis(250), 64);
        assertThatThrownBy(() -> registry.acquire(key("orders"), s, Map.of(), new EventBus(List.of()), bus -> {
            throw new IllegalArgumentException("haven.test.url: no server answered");
        })).hasMessage("haven.test.url: no server answered");
        assertThat(registry.monitors()).isZero();
        assertThat(acquire("orders").monitor().isClosed()).isFalse();
    }

    @Test
    void concurrentAcquireAndCloseNeverHandOutAClosedMonitorAndLeaveNoThread() throws Exception {
        int threads = 8;
        int iterations = 300;
        MonitorSettings s = settings("churn", Duration.ofSeconds(1), Duration.ofMillis(250), 64);
        AtomicInteger closedHandedOut = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        AtomicInteger maxUsers = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread w = new Thread(() -> {
                try {
                    go.await();
                    for (int i = 0; i < iterations; i++) {
                        MonitorRegistry.Lease l = registry.acquire(key("churn"), s, Map.of(), new EventBus(List.of()), bus -> {
                            started.incrementAndGet();
                            TopologyMonitor m = new TopologyMonitor(s, provider, bus);
                            m.start();
                            return new MonitorRegistry.Started(m, resourcesClosed::incrementAndGet);
                        });
                        if (l.monitor().isClosed()) {
                            closedHandedOut.incrementAndGet();
                        }
                        maxUsers.accumulateAndGet(l.users(), Math::max);
                        l.monitor().snapshot().writer();
                        l.close();
                    }
                } catch (Throwable e) {
                    errors.incrementAndGet();
                    e.printStackTrace();
                }
            });
            w.start();
            workers.add(w);
        }
        go.countDown();
        for (Thread w : workers) {
            w.join(TimeUnit.MINUTES.toMillis(2));
        }
        System.out.printf("[MonitorRegistryTest] %d threads x %d acquire/close: %d monitors started, %d stopped, max %d users at once%n",
                threads, iterations, started.get(), resourcesClosed.get(), maxUsers.get());
        assertThat(errors).hasValue(0);
        assertThat(closedHandedOut).hasValue(0);
        assertThat(registry.monitors()).isZero();
        assertThat(resourcesClosed.get()).isEqualTo(started.get());
        assertThat(maxUsers.get()).as("monitors were shared while the threads overlapped").isGreaterThan(1);
        assertThat(started.get()).as("far fewer monitors than acquisitions").isLessThan(threads * iterations);
        assertThat(monitorThreads("churn")).isZero();
    }
}
