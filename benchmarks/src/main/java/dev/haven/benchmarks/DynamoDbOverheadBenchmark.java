package dev.haven.benchmarks;

import dev.haven.benchmarks.ddb.CannedDynamoDbClient;
import dev.haven.benchmarks.ddb.CannedRegions;
import dev.haven.dynamodb.HavenDynamoDbClient;
import dev.haven.testkit.dynamodb.CannedDynamoDbHttpClient;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;

/**
 * What Haven adds to one {@code GetItem}, against a raw SDK {@link DynamoDbClient} configured the same way, in the
 * same run. Every client runs over {@link CannedDynamoDbHttpClient} (no network: canned JSON answers), so the
 * difference is Haven's routing and bookkeeping and, for hedged reads, arming and cancelling the hedge timer.
 *
 * <ul>
 *   <li>{@code raw*}: one SDK client (us-east-1).</li>
 *   <li>{@code haven1*}: Haven over that one region (home = local): no second region, so no hedging.</li>
 *   <li>{@code haven2*}: Haven over two regions (home = local = us-east-1, plus us-west-2), default settings:
 *       EVENTUAL reads are hedged: the call runs on the caller's thread with a hedge timer armed and cancelled
 *       (Haven builds the SDK clients, over the canned HTTP client, so it can cancel a losing call).</li>
 *   <li>{@code haven2NoHedge*}: the same two regions with {@code hedging(false)}.</li>
 * </ul>
 * The {@code stub*} group repeats this over {@link CannedDynamoDbClient} (a {@code DynamoDbClient} with no SDK
 * pipeline under it: one prebuilt response): {@code stubDirect} is the baseline, so Haven's own nanoseconds and
 * bytes are not drowned in the SDK's ~40 KB and tens of µs per call. The stubs are caller's clients, which Haven
 * cannot cancel: there hedged reads ({@code stubHaven2Eventual}) hand off to Haven's read pool.
 * EVENTUAL = the request as is; STRONG = {@code ConsistentRead=true} (home region only, never hedged).
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar DynamoDbOverheadBenchmark -prof gc
 * }</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 8, time = 2)
@Threads(1)
public class DynamoDbOverheadBenchmark {

    @State(Scope.Benchmark)
    public static class Raw {
        DynamoDbClient client;

        @Setup(Level.Trial)
        public void setUp() {
            client = CannedRegions.client(CannedRegions.HOME, new CannedDynamoDbHttpClient(new CannedDynamoDbHttpClient.Counter()));
            CannedRegions.requireItem(client.getItem(CannedRegions.GET));
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            client.close();
        }
    }

    abstract static class HavenState {
        HavenDynamoDbClient haven;
        CannedDynamoDbHttpClient home;
        CannedDynamoDbHttpClient other;

        void start(boolean twoRegions, boolean hedging) {
            CannedDynamoDbHttpClient.Counter counter = new CannedDynamoDbHttpClient.Counter();
            home = new CannedDynamoDbHttpClient(counter);
            Map<String, CannedDynamoDbHttpClient> regions = new LinkedHashMap<>();
            regions.put(CannedRegions.HOME, home);
            if (twoRegions) {
                other = new CannedDynamoDbHttpClient(counter);
                regions.put(CannedRegions.OTHER, other);
            }
            haven = CannedRegions.havenBuilt(CannedRegions.HOME, hedging, null, regions);
            // Routing check: both consistencies are served by the home (= local) region.
            long before = home.dataGets();
            for (int i = 0; i < 100; i++) {
                CannedRegions.requireItem(haven.getItem(CannedRegions.GET));
                CannedRegions.requireItem(haven.getItem(CannedRegions.GET_STRONG));
            }
            if (home.dataGets() - before != 200) {
                throw new IllegalStateException("expected all 200 reads in " + CannedRegions.HOME + ", got "
                        + (home.dataGets() - before) + " (topology " + haven.topology() + ")");
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            haven.close();
        }
    }

    @State(Scope.Benchmark)
    public static class Haven1 extends HavenState {
        @Setup(Level.Trial)
        public void setUp() {
            start(false, true);
        }
    }

    @State(Scope.Benchmark)
    public static class Haven2 extends HavenState {
        @Setup(Level.Trial)
        public void setUp() {
            start(true, true);
        }
    }

    @State(Scope.Benchmark)
    public static class Haven2NoHedge extends HavenState {
        @Setup(Level.Trial)
        public void setUp() {
            start(true, false);
        }
    }

    /** Haven over canned DynamoDbClients (no SDK pipeline), and the canned client alone. */
    @State(Scope.Benchmark)
    public static class Stub {
        CannedDynamoDbClient direct;
        HavenDynamoDbClient one;
        HavenDynamoDbClient two;
        HavenDynamoDbClient twoNoHedge;
        dev.haven.benchmarks.ddb.CannedDynamoDbAsyncClient asyncDirect;
        dev.haven.dynamodb.HavenDynamoDbAsyncClient asyncTwo;

        @Setup(Level.Trial)
        public void setUp() {
            direct = new CannedDynamoDbClient(new AtomicLong());
            one = haven(false, true);
            two = haven(true, true);
            twoNoHedge = haven(true, false);
            asyncDirect = new dev.haven.benchmarks.ddb.CannedDynamoDbAsyncClient();
            // the async client routes with the (hedging) two-region engine of `two`
            asyncTwo = dev.haven.dynamodb.HavenDynamoDbAsyncClient.over(two, Map.of(
                    CannedRegions.HOME, new dev.haven.benchmarks.ddb.CannedDynamoDbAsyncClient(),
                    CannedRegions.OTHER, new dev.haven.benchmarks.ddb.CannedDynamoDbAsyncClient()));
            CannedRegions.requireItem(asyncTwo.getItem(CannedRegions.GET).join());
        }

        static HavenDynamoDbClient haven(boolean twoRegions, boolean hedging) {
            AtomicLong seq = new AtomicLong();
            CannedDynamoDbClient home = new CannedDynamoDbClient(seq);
            Map<String, DynamoDbClient> regions = new LinkedHashMap<>();
            regions.put(CannedRegions.HOME, home);
            if (twoRegions) {
                regions.put(CannedRegions.OTHER, new CannedDynamoDbClient(seq));
            }
            HavenDynamoDbClient h = CannedRegions.haven(CannedRegions.HOME, hedging, null, regions);
            long before = home.dataGets();
            for (int i = 0; i < 100; i++) {
                CannedRegions.requireItem(h.getItem(CannedRegions.GET));
                CannedRegions.requireItem(h.getItem(CannedRegions.GET_STRONG));
            }
            if (home.dataGets() - before != 200) {
                throw new IllegalStateException("expected all 200 reads in the home region: " + h.topology());
            }
            return h;
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            asyncTwo.close();
            one.close();
            two.close();
            twoNoHedge.close();
        }
    }

    /**
     * Haven's engine over SDK clients it built (so hedged reads take the caller-runs path that cancels the loser),
     * with the SDK call itself replaced by a canned answer: the routing, hedge timer and race bookkeeping of a sync
     * read, without the SDK's noise. Reached through the package-private {@code executor()} (reflection).
     */
    @State(Scope.Benchmark)
    public static class Engine {
        static final GetItemResponse ITEM = GetItemResponse.builder()
                .item(Map.of("pk", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS("k"))).build();
        static final java.util.function.BiFunction<DynamoDbClient, software.amazon.awssdk.services.dynamodb.model.GetItemRequest, GetItemResponse> CALL =
                (client, request) -> ITEM;
        HavenDynamoDbClient hedged;
        HavenDynamoDbClient noHedge;
        dev.haven.dynamodb.internal.RegionExecutor hedgedEngine;
        dev.haven.dynamodb.internal.RegionExecutor noHedgeEngine;

        @Setup(Level.Trial)
        public void setUp() throws ReflectiveOperationException {
            hedged = built(true);
            noHedge = built(false);
            java.lang.reflect.Method executor = HavenDynamoDbClient.class.getDeclaredMethod("executor");
            executor.setAccessible(true);
            hedgedEngine = (dev.haven.dynamodb.internal.RegionExecutor) executor.invoke(hedged);
            noHedgeEngine = (dev.haven.dynamodb.internal.RegionExecutor) executor.invoke(noHedge);
            CannedRegions.requireItem(read(hedgedEngine, dev.haven.Consistency.EVENTUAL));
        }

        static HavenDynamoDbClient built(boolean hedging) {
            CannedDynamoDbHttpClient.Counter counter = new CannedDynamoDbHttpClient.Counter();
            Map<String, CannedDynamoDbHttpClient> regions = new LinkedHashMap<>();
            regions.put(CannedRegions.HOME, new CannedDynamoDbHttpClient(counter));
            regions.put(CannedRegions.OTHER, new CannedDynamoDbHttpClient(counter));
            return CannedRegions.havenBuilt(CannedRegions.HOME, hedging, null, regions);
        }

        static GetItemResponse read(dev.haven.dynamodb.internal.RegionExecutor engine, dev.haven.Consistency c) {
            return engine.read(c == dev.haven.Consistency.STRONG ? CannedRegions.GET_STRONG : CannedRegions.GET,
                    dev.haven.dynamodb.internal.ReadShape.GET_ITEM, c, null, CALL);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            hedged.close();
            noHedge.close();
        }
    }

    /** The engine's baseline: the canned call alone. */
    @Benchmark
    public GetItemResponse engineDirect(Engine s) {
        return Engine.CALL.apply(null, CannedRegions.GET);
    }

    /** A hedged EVENTUAL read that answers before its delay: hedge timer armed and cancelled, no hand-off. */
    @Benchmark
    public GetItemResponse engineHaven2Eventual(Engine s) {
        return Engine.read(s.hedgedEngine, dev.haven.Consistency.EVENTUAL);
    }

    @Benchmark
    public GetItemResponse engineHaven2NoHedgeEventual(Engine s) {
        return Engine.read(s.noHedgeEngine, dev.haven.Consistency.EVENTUAL);
    }

    @Benchmark
    public GetItemResponse engineHaven2Strong(Engine s) {
        return Engine.read(s.hedgedEngine, dev.haven.Consistency.STRONG);
    }

    @Benchmark
    public GetItemResponse stubDirect(Stub s) {
        return s.direct.getItem(CannedRegions.GET);
    }

    @Benchmark
    public GetItemResponse stubHaven1Eventual(Stub s) {
        return s.one.getItem(CannedRegions.GET);
    }

    @Benchmark
    public GetItemResponse stubHaven1Strong(Stub s) {
        return s.one.getItem(CannedRegions.GET_STRONG);
    }

    @Benchmark
    public GetItemResponse stubHaven2Eventual(Stub s) {
        return s.two.getItem(CannedRegions.GET);
    }

    @Benchmark
    public GetItemResponse stubHaven2NoHedgeEventual(Stub s) {
        return s.twoNoHedge.getItem(CannedRegions.GET);
    }

    @Benchmark
    public GetItemResponse stubHaven2Strong(Stub s) {
        return s.two.getItem(CannedRegions.GET_STRONG);
    }

    @Benchmark
    public GetItemResponse stubAsyncDirect(Stub s) {
        return s.asyncDirect.getItem(CannedRegions.GET).join();
    }

    /** Hedged EVENTUAL read on the async client: a timer is armed and cancelled, no thread hand-off. */
    @Benchmark
    public GetItemResponse stubAsyncHaven2Eventual(Stub s) {
        return s.asyncTwo.getItem(CannedRegions.GET).join();
    }

    @Benchmark
    public GetItemResponse rawEventual(Raw s) {
        return s.client.getItem(CannedRegions.GET);
    }

    @Benchmark
    public GetItemResponse rawStrong(Raw s) {
        return s.client.getItem(CannedRegions.GET_STRONG);
    }

    @Benchmark
    public GetItemResponse haven1Eventual(Haven1 s) {
        return s.haven.getItem(CannedRegions.GET);
    }

    @Benchmark
    public GetItemResponse haven1Strong(Haven1 s) {
        return s.haven.getItem(CannedRegions.GET_STRONG);
    }

    @Benchmark
    public GetItemResponse haven2Eventual(Haven2 s) {
        return s.haven.getItem(CannedRegions.GET);
    }

    @Benchmark
    public GetItemResponse haven2Strong(Haven2 s) {
        return s.haven.getItem(CannedRegions.GET_STRONG);
    }

    @Benchmark
    public GetItemResponse haven2NoHedgeEventual(Haven2NoHedge s) {
        return s.haven.getItem(CannedRegions.GET);
    }
}
