package dev.haven.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.Consistency;
import dev.haven.Endpoint;
import dev.haven.Position;
import dev.haven.Role;
import dev.haven.Ticker;
import dev.haven.engine.EventBus;
import dev.haven.engine.MonitorSettings;
import dev.haven.engine.RetryBudget;
import dev.haven.engine.Router;
import dev.haven.engine.TopologyMonitor;
import dev.haven.redis.HavenRedisUnavailableException;
import dev.haven.redis.HavenRedisWriteOutcomeUnknownException;
import dev.haven.spi.Probe;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.netty.util.HashedWheelTimer;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link AsyncRouting} over a fake topology (a monitor fed by a scripted provider) and fake node connections whose
 * async commands answer from a script: what a caller of the async view sees when nodes fail, refuse or go silent.
 */
class AsyncRoutingTest {

    static final Endpoint PRIMARY = Endpoint.of("10.0.0.1", 6379);
    static final Endpoint R1 = Endpoint.of("10.0.0.2", 6379);
    static final Endpoint R2 = Endpoint.of("10.0.0.3", 6379);
    static final Method GET = method("get", Object.class);
    static final Method SET = method("set", Object.class, Object.class);
    /**
     * The scripted probes answer from memory at once; a short timeout only let a loaded machine declare every node
     * down (probe threads not scheduled within it), and then a read with writer-wait 0 had nowhere to go
     * ({@code aReadIsRetriedOnAnotherNodeAlsoWithWriterWaitZero} failed once at load ~9). Nothing here tests probe timeouts.
     */
    static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);

    /** What a fake node answers to the next command: a value, an exception, or nothing at all. */
    record Answer(Object value, RuntimeException error, boolean silent) {
        static Answer of(Object v) {
            return new Answer(v, null, false);
        }

        static Answer fail(RuntimeException e) {
            return new Answer(null, e, false);
        }

        static Answer silence() {
            return new Answer(null, null, true);
        }
    }

    private final Map<String, Probe> probes = new ConcurrentHashMap<>();
    private final Map<String, Deque<Answer>> script = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> sent = new ConcurrentHashMap<>();
    private final List<String> sendThreads = new CopyOnWriteArrayList<>();
    private final List<CompletableFuture<Object>> silent = new CopyOnWriteArrayList<>();
    private final ExecutorService executor = Executors.newFixedThreadPool(2, r -> new Thread(r, "test-continuations"));
    private final HashedWheelTimer timer = new HashedWheelTimer(10, TimeUnit.MILLISECONDS);
    private TopologyMonitor monitor;
    private final AtomicBoolean closed = new AtomicBoolean();

    @AfterEach
    void tearDown() throws InterruptedException {
        if (monitor != null) {
            monitor.close();
        }
        timer.stop();
        executor.shutdownNow();
        assertThat(executor.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aReadThatTimesOutOnBothReplicasIsServedByThePrimaryWithOneSendPerNode() throws Exception {
        AsyncRouting routing = start(Duration.ofSeconds(2));
        script(R1, Answer.fail(new RedisCommandTimeoutException("Command timed out after 100 millisecond(s)")));
        script(R2, Answer.fail(new RedisCommandTimeoutException("Command timed out after 100 millisecond(s)")));
        script(PRIMARY, Answer.of("v"));
        CompletableFuture<Object> f = routing.read(Consistency.EVENTUAL, new Session(), GET, new Object[] {"k"});
        assertThat(f.get(5, TimeUnit.SECONDS)).isEqualTo("v");
        assertThat(List.of(sent(R1), sent(R2), sent(PRIMARY))).as("sends to R1, R2, primary").containsExactly(1, 1, 1);
    }

    @Test
    void aReadIsRetriedOnAnotherNodeAlsoWithWriterWaitZero() throws Exception {
        // writer-wait bounds waits for a qualifying node, not retries on nodes that are there
        AsyncRouting routing = start(Duration.ZERO);
        script(R1, Answer.fail(new RedisCommandTimeoutException("Command timed out after 100 millisecond(s)")));
        script(R2, Answer.fail(new RedisCommandTimeoutException("Command timed out after 100 millisecond(s)")));
        script(PRIMARY, Answer.of("v"));
        CompletableFuture<Object> f = routing.read(Consistency.EVENTUAL, new Session(), GET, new Object[] {"k"});
        assertThat(f.get(5, TimeUnit.SECONDS)).isEqualTo("v");
        assertThat(sent(R1) + sent(R2) + sent(PRIMARY)).isEqualTo(3);
    }

    @Test
    void aReadOutOfAttemptsSurfacesTheLastNodesFailure() {
        AsyncRouting routing = start(Duration.ofSeconds(2));
        RedisCommandTimeoutException timeout = new RedisCommandTimeoutException("Command timed out after 100 millisecond(s)");
        script(R1, Answer.fail(timeout));
        script(R2, Answer.fail(timeout));
        script(PRIMARY, Answer.fail(timeout));
        CompletableFuture<Object> f = routing.read(Consistency.EVENTUAL, new Session(), GET, new Object[] {"k"});
        assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS)).cause().isSameAs(timeout);
        assertThat(sent(R1) + sent(R2) + sent(PRIMARY)).as("sends, retry.max-attempts = 3").isEqualTo(3);
    }

    @Test
    void aWriteWhoseOutcomeIsUnknownFailsWithThatAndIsNeverResent() throws Exception {
        AsyncRouting routing = start(Duration.ofSeconds(2));
        script(PRIMARY, Answer.fail(new RedisException("Connection closed")), Answer.of("OK"));
        CompletableFuture<Object> f = routing.write(new Session(), SET, new Object[] {"k", "v"});
        assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(HavenRedisWriteOutcomeUnknownException.class);
        assertThat(sent(PRIMARY)).as("times the write was sent").isEqualTo(1);
    }

    @Test
    void aWriteThatGetsNoAnswerTimesOutAsUnknownOutcomeAndIsCancelled() throws Exception {
        AsyncRouting routing = start(Duration.ofSeconds(2));
        script(PRIMARY, Answer.silence());
        long t0 = System.nanoTime();
        CompletableFuture<Object> f = routing.write(new Session(), SET, new Object[] {"k", "v"});
        assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS)).cause().isInstanceOf(HavenRedisWriteOutcomeUnknownException.class)
                .hasRootCauseInstanceOf(RedisCommandTimeoutException.class);
        long tookMs = (System.nanoTime() - t0) / 1_000_000;
        assertThat(tookMs).as("ms until the unanswered write failed (command timeout 100 ms)").isBetween(90L, 2000L);
        // The caller's future fails first; the timer thread cancels the unanswered command right after.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (!silent.isEmpty() && !silent.get(0).isCancelled() && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertThat(silent).singleElement().matches(CompletableFuture::isCancelled, "the unanswered command is cancelled");
        assertThat(sent(PRIMARY)).isEqualTo(1);
    }

    @Test
    void aWriteRefusedReadOnlyIsResentAfterAMonitorRoundAndNotOnTheMonitorThread() throws Exception {
        AsyncRouting routing = start(Duration.ofSeconds(3));
        script(PRIMARY, Answer.fail(new RedisCommandExecutionException("READONLY You can't write against a read only replica.")),
                Answer.of("OK"));
        long rounds0 = monitor.roundsCompleted();
        CompletableFuture<Object> f = routing.write(new Session(), SET, new Object[] {"k", "v"});
        assertThat(f.get(5, TimeUnit.SECONDS)).isEqualTo("OK");
        assertThat(sent(PRIMARY)).as("sent twice: READONLY means it did not run").isEqualTo(2);
        assertThat(monitor.roundsCompleted()).as("monitor rounds before the re-send").isGreaterThan(rounds0);
        assertThat(sendThreads).as("threads that sent the write").hasSize(2).noneMatch(t -> t.startsWith("haven-monitor"));
        assertThat(sendThreads.get(1)).isEqualTo("test-continuations");
    }

    @Test
    void anApplicationErrorIsTheCallersAnswerNotRetried() {
        AsyncRouting routing = start(Duration.ofSeconds(2));
        script(PRIMARY, Answer.fail(new RedisCommandExecutionException("WRONGTYPE Operation against a key holding the wrong kind of value")));
        CompletableFuture<Object> f = routing.read(Consistency.STRONG, new Session(), GET, new Object[] {"k"});
        assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS)).cause().isInstanceOf(RedisCommandExecutionException.class)
                .hasMessageStartingWith("WRONGTYPE");
        assertThat(sent(PRIMARY)).isEqualTo(1);
    }

    @Test
    void withoutAPrimaryAWriteFailsUnavailableAfterWriterWaitWithoutBeingSent() {
        probes.put(PRIMARY.id(), new Probe(Role.READER, 0, Position.offset(100), List.of()));
        AsyncRouting routing = start(Duration.ofMillis(300));
        long t0 = System.nanoTime();
        CompletableFuture<Object> f = routing.write(new Session(), SET, new Object[] {"k", "v"});
        // (whether write() itself returned at once is a race against the 300 ms wait on a busy machine; AsyncRoutingIT
        // checks that 1,000 commands are issued without waiting)
        assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS)).cause().isInstanceOf(HavenRedisUnavailableException.class);
        long tookMs = (System.nanoTime() - t0) / 1_000_000;
        // not before writer-wait; f.get's 5 s bound the other side (a starved test JVM took 3.7 s at load 10)
        assertThat(tookMs).as("ms until unavailable (writer-wait 300 ms)").isGreaterThanOrEqualTo(290L);
        assertThat(sent(PRIMARY)).isZero();
    }

    @Test
    void aSessionReadAfterAnAsyncWriteGoesOnlyWhereTheWriteIs() throws Exception {
        AsyncRouting routing = start(Duration.ofSeconds(2));
        Session session = new Session();
        script(PRIMARY, Answer.of("OK"), Answer.of("mine"));
        // The primary's offset after the write is 1000 (its INFO answer); both replicas are at 100.
        infoOffset.set(1000);
        assertThat(routing.write(session, SET, new Object[] {"k", "mine"}).get(5, TimeUnit.SECONDS)).isEqualTo("OK");
        CompletableFuture<Object> read = routing.read(Consistency.SESSION, session, GET, new Object[] {"k"});
        assertThat(read.get(5, TimeUnit.SECONDS)).isEqualTo("mine");
        assertThat(sent(R1) + sent(R2)).as("SESSION reads on replicas behind the session's write").isZero();
    }

    // ------------------------------------------------------------------------------------------------ fixture

    private final AtomicInteger infoOffset = new AtomicInteger(-1);

    private AsyncRouting start(Duration writerWait) {
        probes.putIfAbsent(PRIMARY.id(), new Probe(Role.WRITER, 1, Position.offset(100), List.of()));
        probes.putIfAbsent(R1.id(), new Probe(Role.READER, 0, Position.offset(100), List.of()));
        probes.putIfAbsent(R2.id(), new Probe(Role.READER, 0, Position.offset(100), List.of()));
        Ticker ticker = Ticker.system();
        dev.haven.config.Settings keys = dev.haven.redis.RedisKeys.SPEC.newBuilder()
                .set(dev.haven.redis.RedisKeys.CLUSTER_NAME, "unit")
                .set(dev.haven.redis.RedisKeys.ATTEMPT_TIMEOUT, Duration.ofMillis(100))
                .set(dev.haven.redis.RedisKeys.CONNECT_TIMEOUT, Duration.ofMillis(100))
                .set(dev.haven.redis.RedisKeys.PROBE_INTERVAL, Duration.ofMillis(200))
                .set(dev.haven.redis.RedisKeys.FAST_PROBE_INTERVAL, Duration.ofMillis(50))
                .set(dev.haven.redis.RedisKeys.PROBE_TIMEOUT, PROBE_TIMEOUT)
                .set(dev.haven.redis.RedisKeys.WRITER_WAIT, writerWait)
                .set(dev.haven.redis.RedisKeys.RETRY_BUDGET_RATIO, 0.5)
                .set(dev.haven.redis.RedisKeys.RETRY_BUDGET_RESERVE, 100)
                .set(dev.haven.redis.RedisKeys.REQUEST_QUEUE_SIZE, 1000).build();
        RedisSettings settings = new RedisSettings(keys, List.of(), null, List.of(PRIMARY, R1, R2), null, null, Map.of(), List.of(),
                ticker, Clock.systemUTC(), null, Map.of());
        MonitorSettings ms = new MonitorSettings("unit", List.of(PRIMARY, R1, R2), e -> e, Duration.ofMillis(200), Duration.ofMillis(50),
                Duration.ofMillis(50), Duration.ofSeconds(5), PROBE_TIMEOUT, 64, CircuitBreakerConfig.ofDefaults(), ticker,
                Clock.systemUTC());
        monitor = new TopologyMonitor(ms, (e, timeout) -> probes.get(e.id()), new EventBus(List.of()));
        monitor.start();
        Router router = new Router("", "");
        RetryBudget budget = new RetryBudget(0.5, 100, ticker);
        EventBus events = new EventBus(List.of());
        Map<String, NodeLink> links = new ConcurrentHashMap<>();
        RouteContext ctx = new RouteContext() {
            public RedisSettings settings() {
                return settings;
            }

            public TopologyMonitor monitor() {
                return monitor;
            }

            public Router router() {
                return router;
            }

            public RetryBudget budget() {
                return budget;
            }

            public EventBus events() {
                return events;
            }

            public boolean isClosed() {
                return closed.get();
            }

            public NodeLink link(Endpoint e) {
                return links.computeIfAbsent(e.id(), id -> fakeLink(id));
            }
        };
        return new AsyncRouting(ctx, executor, timer);
    }

    private void script(Endpoint e, Answer... answers) {
        script.computeIfAbsent(e.id(), id -> new ArrayDeque<>()).addAll(List.of(answers));
    }

    private int sent(Endpoint e) {
        return sent.computeIfAbsent(e.id(), id -> new AtomicInteger()).get();
    }

    @SuppressWarnings("unchecked")
    private NodeLink fakeLink(String id) {
        RedisAsyncCommands<String, String> commands = (RedisAsyncCommands<String, String>) Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {RedisAsyncCommands.class}, (proxy, m, args) -> {
                    if (m.getName().equals("info")) {
                        int offset = infoOffset.get();
                        return completed("role:master\r\nmaster_repl_offset:" + (offset < 0 ? 0 : offset) + "\r\n");
                    }
                    sent.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
                    sendThreads.add(Thread.currentThread().getName());
                    Deque<Answer> answers = script.get(id);
                    Answer a;
                    synchronized (this) {
                        a = answers == null ? null : answers.pollFirst();
                    }
                    if (a == null) {
                        return failed(new IllegalStateException("no scripted answer for " + m.getName() + " on " + id));
                    }
                    if (a.silent()) {
                        RoutedFuture<Object> f = new RoutedFuture<>();
                        silent.add(f);
                        return f;
                    }
                    return a.error() != null ? failed(a.error()) : completed(a.value());
                });
        StatefulRedisConnection<String, String> connection = (StatefulRedisConnection<String, String>) Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {StatefulRedisConnection.class}, (proxy, m, args) -> switch (m.getName()) {
                    case "async" -> commands;
                    case "isOpen" -> true;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(m.getName());
                });
        return new NodeLink() {
            public StatefulRedisConnection<String, String> get() {
                return connection;
            }

            public CompletionStage<StatefulRedisConnection<String, String>> getAsync() {
                return CompletableFuture.completedFuture(connection);
            }

            public void reset(StatefulRedisConnection<String, String> c) {
            }
        };
    }

    private static RoutedFuture<Object> completed(Object v) {
        RoutedFuture<Object> f = new RoutedFuture<>();
        f.complete(v);
        return f;
    }

    private static RoutedFuture<Object> failed(Throwable t) {
        RoutedFuture<Object> f = new RoutedFuture<>();
        f.completeExceptionally(t);
        return f;
    }

    private static Method method(String name, Class<?>... types) {
        try {
            return RedisAsyncCommands.class.getMethod(name, types);
        } catch (NoSuchMethodException e) {
            throw new AssertionError(e);
        }
    }
}
