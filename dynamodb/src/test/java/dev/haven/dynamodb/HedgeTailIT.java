package dev.haven.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.event.HavenEvent;
import dev.haven.testkit.dynamodb.DynamoDbRegions;
import dev.haven.testkit.dynamodb.HavenDynamoDb;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * The hedging tail when the home region hangs (issue 16, part 4): 12 reader threads read through a client whose local
 * region is home; home is then hung for 3 s, by SIGSTOP of its server and by a blackhole at its proxy. Once hedges win
 * against home (or its attempts time out), reads must stop going there first, and no read may wait for the attempt
 * timeout because the hedge budget ran dry.
 *
 * <p>Asserted, with bounds that hold on a loaded CI machine: 0 read errors; at most 10 % more read requests than reads
 * over the run (counted at the HTTP client: hedges and retries alike); from 100 ms after the hang on, no read waits half
 * the attempt timeout (a read whose first call there ran on its own thread
 * waited all of the 2 s attempt timeout, even after its hedge had answered: the blackholed proxy's listen queue fills,
 * a new connection's TCP connect then hangs, and an HTTP client cannot abort a connect; fixed, see Hedging; and with
 * both regions demoted by the machine's load, reads waited for the hedge budget's refill; fixed too). The issue's
 * target is printed beside: from 100 ms after the
 * hang, the longest wait against {@code hedge delay + 2 x p99} of the 3 s before it, and the share of extra requests
 * against 5 % (met at load 1–3: longest wait 23–53 ms against bounds of 60–63 ms, 0.3–0.9 % extra).
 */
@HavenDynamoDb(regions = {"us-east-1", "us-west-2"}, replicationDelay = "200ms", perClass = true)
class HedgeTailIT {

    private static final String HOME = "us-east-1";
    private static final String OTHER = "us-west-2";
    private static final String HEARTBEAT = "haven-heartbeat";
    private static final String TABLE = "tail";
    private static final int ITEMS = 200;
    private static final int READERS = 12;
    private static final Duration HEDGE_DELAY = Duration.ofMillis(25);
    /**
     * Longer than the defaults (700 ms, 500 ms): on a loaded 2-core machine a healthy region's calls and probes take
     * longer than those now and then, and the test is about reads, not about the monitor's verdict. Without demotion a
     * read sent to the hung home region waits the attempt timeout; until the probe timeout has passed nothing else
     * takes home out of the reads' way.
     */
    private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration GRACE = Duration.ofMillis(100);
    /** Asserted: what a loaded machine keeps to (2.8–4.9 % measured at load 9–12). */
    private static final double MAX_EXTRA_REQUESTS = 0.10;
    /**
     * Asserted: half the attempt timeout. Before the fixes reads waited the whole attempt timeout (2 s); with them, in
     * ten runs at load 9-11 the longest wait was 47-748 ms (the 748 ms: five reads that had started 425 ms before
     * the hang and stalled together with the machine).
     */
    private static final Duration MAX_WAIT = ATTEMPT_TIMEOUT.dividedBy(2);
    /** The target, reported. */
    private static final double TARGET_EXTRA_REQUESTS = 0.05;
    /** Reads while home hangs, at least (12 threads for 3 s; thousands on a quiet 2-core machine). */
    private static final int MIN_READS_DURING_HANG = 20;

    private static CreateTableRequest table(String name) {
        return CreateTableRequest.builder().tableName(name)
                .keySchema(KeySchemaElement.builder().attributeName("pk").keyType(KeyType.HASH).build())
                .attributeDefinitions(AttributeDefinition.builder().attributeName("pk").attributeType(ScalarAttributeType.S).build())
                .billingMode(BillingMode.PAY_PER_REQUEST).build();
    }

    @BeforeAll
    static void tables(DynamoDbRegions regions) {
        regions.createGlobalTable(table(HEARTBEAT));
        regions.createGlobalTable(table(TABLE));
        for (int i = 0; i < ITEMS; i++) {
            String pk = "k" + i;
            regions.client(HOME).putItem(b -> b.tableName(TABLE).item(Map.of("pk", AttributeValue.fromS(pk),
                    "v", AttributeValue.fromS("x".repeat(100)))));
        }
        regions.awaitReplicated(Duration.ofSeconds(30));
    }

    @Test
    void homeSuspended_readsStopWaitingForIt(DynamoDbRegions regions) throws Exception {
        hang(regions, "SIGSTOP", regions::suspend, regions::resume);
    }

    @Test
    void homeBlackholed_readsStopWaitingForIt(DynamoDbRegions regions) throws Exception {
        hang(regions, "blackhole", regions::freeze, regions::unfreeze);
    }

    /** One read: when it started (System.nanoTime) and how long it took. */
    private record Read(long startNanos, long tookNanos) {
    }

    private static void hang(DynamoDbRegions regions, String how, Consumer<String> hang, Consumer<String> release)
            throws Exception {
        List<HavenEvent> events = new CopyOnWriteArrayList<>();
        Map<Integer, String> regionByPort = Map.of(regions.endpoint(HOME).getPort(), HOME, regions.endpoint(OTHER).getPort(), OTHER);
        try (CountingHttpClient http = new CountingHttpClient(UrlConnectionHttpClient.builder()
                .connectionTimeout(ATTEMPT_TIMEOUT).socketTimeout(ATTEMPT_TIMEOUT).build());
             HavenDynamoDbClient client = HavenDynamoDbClient.builder().clusterName("tail-" + how)
                     .homeRegion(HOME).region(HOME, regions.endpoint(HOME)).region(OTHER, regions.endpoint(OTHER))
                     .heartbeatTable(HEARTBEAT).credentialsProvider(regions.credentials()).httpClient(http)
                     .deadline(ATTEMPT_TIMEOUT.multipliedBy(3)).attemptTimeout(ATTEMPT_TIMEOUT).probeTimeout(PROBE_TIMEOUT)
                     .hedgeDelay(HEDGE_DELAY)
                     .listener(events::add).build()) { // local region = home: reads go there first
            AtomicLong hangAt = new AtomicLong(Long.MAX_VALUE);
            AtomicLong downAt = new AtomicLong(Long.MAX_VALUE);
            client.addListener(e -> {
                if (e instanceof HavenEvent.EndpointDown d && d.endpoint().id().equals(HOME)) {
                    downAt.compareAndSet(Long.MAX_VALUE, System.nanoTime());
                }
            });
            AtomicBoolean measuring = new AtomicBoolean();
            AtomicBoolean stop = new AtomicBoolean();
            List<Read> reads = Collections.synchronizedList(new ArrayList<>());
            List<Throwable> errors = new CopyOnWriteArrayList<>();
            List<Thread> readers = new ArrayList<>();
            for (int i = 0; i < READERS; i++) {
                Thread t = new Thread(() -> {
                    while (!stop.get()) {
                        String pk = "k" + ThreadLocalRandom.current().nextInt(ITEMS);
                        boolean counted = measuring.get();
                        long t0 = System.nanoTime();
                        try {
                            client.getItem(b -> b.tableName(TABLE).key(Map.of("pk", AttributeValue.fromS(pk))));
                            if (counted) {
                                reads.add(new Read(t0, System.nanoTime() - t0));
                            }
                        } catch (RuntimeException e) {
                            errors.add(e);
                        }
                    }
                }, "tail-reader-" + i);
                t.setDaemon(true);
                readers.add(t);
                t.start();
            }
            long released;
            long hangTook;
            long requestsBefore;
            long homeBefore;
            int errorsBeforeHang;
            try {
                Thread.sleep(2000); // warm-up: JIT (the servers' and the client's), connections
                requestsBefore = http.total();
                homeBefore = http.count(regions.endpoint(HOME).getPort());
                long hedgeCount = hedges(events);
                measuring.set(true);
                Thread.sleep(3000);
                homeBefore = http.count(regions.endpoint(HOME).getPort()) - homeBefore;
                errorsBeforeHang = errors.size();
                long asked = System.nanoTime();
                hang.accept(HOME); // SIGSTOP: returns once kill(1) has delivered it (tens of ms on a busy machine)
                hangAt.set(System.nanoTime());
                hangTook = hangAt.get() - asked;
                try {
                    Thread.sleep(3000);
                } finally {
                    released = System.nanoTime();
                    release.accept(HOME);
                }
                Thread.sleep(1500);
                measuring.set(false);
                stop.set(true);
                for (Thread t : readers) {
                    t.join(10_000);
                }
                hedgeCount = hedges(events) - hedgeCount;
                long requests = http.total() - requestsBefore;
                List<Read> all = List.copyOf(reads);
                long t0 = hangAt.get();
                List<Long> before = all.stream().filter(r -> r.startNanos + r.tookNanos < t0).map(Read::tookNanos).toList();
                long graceEnd = t0 + GRACE.toNanos();
                // Every read in progress after the first 100 ms of the hang, and how long it waited from then on (from its
                // start if later): a read sent to home just before the hang and still waiting at 2 s counts too.
                List<Long> afterGrace = all.stream().filter(r -> r.startNanos + r.tookNanos >= graceEnd && r.startNanos < released)
                        .map(r -> r.startNanos + r.tookNanos - Math.max(r.startNanos, graceEnd)).toList();
                List<Long> inFlightAtHang = all.stream().filter(r -> r.startNanos < t0 + GRACE.toNanos()
                        && r.startNanos + r.tookNanos >= t0).map(Read::tookNanos).toList();
                List<Long> afterRelease = all.stream().filter(r -> r.startNanos >= released).map(Read::tookNanos).toList();
                long p99Before = percentile(before, 0.99);
                long bound = HEDGE_DELAY.toNanos() + 2 * p99Before;
                long maxAfterGrace = afterGrace.isEmpty() ? 0 : Collections.max(afterGrace);
                long slow = afterGrace.stream().filter(t -> t > bound).count();
                double extra = (requests - all.size()) / (double) all.size();
                System.out.printf("[HedgeTailIT] %s, %d readers, hedge delay %d ms: %d reads, %d read requests (%.2f %% extra), "
                        + "%d hedges; hanging took %d ms; before the hang %d reads (%d requests to home), p50 %.1f ms p99 %.1f ms max %.1f ms; "
                        + "reads in progress from %d ms after the hang on: %d, "
                        + "waits p99 %.1f ms, max %.1f ms, %d longer than the bound %.1f ms; reads in flight in the first %d ms: "
                        + "max %.1f ms; home declared down %d ms after the hang; after the release: %d reads, max %.1f ms; "
                        + "requests by region %s; errors %d %s%n",
                        how, READERS, HEDGE_DELAY.toMillis(), all.size(), requests, 100 * extra, hedgeCount, hangTook / 1_000_000, before.size(), homeBefore,
                        ms(percentile(before, 0.5)), ms(p99Before), ms(before.isEmpty() ? 0 : Collections.max(before)),
                        GRACE.toMillis(), afterGrace.size(), ms(percentile(afterGrace, 0.99)), ms(maxAfterGrace), slow, ms(bound),
                        GRACE.toMillis(), ms(inFlightAtHang.isEmpty() ? 0 : Collections.max(inFlightAtHang)),
                        downAt.get() == Long.MAX_VALUE ? -1 : (downAt.get() - t0) / 1_000_000, afterRelease.size(),
                        ms(afterRelease.isEmpty() ? 0 : Collections.max(afterRelease)), http.byRegion(regionByPort),
                        errors.size(), errors.isEmpty() ? "" : errors.get(0));
                List<String> slowest = all.stream().filter(r -> r.startNanos + r.tookNanos >= t0 && r.startNanos < released)
                        .sorted((a, b) -> Long.compare(b.tookNanos, a.tookNanos)).limit(8)
                        .map(r -> String.format("%.0f ms at +%d ms", ms(r.tookNanos), (r.startNanos - t0) / 1_000_000)).toList();
                System.out.printf("[HedgeTailIT] %s: slowest reads during the hang (took, started after the hang): %s%n", how, slowest);
                System.out.printf("[HedgeTailIT] %s: the issue's target: longest wait %.1f ms against hedge delay + 2 x p99 = %.1f ms"
                        + " (%s), extra requests %.2f %% against 5 %% (%s); %d reads before the hang, %d errors%n", how,
                        ms(maxAfterGrace), ms(bound), maxAfterGrace <= bound ? "met" : "missed", 100 * extra,
                        extra <= TARGET_EXTRA_REQUESTS ? "met" : "missed", before.size(), errorsBeforeHang);
                assertThat(errors).as("read errors surfaced to the application").isEmpty();
                assertThat(afterGrace.size()).as("reads during the hang").isGreaterThan(MIN_READS_DURING_HANG);
                assertThat(extra).as("extra read requests (hedges and retries) over the run").isLessThanOrEqualTo(MAX_EXTRA_REQUESTS);
                assertThat(ms(maxAfterGrace)).as("longest wait from %d ms after the hang on (ms): no read waits out the"
                        + " %d ms attempt timeout of the hung region", GRACE.toMillis(), ATTEMPT_TIMEOUT.toMillis())
                        .isLessThan(ms(MAX_WAIT.toNanos()));
            } finally {
                stop.set(true);
                release.accept(HOME);
            }
            // leave home as it was found: answering, and up for the next test's client
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (client.topology().writer().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
        }
    }

    private static long hedges(List<HavenEvent> events) {
        return events.stream().filter(e -> e instanceof HavenEvent.HedgeSent).count();
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    private static long percentile(List<Long> values, double p) {
        if (values.isEmpty()) {
            return 0;
        }
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
    }

    /**
     * Counts the GetItem requests of the test's table that the client's SDK clients send (a request the hedge beat
     * before it was sent is not counted: it never left), by destination port. Heartbeats and probes are not counted.
     */
    static final class CountingHttpClient implements SdkHttpClient {
        private final SdkHttpClient delegate;
        private final Map<Integer, AtomicLong> byPort = new ConcurrentHashMap<>();

        CountingHttpClient(SdkHttpClient delegate) {
            this.delegate = delegate;
        }

        long count(int port) {
            AtomicLong n = byPort.get(port);
            return n == null ? 0 : n.get();
        }

        long total() {
            return byPort.values().stream().mapToLong(AtomicLong::get).sum();
        }

        Map<String, Long> byRegion(Map<Integer, String> regionByPort) {
            Map<String, Long> out = new java.util.TreeMap<>();
            byPort.forEach((port, n) -> out.put(regionByPort.getOrDefault(port, "port " + port), n.get()));
            return out;
        }

        @Override
        public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
            ExecutableHttpRequest r = delegate.prepareRequest(request);
            if (!isDataRead(request)) {
                return r;
            }
            int port = request.httpRequest().port();
            return new ExecutableHttpRequest() {
                @Override
                public HttpExecuteResponse call() throws IOException {
                    byPort.computeIfAbsent(port, k -> new AtomicLong()).incrementAndGet();
                    return r.call();
                }

                @Override
                public void abort() {
                    r.abort();
                }
            };
        }

        private static boolean isDataRead(HttpExecuteRequest request) {
            String target = request.httpRequest().firstMatchingHeader("X-Amz-Target").orElse("");
            if (!target.endsWith(".GetItem") || request.contentStreamProvider().isEmpty()) {
                return false;
            }
            try (InputStream in = request.contentStreamProvider().get().newStream()) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8).contains("\"TableName\":\"" + TABLE + "\"");
            } catch (IOException e) {
                return false;
            }
        }

        @Override
        public String clientName() {
            return delegate.clientName();
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}
