package dev.haven.benchmarks;

import dev.haven.benchmarks.ddb.CannedRegions;
import dev.haven.dynamodb.HavenDynamoDbClient;
import dev.haven.testkit.dynamodb.CannedDynamoDbHttpClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;

/**
 * Tail latency of EVENTUAL {@code GetItem} when the local region has a slow tail: every {@code slowEvery}-th read
 * there sleeps {@code slowMillis} (default every 50th: 2 %, 20 ms); the other region is always fast. Canned
 * no-network regions ({@link CannedDynamoDbHttpClient}) under SDK clients Haven builds (a hedge that wins aborts the
 * slow call); {@code Mode.SampleTime} gives the percentiles.
 *
 * <ul>
 *   <li>{@code rawLocal}: a raw SDK client of the slow local region (what a region-local application sees).</li>
 *   <li>{@code havenNoHedge}: Haven, local region = the slow one, {@code hedging(false)}.</li>
 *   <li>{@code havenHedged}: the same with Haven's default adaptive hedging (latency EWMA x 3, at least 5 ms).</li>
 *   <li>{@code havenHedged2ms}: a fixed 2 ms hedge delay.</li>
 * </ul>
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar HedgedReadTailBenchmark
 * }</pre>
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
@Threads(1)
public class HedgedReadTailBenchmark {

    static final String SLOW = CannedRegions.OTHER; // the local region (not home, so STRONG is not involved)

    @State(Scope.Benchmark)
    public static class Regions {
        @Param({"50"})
        int slowEvery;
        @Param({"20"})
        long slowMillis;

        DynamoDbClient raw;
        HavenDynamoDbClient noHedge;
        HavenDynamoDbClient hedged;
        HavenDynamoDbClient hedged2ms;

        @Setup(Level.Trial)
        public void setUp() {
            raw = CannedRegions.client(SLOW, new CannedDynamoDbHttpClient(new CannedDynamoDbHttpClient.Counter(), slowEvery, slowMillis));
            noHedge = haven(false, null);
            hedged = haven(true, null);
            hedged2ms = haven(true, Duration.ofMillis(2));
        }

        HavenDynamoDbClient haven(boolean hedging, Duration fixed) {
            CannedDynamoDbHttpClient.Counter counter = new CannedDynamoDbHttpClient.Counter();
            Map<String, CannedDynamoDbHttpClient> regions = new LinkedHashMap<>();
            regions.put(CannedRegions.HOME, new CannedDynamoDbHttpClient(counter));
            CannedDynamoDbHttpClient slow = new CannedDynamoDbHttpClient(counter, slowEvery, slowMillis);
            regions.put(SLOW, slow);
            HavenDynamoDbClient h = CannedRegions.havenBuilt(SLOW, hedging, fixed, regions);
            long before = slow.dataGets();
            for (int i = 0; i < 200; i++) {
                CannedRegions.requireItem(h.getItem(CannedRegions.GET));
            }
            // the SDK's first calls can be slower than the hedge delay: such a read is answered by the home region,
            // and its local request may be cancelled before it is sent (not counted)
            if (slow.dataGets() - before < 180) {
                h.close();
                throw new IllegalStateException("EVENTUAL reads should go to the local region " + SLOW + " first: "
                        + (slow.dataGets() - before) + "/200 (" + h.topology() + ")");
            }
            return h;
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            raw.close();
            noHedge.close();
            hedged.close();
            hedged2ms.close();
        }
    }

    @Benchmark
    public GetItemResponse rawLocal(Regions s) {
        return s.raw.getItem(CannedRegions.GET);
    }

    @Benchmark
    public GetItemResponse havenNoHedge(Regions s) {
        return s.noHedge.getItem(CannedRegions.GET);
    }

    @Benchmark
    public GetItemResponse havenHedged(Regions s) {
        return s.hedged.getItem(CannedRegions.GET);
    }

    @Benchmark
    public GetItemResponse havenHedged2ms(Regions s) {
        return s.hedged2ms.getItem(CannedRegions.GET);
    }
}
