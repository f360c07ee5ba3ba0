package dev.haven.benchmarks;

import dev.haven.Consistency;
import dev.haven.redis.HavenRedisClient;
import dev.haven.redis.HavenRedisConnection;
import dev.haven.redis.NearCacheConfig;
import dev.haven.redis.NearCacheStats;
import dev.haven.testkit.redis.RedisNode;
import dev.haven.testkit.redis.RedisTopology;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
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

/**
 * What Haven's Redis client adds to one {@code GET}, against a plain Lettuce connection in the same run. A testkit
 * topology (primary + 1 replica, no Sentinel) is reached on the servers' <b>direct</b> ports, so the testkit's fault
 * proxies are not measured.
 *
 * <ul>
 *   <li>{@code rawLettuceGet} (baseline): Lettuce {@code RedisClient} sync {@code get("k")} on the replica.</li>
 *   <li>{@code rawLettuceGetPrimary} (baseline for STRONG): the same on the primary.</li>
 *   <li>{@code havenGetEventual}: {@code reads(Consistency.EVENTUAL).get("k")} → the replica.</li>
 *   <li>{@code havenGetDefault}: {@code sync().get("k")} (default consistency = bounded staleness of {@code lagBound})
 *       → the replica.</li>
 *   <li>{@code havenGetStrong}: {@code reads(Consistency.STRONG).get("k")} → the primary.</li>
 *   <li>{@code nearCacheHit}: a second Haven client with the near cache on, {@code reads(EVENTUAL).get("k")}: a
 *       memory hit (checked with {@code nearCacheStats()} in set-up and tear-down).</li>
 * </ul>
 *
 * <p>Static nodes: the primary's {@code INFO replication} also announces the replica's <i>proxied</i> address, which
 * Haven discovers as a third node. The direct nodes are labelled with the application's zone and the proxied one is
 * not, so the router prefers the direct replica; set-up verifies every route (server-side {@code GET} counts, and
 * 100 ms of proxy latency that a read through the proxy would show) before anything is measured.
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar RedisOverheadBenchmark -f 1 -wi 3 -w 1 -i 5 -r 1 -prof gc
 * }</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Threads(1)
@State(Scope.Benchmark)
public class RedisOverheadBenchmark {

    static final String KEY = "k";
    static final String VALUE = "v".repeat(16);

    RedisTopology topology;
    RedisClient lettuce;
    StatefulRedisConnection<String, String> rawReplica;
    StatefulRedisConnection<String, String> rawPrimary;
    HavenRedisClient haven;
    HavenRedisConnection session;
    HavenRedisClient cachedHaven;
    HavenRedisConnection cachedSession;

    RedisCommands<String, String> raw;
    RedisCommands<String, String> rawP;
    RedisCommands<String, String> eventual;
    RedisCommands<String, String> bounded;
    RedisCommands<String, String> strong;
    RedisCommands<String, String> cached;
    io.lettuce.core.api.async.RedisAsyncCommands<String, String> rawAsync;
    io.lettuce.core.api.async.RedisAsyncCommands<String, String> eventualAsync;
    NearCacheStats cacheAtStart;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        try {
            topology = RedisTopology.builder().replicas(1).sentinels(0).announceDirectPorts().start();
            RedisNode primary = topology.primary();
            RedisNode replica = topology.replicas().get(0);
            String primaryDirect = "127.0.0.1:" + primary.directPort();
            String replicaDirect = "127.0.0.1:" + replica.directPort();

            lettuce = RedisClient.create();
            rawPrimary = lettuce.connect(RedisURI.create("127.0.0.1", primary.directPort()));
            rawReplica = lettuce.connect(RedisURI.create("127.0.0.1", replica.directPort()));
            raw = rawReplica.sync();
            rawAsync = rawReplica.async();
            rawP = rawPrimary.sync();

            rawPrimary.sync().set(KEY, VALUE);
            topology.awaitReplicated(Duration.ofSeconds(10));
            require(VALUE.equals(raw.get(KEY)), "the replica does not have " + KEY);

            haven = havenClient(primaryDirect, replicaDirect, null);
            session = haven.connect();
            eventual = session.reads(Consistency.EVENTUAL);
            bounded = session.sync();
            strong = session.reads(Consistency.STRONG);
            eventualAsync = session.asyncReads(Consistency.EVENTUAL);

            cachedHaven = havenClient(primaryDirect, replicaDirect, NearCacheConfig.of(1_000, Duration.ofMinutes(30)));
            cachedSession = cachedHaven.connect();
            cached = cachedSession.reads(Consistency.EVENTUAL);

            // Through the proxies every read would now take >= 100 ms; the direct ports are unaffected.
            topology.latency(primary, Duration.ofMillis(100));
            topology.latency(replica, Duration.ofMillis(100));
            requireRoute("havenGetEventual", eventual, replica, primary);
            requireRoute("havenGetDefault", bounded, replica, primary);
            requireRoute("havenGetStrong", strong, primary, replica);
            topology.latency(primary, Duration.ZERO);
            topology.latency(replica, Duration.ZERO);

            for (int i = 0; i < 1_000; i++) {
                require(VALUE.equals(cached.get(KEY)), "near-cached GET returned something else");
            }
            cacheAtStart = cachedHaven.nearCacheStats().orElseThrow();
            require(cacheAtStart.hits() >= 999 && cacheAtStart.size() >= 1,
                    "near cache is not hitting after 1000 GETs: " + cacheAtStart);
            System.out.println("[setup] routes verified; near cache after warm-up: " + cacheAtStart
                    + "; Haven topology: " + haven.topology());
        } catch (Exception | Error e) {
            tearDown();
            throw e;
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        NearCacheStats end = cachedHaven == null ? null : cachedHaven.nearCacheStats().orElse(null);
        closeQuietly(cachedSession);
        closeQuietly(cachedHaven);
        closeQuietly(session);
        closeQuietly(haven);
        closeQuietly(rawReplica);
        closeQuietly(rawPrimary);
        if (lettuce != null) {
            lettuce.shutdown();
        }
        if (topology != null) {
            topology.close();
        }
        if (cacheAtStart != null && end != null) {
            long hits = end.hits() - cacheAtStart.hits();
            long misses = end.misses() - cacheAtStart.misses();
            long bypassed = end.bypassed() - cacheAtStart.bypassed();
            System.out.println("[teardown] near cache during the trial: +" + hits + " hits, +" + misses + " misses, +"
                    + bypassed + " bypassed, +" + (end.invalidations() - cacheAtStart.invalidations()) + " invalidations, +"
                    + (end.flushes() - cacheAtStart.flushes()) + " flushes; " + end);
            // Each benchmark method is its own trial; in the others the cached client is idle, so this holds trivially.
            require(misses == 0 && bypassed == 0, "nearCacheHit was not all hits: " + misses + " misses, "
                    + bypassed + " bypassed");
        }
    }

    @Benchmark
    public String rawLettuceGet() {
        return raw.get(KEY);
    }

    /** Baseline for {@code havenGetStrong}, which reads the primary. */
    @Benchmark
    public String rawLettuceGetPrimary() {
        return rawP.get(KEY);
    }

    @Benchmark
    public String havenGetEventual() {
        return eventual.get(KEY);
    }

    @Benchmark
    public String havenGetDefault() {
        return bounded.get(KEY);
    }

    @Benchmark
    public String havenGetStrong() {
        return strong.get(KEY);
    }

    /** Baseline for {@code havenGetEventualAsync}: one asynchronous GET on the replica, awaited. */
    @Benchmark
    public String rawLettuceGetAsync() throws Exception {
        return rawAsync.get(KEY).get(5, java.util.concurrent.TimeUnit.SECONDS);
    }

    @Benchmark
    public String havenGetEventualAsync() throws Exception {
        return eventualAsync.get(KEY).get(5, java.util.concurrent.TimeUnit.SECONDS);
    }

    @Benchmark
    public String nearCacheHit() {
        return cached.get(KEY);
    }

    // ------------------------------------------------------------------------------------------ helpers

    private static HavenRedisClient havenClient(String primaryDirect, String replicaDirect, NearCacheConfig nearCache) {
        HavenRedisClient.Builder b = HavenRedisClient.builder()
                .nodes(primaryDirect, replicaDirect)
                .clusterName(nearCache == null ? "bench-redis" : "bench-redis-cached")
                .localZone("bench", "a")
                .endpointLocation(primaryDirect, "bench", "a")
                .endpointLocation(replicaDirect, "bench", "a");
        if (nearCache != null) {
            b.nearCache(nearCache);
        }
        return b.build();
    }

    /**
     * Fails unless 100 consecutive reads through {@code view} all ran on {@code expected} (its {@code GET} count rose by
     * 100, the other node's did not) and none took >= 50 ms (i.e. none went through a proxy carrying 100 ms latency).
     * Retries for up to 15 s: right after start the replica's staleness is not known and reads fall back to the primary.
     */
    private void requireRoute(String name, RedisCommands<String, String> view, RedisNode expected, RedisNode other)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        String last = "";
        while (System.nanoTime() < deadline) {
            long expectedBefore = getCalls(expected);
            long otherBefore = getCalls(other);
            long slowest = 0;
            boolean ok = true;
            for (int i = 0; i < 100; i++) {
                long t0 = System.nanoTime();
                ok &= VALUE.equals(view.get(KEY));
                slowest = Math.max(slowest, System.nanoTime() - t0);
            }
            long onExpected = getCalls(expected) - expectedBefore;
            long onOther = getCalls(other) - otherBefore;
            last = onExpected + " on " + expected.name() + ", " + onOther + " on " + other.name() + ", slowest "
                    + TimeUnit.NANOSECONDS.toMillis(slowest) + " ms, values ok " + ok;
            if (ok && onExpected == 100 && onOther == 0 && slowest < TimeUnit.MILLISECONDS.toNanos(50)) {
                System.out.println("[setup] " + name + ": 100/100 GETs on " + expected.name() + " (direct port), slowest "
                        + TimeUnit.NANOSECONDS.toMicros(slowest) + " µs");
                return;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException(name + " is not routed to " + expected.name() + " on its direct port: " + last
                + "; topology " + haven.topology());
    }

    /** {@code cmdstat_get} calls of a node, read on its direct port (the raw admin connections). */
    private long getCalls(RedisNode node) {
        StatefulRedisConnection<String, String> c = node == topology.primary() ? rawPrimary : rawReplica;
        String stats = c.sync().info("commandstats");
        for (String line : stats.split("\r?\n")) {
            if (line.startsWith("cmdstat_get:")) {
                int from = line.indexOf("calls=") + 6;
                int to = line.indexOf(',', from);
                return Long.parseLong(line.substring(from, to));
            }
        }
        return 0;
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalStateException(message);
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            System.err.println("close failed: " + e);
        }
    }
}
