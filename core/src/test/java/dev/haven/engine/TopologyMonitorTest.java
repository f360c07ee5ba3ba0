package dev.haven.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.Endpoint;
import dev.haven.Position;
import dev.haven.Role;
import dev.haven.event.HavenEvent;
import dev.haven.spi.Probe;
import dev.haven.spi.TopologyProvider;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Drives probe rounds by hand against a scripted provider; time is a fake ticker. */
class TopologyMonitorTest {

    private static final long S = 1_000_000_000L;

    private final AtomicLong now = new AtomicLong(1000 * S);
    private final Map<String, Object> answers = new ConcurrentHashMap<>(); // id -> Probe or Exception
    private final List<HavenEvent> events = new CopyOnWriteArrayList<>();
    private final Endpoint a = Endpoint.of("a", 1), b = Endpoint.of("b", 1), c = Endpoint.of("c", 1);
    private TopologyMonitor monitor;

    private final TopologyProvider provider = (endpoint, timeout) -> {
        Object o = answers.get(endpoint.id());
        if (o instanceof Exception e) {
            throw e;
        }
        if (o instanceof CountDownLatch hang) { // a probe that hangs until released, then answers as writer
            hang.await(5, TimeUnit.SECONDS);
            return writer(1, 500);
        }
        if (o == null) {
            throw new java.net.ConnectException("Connection refused");
        }
        return (Probe) o;
    };

    private TopologyMonitor monitor(Endpoint... seeds) {
        return monitor(Duration.ofSeconds(2), seeds);
    }

    private TopologyMonitor monitor(Duration probeTimeout, Endpoint... seeds) {
        MonitorSettings s = new MonitorSettings("test", List.of(seeds), e -> e.withLocation("r", e.host().equals("c") ? "z2" : "z1"),
                Duration.ofSeconds(1), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofSeconds(5), probeTimeout, 100,
                CircuitBreakerConfig.ofDefaults(), now::get, Clock.systemUTC());
        monitor = new TopologyMonitor(s, provider, new EventBus(List.of(events::add)));
        return monitor;
    }

    @AfterEach
    void close() {
        if (monitor != null) {
            monitor.close();
        }
    }

    private static Probe writer(long timeline, long lsn) {
        return new Probe(Role.WRITER, timeline, Position.offset(lsn), List.of());
    }

    private static Probe reader(long lsn) {
        return new Probe(Role.READER, 0, Position.offset(lsn), List.of());
    }

    @Test
    void nextRoundCompletesWhenARoundCompletesAndOnClose() {
        answers.put("a:1", writer(1, 500));
        TopologyMonitor m = monitor(a);
        var first = m.nextRound();
        assertThat(first).isNotDone();
        m.round();
        assertThat(first).isCompleted();
        var second = m.nextRound();
        assertThat(second).as("a fresh future for the following round").isNotDone();
        m.close();
        assertThat(second).isCompleted();
        assertThat(m.nextRound()).as("after close: complete at once").isCompleted();
    }

    @Test
    void theLatestProbeFailureOfAnEndpointIsKeptUntilAProbeAnswers() {
        answers.put("a:1", new java.sql.SQLException("SSL error: PKIX path building failed", "08006"));
        TopologyMonitor m = monitor(a);
        m.round();
        assertThat(m.snapshot().state("a:1").lastProbeFailure()).as("after a failed probe")
                .isEqualTo("SQLException: SSL error: PKIX path building failed");
        answers.put("a:1", new java.net.ConnectException("Connection refused"));
        now.addAndGet(S);
        m.round();
        assertThat(m.snapshot().state("a:1").lastProbeFailure()).as("the latest failure").isEqualTo(
                "ConnectException: Connection refused");
        answers.put("a:1", writer(1, 500));
        now.addAndGet(S);
        m.round();
        assertThat(m.snapshot().state("a:1").lastProbeFailure()).as("once a probe answered").isNull();
    }

    @Test
    void aSlowProbeOfAServerThatAnswersRequestsDoesNotDeclareItDownButAHungOneIs() throws Exception {
        answers.put("a:1", writer(1, 500));
        answers.put("b:1", reader(500));
        TopologyMonitor m = monitor(Duration.ofMillis(50), a, b);
        m.round();
        EndpointState writer = m.snapshot().state("a:1");

        // Hung early in the probe's time: the requests answered just after it was sent do not vouch for the server.
        CountDownLatch early = new CountDownLatch(1);
        answers.put("a:1", early);
        writer.answered(now.get() + Duration.ofMillis(10).toNanos()); // 10 of the probe's 50 ms
        m.round();
        early.countDown();
        assertThat(m.snapshot().topology().writer()).as("frozen 10 ms into the probe: down at its timeout").isEmpty();
        assertThat(events).filteredOn(HavenEvent.EndpointDown.class::isInstance).hasSize(1);
        awaitProbeReturned(writer);
        answers.put("a:1", writer(1, 500));
        now.addAndGet(S);
        m.round();
        assertThat(m.snapshot().topology().writer()).map(Endpoint::id).contains("a:1");
        events.clear();

        // Loaded: the probe takes longer than its timeout, but requests are answered late in its time.
        CountDownLatch slow = new CountDownLatch(1);
        answers.put("a:1", slow);
        writer.answered(now.get() + Duration.ofMillis(40).toNanos());
        m.round();
        assertThat(m.snapshot().topology().writer()).map(Endpoint::id).contains("a:1");
        assertThat(writer.available()).isTrue();
        assertThat(events).noneMatch(e -> e instanceof HavenEvent.EndpointDown || e instanceof HavenEvent.FailoverStarted);
        slow.countDown();
        awaitProbeReturned(writer);

        // A connection failure was reported, then a request was answered: alive, no probe needed to clear it.
        now.addAndGet(S);
        writer.suspect(now.get());
        assertThat(writer.available()).as("suspect: out of routing").isFalse();
        writer.answered(now.get() + 1);
        assertThat(writer.available()).as("answered after the failure: back in routing").isTrue();
        writer.suspect(now.get() + 2);
        answers.put("a:1", writer(1, 500));
        now.addAndGet(S);
        m.round();
        assertThat(writer.available()).as("a probe sent after the failure answered: suspicion cleared").isTrue();

        // Hung: nothing answered since the probe was sent.
        CountDownLatch hung = new CountDownLatch(1);
        answers.put("a:1", hung);
        now.addAndGet(S);
        m.round();
        hung.countDown();
        assertThat(m.snapshot().topology().writer()).isEmpty();
        assertThat(events).filteredOn(HavenEvent.EndpointDown.class::isInstance).hasSize(1);
        assertThat(events).filteredOn(HavenEvent.FailoverStarted.class::isInstance).hasSize(1);
    }

    @Test
    void aProbeTheDriverTimedOutCountsAsSlowWhileRequestsAreAnswered() {
        answers.put("a:1", writer(1, 500));
        answers.put("b:1", reader(500));
        TopologyMonitor m = monitor(a, b);
        m.round();
        EndpointState writer = m.snapshot().state("a:1");
        // pgjdbc's network timeout on the probe connection: an I/O error caused by a socket timeout, before ours fires
        answers.put("a:1", new java.sql.SQLException("An I/O error occurred while sending to the backend.", "08006",
                new java.net.SocketTimeoutException("Read timed out")));
        writer.answered(now.get() + Duration.ofSeconds(1).toNanos()); // a request answered late while the probe was out
        m.round();
        assertThat(m.snapshot().topology().writer()).as("loaded, not dead: still the writer").map(Endpoint::id).contains("a:1");
        assertThat(events).noneMatch(e -> e instanceof HavenEvent.EndpointDown);
        // the same failure with no request answered since: down
        now.addAndGet(S);
        m.round();
        assertThat(m.snapshot().topology().writer()).isEmpty();
        assertThat(events).filteredOn(HavenEvent.EndpointDown.class::isInstance).hasSize(1);
    }

    private static void awaitProbeReturned(EndpointState s) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (s.probeInFlight && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertThat(s.probeInFlight).as("released probe returned").isFalse();
    }

    @Test
    void aDiscoveredReplicaPromotedToWriterIsNotForgottenAfterOneFailedProbe() {
        // Seed a reports b; a dies and b is promoted: b is the writer, and nobody lists it (a writer does not list
        // itself). One failed probe of b must not make Haven forget the only writer it can still reach.
        answers.put("a:1", new Probe(Role.WRITER, 1, Position.offset(500), List.of(b)));
        TopologyMonitor m = monitor(a);
        m.round();
        answers.put("b:1", reader(500));
        m.round();
        assertThat(m.snapshot().topology().readers()).extracting(Endpoint::id).containsExactly("b:1");
        answers.remove("a:1");
        answers.put("b:1", writer(2, 600));
        for (int i = 0; i < 5; i++) {
            now.addAndGet(S);
            m.round();
        }
        assertThat(m.snapshot().topology().writer()).map(Endpoint::id).contains("b:1");
        answers.put("b:1", new java.net.SocketException("I/O error"));
        now.addAndGet(S);
        m.round();
        assertThat(m.snapshot().state("b:1")).as("still known, down for now").isNotNull();
        answers.put("b:1", writer(2, 700));
        now.addAndGet(S);
        m.round();
        assertThat(m.snapshot().topology().writer()).map(Endpoint::id).contains("b:1");
    }

    @Test
    void firstRoundFindsWriterAndReadersAndMeasuresFreshness() {
        answers.put("a:1", writer(1, 500));
        answers.put("b:1", reader(500));
        answers.put("c:1", reader(400));
        TopologyMonitor m = monitor(a, b, c);
        m.round();
        var snap = m.snapshot();
        assertThat(snap.topology().writer()).map(Endpoint::id).contains("a:1");
        assertThat(snap.topology().readers()).extracting(Endpoint::id).containsExactly("b:1", "c:1");
        assertThat(snap.state("c:1").endpoint().zone()).isEqualTo("z2");
        assertThat(snap.state("b:1").freshAsOfNanos()).isEqualTo(1000 * S);
        assertThat(snap.state("c:1").freshAsOfNanos()).isEqualTo(LagTracker.UNKNOWN);
        assertThat(events).first().isInstanceOf(HavenEvent.TopologyChanged.class);
    }

    @Test
    void writerLossAndPromotionRaiseFailoverEventsWithDuration() {
        answers.put("a:1", writer(1, 500));
        answers.put("b:1", reader(500));
        TopologyMonitor m = monitor(a, b);
        m.round();
        answers.remove("a:1");
        now.addAndGet(S);
        m.round();
        assertThat(m.snapshot().topology().writer()).isEmpty();
        assertThat(events).filteredOn(HavenEvent.FailoverStarted.class::isInstance).hasSize(1);
        assertThat(events).filteredOn(HavenEvent.EndpointDown.class::isInstance).hasSize(1);

        answers.put("b:1", writer(2, 600));
        now.addAndGet(700_000_000L);
        m.round();
        assertThat(m.snapshot().topology().writer()).map(Endpoint::id).contains("b:1");
        HavenEvent.FailoverCompleted done = events.stream().filter(HavenEvent.FailoverCompleted.class::isInstance)
                .map(HavenEvent.FailoverCompleted.class::cast).findFirst().orElseThrow();
        assertThat(done.duration()).isEqualTo(Duration.ofMillis(700));
        assertThat(done.oldWriter().id()).isEqualTo("a:1");
        assertThat(done.newWriter().id()).isEqualTo("b:1");
    }

    @Test
    void oldWriterComingBackOnALowerTimelineIsFencedNotTrusted() {
        answers.put("a:1", writer(1, 500));
        answers.put("b:1", reader(500));
        TopologyMonitor m = monitor(a, b);
        m.round();
        answers.put("b:1", writer(2, 600)); // promoted
        answers.put("a:1", writer(1, 700)); // old primary restarted as primary: split brain
        m.round();
        var t = m.snapshot().topology();
        assertThat(t.writer()).map(Endpoint::id).contains("b:1");
        assertThat(t.endpoint("a:1").orElseThrow().role()).isEqualTo(Role.UNKNOWN);
    }

    @Test
    void equalEpochsAmongStrangersYieldNoWriter() {
        answers.put("a:1", writer(3, 1));
        answers.put("b:1", writer(3, 1));
        assertThat(TopologyMonitor.resolveWriter(Map.of("a", writer(3, 1), "b", writer(3, 1)), null)).isNull();
        assertThat(TopologyMonitor.resolveWriter(Map.of("a", writer(3, 1), "b", writer(3, 1)), "b")).isEqualTo("b");
        assertThat(TopologyMonitor.resolveWriter(Map.of("a", writer(3, 1), "b", writer(4, 1)), "a")).isEqualTo("b");
    }

    @Test
    void replicaLagIsMeasuredFromWriterHistory() {
        answers.put("a:1", writer(1, 100));
        answers.put("b:1", reader(100));
        TopologyMonitor m = monitor(a, b);
        m.round();
        for (int i = 1; i <= 5; i++) { // writer advances 10 per second, replica stuck at 100
            now.addAndGet(S);
            answers.put("a:1", writer(1, 100 + 10L * i));
            m.round();
        }
        long fresh = m.snapshot().state("b:1").freshAsOfNanos();
        assertThat(LagTracker.stalenessNanos(fresh, now.get())).isEqualTo(5 * S);
        answers.put("b:1", reader(150)); // caught up
        m.round();
        assertThat(LagTracker.stalenessNanos(m.snapshot().state("b:1").freshAsOfNanos(), now.get())).isZero();
    }

    @Test
    void discoveredReplicasJoinAndLeaveWithoutRestart() {
        Endpoint d = Endpoint.of("d", 1);
        answers.put("a:1", new Probe(Role.WRITER, 1, Position.offset(10), List.of(d)));
        answers.put("d:1", reader(10));
        TopologyMonitor m = monitor(a);
        m.round();
        m.round();
        assertThat(m.snapshot().topology().readers()).extracting(Endpoint::id).containsExactly("d:1");
        answers.put("a:1", writer(1, 10));
        answers.remove("d:1");
        for (int i = 0; i < 4; i++) {
            m.round();
        }
        assertThat(m.snapshot().topology().endpoints()).extracting(Endpoint::id).containsExactly("a:1");
    }

    @Test
    void slowProbeMarksEndpointDownWithinTheProbeTimeout() throws Exception {
        answers.put("a:1", writer(1, 10));
        MonitorSettings s = new MonitorSettings("t", List.of(a, b), e -> e, Duration.ofSeconds(1), Duration.ofMillis(100),
                Duration.ofMillis(250), Duration.ofSeconds(5), Duration.ofMillis(200), 10, CircuitBreakerConfig.ofDefaults(), System::nanoTime,
                Clock.systemUTC());
        var blocked = new java.util.concurrent.CountDownLatch(1);
        TopologyProvider hanging = (e, timeout) -> {
            if (e.id().equals("b:1")) {
                blocked.await(5, java.util.concurrent.TimeUnit.SECONDS); // a blackhole
                throw new java.net.SocketTimeoutException("read timed out");
            }
            return writer(1, 10);
        };
        monitor = new TopologyMonitor(s, hanging, new EventBus(List.of(events::add)));
        long t0 = System.nanoTime();
        monitor.round();
        long took = System.nanoTime() - t0;
        blocked.countDown();
        assertThat(took).as("a round with one probe blocked 5 s (half of it as margin)").isLessThan(2_500_000_000L);
        assertThat(monitor.snapshot().state("b:1").up()).isFalse();
        assertThat(events).filteredOn(HavenEvent.EndpointDown.class::isInstance)
                .extracting(ev -> ((HavenEvent.EndpointDown) ev).reason()).containsExactly("probe timed out after 200 ms");
    }
}
