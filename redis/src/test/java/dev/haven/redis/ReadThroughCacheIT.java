package dev.haven.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.Consistency;
import dev.haven.jdbc.HavenDataSource;
import dev.haven.testkit.PostgresCluster;
import dev.haven.testkit.redis.RedisNode;
import dev.haven.testkit.redis.RedisTopology;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** Cache-aside over PostgreSQL: single flight against miss bursts, Redis frozen / killed, deletes after writes. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class) // the second test stops Redis for good
class ReadThroughCacheIT {

    static PostgresCluster pg;
    static RedisTopology redis;
    static HavenDataSource ds;
    static HavenRedisClient client;
    static HavenRedisConnection conn;
    static final Map<Long, AtomicInteger> queries = new ConcurrentHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        pg = PostgresCluster.builder().replicas(0).start();
        redis = RedisTopology.builder().replicas(1).sentinels(0).start();
        // the ITs' 1 s probe timeout (default 500 ms): a probe timing out on a loaded machine marks the writer down and
        // aborts its connections, and a running load query then fails as outcome-unknown
        ds = HavenDataSource.builder().url(pg.jdbcUrl()).username(pg.user()).password(pg.password()).clusterName("pg")
                .probeTimeout(ItSupport.PROBE_TIMEOUT)
                .poolProperty("maximumPoolSize", "8").build();
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("create table users (id bigint primary key, name text not null)");
            s.execute("insert into users select g, 'user' || g from generate_series(1, 100) g");
        }
        client = HavenRedisClient.builder().nodes(redis.nodes().stream().map(n -> "127.0.0.1:" + n.port()).toArray(String[]::new))
                .clusterName("rtc").writerWait(Duration.ofSeconds(1)).attemptTimeout(ItSupport.COMMAND_TIMEOUT).build();
        ItSupport.ready(client, 1); // the first probe round can time out on a cold JVM: wait for the writer
        conn = client.connect();
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {conn, client, ds, redis, pg}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // keep closing the rest
            }
        }
    }

    /** While {@link #burst} runs: its key, its cache, and the cache's single-flight joins before it. */
    static volatile long burstKey = -1;
    static volatile ReadThroughCache<Long, String> burstCache;
    static volatile long joinsBefore;

    /**
     * The loader: one SQL query per call, counted per key; 200 ms long so that a burst overlaps it. The load of a
     * burst's key also waits (at most 10 s) until the 49 other readers have joined it: on a loaded 2-core machine some
     * of 50 released threads ran only after a 200 ms load had finished, and their second load was counted against
     * "50 concurrent readers, 1 query" though they had not been concurrent.
     */
    static String load(long id) throws SQLException {
        queries.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
        ReadThroughCache<Long, String> b = burstCache;
        if (id == burstKey && b != null) {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (b.stats().singleFlightJoins() - joinsBefore < 49 && System.nanoTime() < deadline) {
                ItSupport.sleep(Duration.ofMillis(5));
            }
        }
        try (Connection c = ds.getConnection();
             PreparedStatement ps = c.prepareStatement("select name, pg_sleep(0.2) from users where id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /**
     * @param redisTimeout 100 ms (the default) where Redis is frozen or killed; 1 s where Redis is up and the test
     *                     counts on its answers: a loaded 2-core machine holds a reply for longer than 100 ms now and
     *                     then, and the cache then rightly reads the database instead
     */
    static ReadThroughCache<Long, String> cache(Duration redisTimeout) {
        // SESSION: the cache reads its own SET and DEL (a bounded view may read a replica that has not got them yet)
        return ReadThroughCache.<Long, String>builder(conn.reads(Consistency.SESSION), ReadThroughCacheIT::load)
                .key(id -> "user:name:" + id).ttl(Duration.ofMinutes(5))
                .redisTimeout(redisTimeout).breakerOpenFor(Duration.ofMillis(500)).build();
    }

    static int queries(long id) {
        AtomicInteger n = queries.get(id);
        return n == null ? 0 : n.get();
    }

    /**
     * 50 threads released together call {@code get(id)}; returns their answers. Released only once all 50 wait at the
     * gate: threads still starting when it opened (a loaded machine starts 50 slowly) came after the load was over.
     */
    static List<String> burst(ReadThroughCache<Long, String> cache, long id) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(50);
        try {
            CountDownLatch ready = new CountDownLatch(50);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<String>> fs = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                fs.add(pool.submit(() -> {
                    ready.countDown();
                    go.await();
                    return cache.get(id);
                }));
            }
            assertThat(ready.await(30, java.util.concurrent.TimeUnit.SECONDS)).as("50 threads at the gate").isTrue();
            joinsBefore = cache.stats().singleFlightJoins();
            burstCache = cache;
            burstKey = id;
            go.countDown();
            List<String> out = new ArrayList<>();
            for (Future<String> f : fs) {
                out.add(f.get());
            }
            return out;
        } finally {
            burstKey = -1;
            burstCache = null;
            pool.shutdownNow();
        }
    }

    @Test
    @Order(1)
    void aBurstOfFiftyMissesForOneKeyRunsOneQuery() throws Exception {
        try (ReadThroughCache<Long, String> cache = cache(Duration.ofSeconds(1))) {
            List<String> answers = burst(cache, 7);
            assertThat(answers).hasSize(50).containsOnly("user7");
            assertThat(queries(7)).as("database queries for 50 concurrent misses").isEqualTo(1);
            System.out.println("burst of 50 misses, Redis up: " + queries(7) + " query; " + cache.stats());
            assertThat(cache.get(7L)).isEqualTo("user7");
            assertThat(queries(7)).isEqualTo(1);
            assertThat(cache.stats().redisHits()).isGreaterThanOrEqualTo(1);
            assertThat(ItSupport.<String>direct(redis.primary(), c -> c.sync().get("user:name:7"))).isEqualTo("user7");

            // a write through the cache: database first, then the Redis key is deleted, the next read loads the new row
            cache.write(7L, () -> ds.transaction(c -> {
                try (Statement s = c.createStatement()) {
                    return s.executeUpdate("update users set name = 'Ada' where id = 7");
                }
            }));
            assertThat(ItSupport.<Long>direct(redis.primary(), c -> c.sync().exists("user:name:7"))).isZero();
            assertThat(cache.get(7L)).isEqualTo("Ada");
            assertThat(queries(7)).isEqualTo(2);
        }
    }

    @Test
    @Order(2)
    void redisFrozenThenKilledReadsStillSucceedFromPostgres() throws Exception {
        try (ReadThroughCache<Long, String> warm = cache(Duration.ofSeconds(1))) {
            assertThat(warm.get(20L)).isEqualTo("user20"); // in Redis now
            assertThat(warm.get(20L)).isEqualTo("user20");
            assertThat(queries(20)).as("queries; %s", warm.stats()).isEqualTo(1);
        }
        try (ReadThroughCache<Long, String> cache = cache(Duration.ofMillis(100))) {

            // ---- frozen: connections hang (the worst case: only timeouts tell)
            for (RedisNode n : redis.nodes()) {
                redis.freeze(n);
            }
            cache.write(20L, () -> ds.transaction(c -> {
                try (Statement s = c.createStatement()) {
                    return s.executeUpdate("update users set name = 'Grace' where id = 20");
                }
            }));
            assertThat(cache.stats().pendingDeletes()).as("the delete could not reach Redis").isEqualTo(1);
            List<Long> micros = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                long t0 = System.nanoTime();
                assertThat(cache.get(20L)).as("read %d while Redis is frozen", i).isEqualTo("Grace");
                assertThat(cache.get(21L)).isEqualTo("user21");
                micros.add((System.nanoTime() - t0) / 1000);
            }
            List<String> answers = burst(cache, 22);
            assertThat(answers).hasSize(50).containsOnly("user22");
            assertThat(queries(22)).as("database queries for 50 concurrent readers of one key, Redis frozen").isEqualTo(1);
            ReadThroughCache.Stats frozen = cache.stats();
            List<Long> sorted = new ArrayList<>(micros);
            Collections.sort(sorted);
            System.out.printf("Redis frozen: 20 reads ok, per pair of reads first %d us, median %d us, max %d us; burst of 50: %d query; %s%n",
                    micros.get(0), sorted.get(5), sorted.get(9), queries(22), frozen);
            assertThat(frozen.breakerState()).isIn("OPEN", "HALF_OPEN");

            // ---- back: the pending delete reaches Redis before key 20 is read from it again (no 'user20' resurrected)
            for (RedisNode n : redis.nodes()) {
                redis.unfreeze(n);
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (cache.stats().pendingDeletes() > 0 || !cache.stats().breakerState().equals("CLOSED")) {
                assertThat(cache.get(20L)).isEqualTo("Grace");
                assertThat(System.nanoTime()).as("pending delete drained").isLessThan(deadline);
                Thread.sleep(50);
            }
            assertThat(cache.get(20L)).isEqualTo("Grace");
            assertThat(ItSupport.<String>direct(redis.primary(), c -> c.sync().get("user:name:20"))).isIn("Grace", null);

            // ---- killed: every Redis process gone
            for (RedisNode n : redis.nodes()) {
                redis.kill(n);
            }
            long t0 = System.nanoTime();
            for (long id = 30; id < 40; id++) {
                assertThat(cache.get(id)).isEqualTo("user" + id);
            }
            long killedMs = (System.nanoTime() - t0) / 1_000_000;
            assertThat(burst(cache, 41)).containsOnly("user41");
            assertThat(queries(41)).as("one query for a burst, Redis killed").isEqualTo(1);
            System.out.printf("Redis killed: 10 reads (each a 200 ms query) in %d ms; burst of 50: %d query; %s%n",
                    killedMs, queries(41), cache.stats());
        }
    }
}
