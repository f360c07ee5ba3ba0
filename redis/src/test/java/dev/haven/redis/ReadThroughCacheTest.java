package dev.haven.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.api.sync.RedisCommands;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** ReadThroughCache without servers: a Redis that fails or hangs, a loader that counts. */
class ReadThroughCacheTest {

    @SuppressWarnings("unchecked")
    static RedisCommands<String, String> redis(java.util.function.Supplier<Object> behaviour) {
        return (RedisCommands<String, String>) Proxy.newProxyInstance(RedisCommands.class.getClassLoader(),
                new Class<?>[] {RedisCommands.class}, (p, m, a) -> behaviour.get());
    }

    @Test
    void redisThatHangsCostsAtMostTheDeadlineThenTheBreakerSkipsIt() throws Exception {
        AtomicInteger redisCalls = new AtomicInteger();
        RedisCommands<String, String> hanging = redis(() -> {
            redisCalls.incrementAndGet();
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                throw new io.lettuce.core.RedisCommandInterruptedException(e);
            }
            return null;
        });
        AtomicInteger loads = new AtomicInteger();
        try (ReadThroughCache<String, String> c = ReadThroughCache.<String, String>builder(hanging, k -> {
            loads.incrementAndGet();
            return "v-" + k;
        }).redisTimeout(Duration.ofMillis(50)).breakerOpenFor(Duration.ofSeconds(30)).build()) {
            long t0 = System.nanoTime();
            for (int i = 0; i < 5; i++) {
                assertThat(c.get("k" + i)).isEqualTo("v-k" + i);
            }
            long firstFiveMs = (System.nanoTime() - t0) / 1_000_000;
            assertThat(c.stats().breakerState()).isEqualTo("OPEN");
            for (int i = 0; i < 1000; i++) {
                assertThat(c.get("k" + i)).isEqualTo("v-k" + i);
            }
            // Counted, not timed: the open breaker sends nothing to Redis (at most the 5 calls that opened it reached
            // it; one whose deadline passed before it even started never does). The one time bound only tells a 50 ms
            // deadline from the 60 s hang, with room for a loaded 2-core machine (455 ms against 450 failed there).
            assertThat(redisCalls.get()).as("Redis calls for 1005 reads: only those before the breaker opened").isBetween(1, 5);
            assertThat(firstFiveMs).as("5 reads against a hanging Redis with a 50 ms deadline (ms)").isLessThan(5_000);
            assertThat(loads.get()).isEqualTo(1005);
        }
    }

    @Test
    void missBurstWithRedisDownLoadsOnceAndLoaderErrorsReachEveryWaiter() throws Exception {
        RedisCommands<String, String> down = redis(() -> {
            throw new RedisConnectionException("down");
        });
        AtomicInteger loads = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        try (ReadThroughCache<String, String> c = ReadThroughCache.<String, String>builder(down, k -> {
            loads.incrementAndGet();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (k.equals("bad")) {
                throw new java.sql.SQLException("boom");
            }
            return "v";
        }).build()) {
            ExecutorService pool = Executors.newFixedThreadPool(50);
            try {
                List<Future<String>> fs = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    fs.add(pool.submit(() -> c.get("hot")));
                }
                Thread.sleep(300); // all 50 are waiting on the one load
                release.countDown();
                for (Future<String> f : fs) {
                    assertThat(f.get()).isEqualTo("v");
                }
                assertThat(loads.get()).isEqualTo(1);
                assertThat(c.stats().singleFlightJoins()).isEqualTo(49);
                assertThatThrownBy(() -> c.get("bad")).isInstanceOf(java.sql.SQLException.class).hasMessage("boom");
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void nearCacheConfigValidates() {
        assertThatThrownBy(() -> NearCacheConfig.of(0, Duration.ofSeconds(1)))
                .hasMessage("near-cache maximum-size must be in 1..10000000: was 0");
        assertThatThrownBy(() -> NearCacheConfig.of(10, Duration.ZERO)).hasMessage("near-cache max-age must be >= 1ms: was PT0S");
        assertThat(NearCacheConfig.of(10, Duration.ofSeconds(1)).keys(k -> k.startsWith("a")).keyFilter().test("b")).isFalse();
    }
}
