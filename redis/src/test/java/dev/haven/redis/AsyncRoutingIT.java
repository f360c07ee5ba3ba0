package dev.haven.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.haven.Consistency;
import dev.haven.testkit.redis.HavenRedis;
import dev.haven.testkit.redis.RedisNode;
import dev.haven.testkit.redis.RedisTopology;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The async view against a real primary + 2 replicas + Sentinels: where its commands land, read-your-writes, no blocking. */
@HavenRedis(replicas = 2)
class AsyncRoutingIT {

    @Test
    void asyncReadsGoToReplicasAndAsyncWritesAndStrongReadsToThePrimary(RedisTopology redis) throws Exception {
        try (HavenRedisClient client = ItSupport.ready(ItSupport.sentinelClient(redis).build(), 2);
                HavenRedisConnection c = client.connect()) {
            // The HavenRedisConnection javadoc example (its `redis` is `c` here: `redis` is the topology).
            {
                RedisAsyncCommands<String, String> async = c.async();
                CompletionStage<String> readBack = async.set("user:2", "Grace")
                        .thenCompose(ok -> c.asyncReads(Consistency.SESSION).get("user:2"));
                RedisFuture<String> name = async.get("user:1");
                assertThat(readBack.toCompletableFuture().get(5, TimeUnit.SECONDS)).isEqualTo("Grace");
                assertThat(name.get(5, TimeUnit.SECONDS)).isNull();
            }
            // Refused like on the sync view, with the same message.
            String syncMessage = catchThrowableOfType(() -> c.sync().multi(), UnsupportedOperationException.class).getMessage();
            assertThatThrownBy(() -> c.async().multi()).isInstanceOf(UnsupportedOperationException.class).hasMessage(syncMessage);
            assertThatThrownBy(() -> c.async().blpop(1, "q")).isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageStartingWith("blpop is not supported on a Haven routed connection");

            assertThat(c.async().set("k", "v").get(5, TimeUnit.SECONDS)).isEqualTo("OK");
            redis.awaitReplicated(Duration.ofSeconds(5));
            RedisNode primary = redis.primary();
            long primaryGets0 = ItSupport.calls(redis, primary, "get");
            long replicaGets0 = replicaCalls(redis, "get");
            RedisAsyncCommands<String, String> eventual = c.asyncReads(Consistency.EVENTUAL);
            List<RedisFuture<String>> gets = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                gets.add(eventual.get("k"));
            }
            for (RedisFuture<String> f : gets) {
                assertThat(f.get(5, TimeUnit.SECONDS)).isEqualTo("v");
            }
            assertThat(replicaCalls(redis, "get") - replicaGets0).as("async EVENTUAL GETs on replicas, of 200").isEqualTo(200);
            assertThat(ItSupport.calls(redis, primary, "get") - primaryGets0).as("async EVENTUAL GETs on the primary").isZero();

            List<RedisFuture<String>> strong = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                strong.add(c.asyncReads(Consistency.STRONG).get("k"));
            }
            for (RedisFuture<String> f : strong) {
                assertThat(f.get(5, TimeUnit.SECONDS)).isEqualTo("v");
            }
            assertThat(ItSupport.calls(redis, primary, "get") - primaryGets0).as("async STRONG GETs on the primary, of 50").isEqualTo(50);

            long sets0 = ItSupport.calls(redis, primary, "set");
            long replicaSets0 = replicaCalls(redis, "set");
            List<RedisFuture<String>> sets = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                sets.add(c.async().set("k" + i, "v" + i));
            }
            for (RedisFuture<String> f : sets) {
                assertThat(f.get(5, TimeUnit.SECONDS)).isEqualTo("OK");
            }
            // Replicas apply replicated SETs too, but those are not client calls: count on the primary only.
            assertThat(ItSupport.calls(redis, primary, "set") - sets0).as("async SETs on the primary, of 50").isEqualTo(50);
            System.out.printf("async routing IT: EVENTUAL GETs on replicas %d/200, STRONG GETs on the primary %d/50, SETs on the "
                    + "primary %d/50 (replicated SET calls counted on replicas %d)%n", replicaCalls(redis, "get") - replicaGets0,
                    ItSupport.calls(redis, primary, "get") - primaryGets0, ItSupport.calls(redis, primary, "set") - sets0,
                    replicaCalls(redis, "set") - replicaSets0);
        }
        // Near cache: an async GET that hits completes before it returns; the first one fills over the tracked link.
        try (HavenRedisClient cached = ItSupport.ready(ItSupport.sentinelClient(redis)
                .nearCache(NearCacheConfig.of(1000, Duration.ofSeconds(30))).build(), 2);
                HavenRedisConnection c = cached.connect()) {
            RedisAsyncCommands<String, String> eventual = c.asyncReads(Consistency.EVENTUAL);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (cached.nearCacheStats().orElseThrow().misses() == 0 && System.nanoTime() < deadline) {
                assertThat(eventual.get("k").get(5, TimeUnit.SECONDS)).isEqualTo("v"); // bypassed until tracking is up
            }
            int doneAtReturn = 0;
            for (int i = 0; i < 100; i++) {
                RedisFuture<String> f = eventual.get("k");
                doneAtReturn += f.isDone() ? 1 : 0;
                assertThat(f.get(5, TimeUnit.SECONDS)).isEqualTo("v");
            }
            System.out.printf("async near cache IT: %d/100 GETs complete on return, stats %s%n", doneAtReturn, cached.nearCacheStats().orElseThrow());
            assertThat(doneAtReturn).as("near-cache hits complete at once, of 100").isEqualTo(100);
        }
    }

    @Test
    void asyncSessionReadsSeeTheSessionsOwnWritesWhileAReplicaIsPaused(RedisTopology redis) throws Exception {
        try (HavenRedisClient client = ItSupport.ready(ItSupport.sentinelClient(redis).build(), 2)) {
            RedisNode paused = redis.replicas().get(0);
            RedisNode fresh = redis.replicas().get(1);
            redis.pauseReplication(paused);
            int sessions = 4;
            int pairs = 1000;
            int window = 32; // in-flight write-then-read pairs per session
            AtomicLong violations = new AtomicLong();
            AtomicLong done = new AtomicLong();
            List<Throwable> errors = new CopyOnWriteArrayList<>();
            long freshGets0 = ItSupport.calls(redis, fresh, "get");
            long primaryGets0 = ItSupport.calls(redis, redis.primary(), "get");
            long pausedGets0 = ItSupport.calls(redis, paused, "get");
            List<HavenRedisConnection> connections = new ArrayList<>();
            List<CompletableFuture<Void>> all = new ArrayList<>();
            long t0 = System.nanoTime();
            try {
                List<Semaphore> windows = new ArrayList<>();
                for (int s = 0; s < sessions; s++) {
                    connections.add(client.connect());
                    windows.add(new Semaphore(window));
                }
                // One issuing thread interleaves the sessions; each pair is SET then (on its completion) a SESSION GET.
                for (int i = 1; i <= pairs; i++) {
                    for (int s = 0; s < sessions; s++) {
                        HavenRedisConnection session = connections.get(s);
                        Semaphore w = windows.get(s);
                        assertThat(w.tryAcquire(10, TimeUnit.SECONDS)).as("a window slot within 10 s").isTrue();
                        String key = "ryw:" + s + ":" + i;
                        String value = Integer.toString(i);
                        CompletableFuture<Void> pair = session.async().set(key, value).toCompletableFuture()
                                .thenCompose(ok -> session.asyncReads(Consistency.SESSION).get(key))
                                .handle((read, err) -> {
                                    if (err != null) {
                                        errors.add(err);
                                    } else if (!value.equals(read)) {
                                        violations.incrementAndGet();
                                    }
                                    done.incrementAndGet();
                                    w.release();
                                    return null;
                                });
                        all.add(pair);
                    }
                }
                CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            } finally {
                connections.forEach(HavenRedisConnection::close);
            }
            long tookMs = (System.nanoTime() - t0) / 1_000_000;
            long freshGets = ItSupport.calls(redis, fresh, "get") - freshGets0;
            long primaryGets = ItSupport.calls(redis, redis.primary(), "get") - primaryGets0;
            long pausedGets = ItSupport.calls(redis, paused, "get") - pausedGets0;
            System.out.printf("async SESSION IT: %d write-then-read pairs in %d ms (%d sessions, %d in flight each), %d violations, "
                    + "%d errors, reads on the fresh replica %d, on the primary %d, on the paused replica %d%n", done.get(), tookMs,
                    sessions, window, violations.get(), errors.size(), freshGets, primaryGets, pausedGets);
            assertThat(errors).as("errors").isEmpty();
            assertThat(done.get()).as("pairs completed").isEqualTo((long) sessions * pairs);
            assertThat(violations.get()).as("read-your-writes violations of " + sessions * pairs).isZero();
            assertThat(pausedGets).as("reads on the paused replica").isZero();
            assertThat(freshGets + primaryGets).as("SESSION reads served, of " + sessions * pairs).isEqualTo((long) sessions * pairs);
        }
    }

    @Test
    void issuingAThousandAsyncGetsDoesNotWaitForThem(RedisTopology redis) throws Exception {
        // 1 s per round trip: issuing must take less than a third of it, and a loaded 2-core machine can stall the
        // issuing thread for more than the 100 ms that a third of 300 ms left
        Duration latency = Duration.ofSeconds(1);
        try (HavenRedisClient client = ItSupport.ready(ItSupport.sentinelClient(redis).attemptTimeout(Duration.ofSeconds(3))
                .probeTimeout(Duration.ofSeconds(2)).build(), 2);
                HavenRedisConnection c = client.connect()) {
            RedisAsyncCommands<String, String> eventual = c.asyncReads(Consistency.EVENTUAL);
            c.sync().set("slow", "v");
            redis.awaitReplicated(Duration.ofSeconds(5));
            for (int i = 0; i < 200; i++) {
                eventual.get("slow").get(5, TimeUnit.SECONDS); // connections to both replicas open
            }
            for (int round = 0; round < 5; round++) { // the issuing path compiled, as in a running application
                List<RedisFuture<String>> warm = new ArrayList<>(1000);
                for (int i = 0; i < 1000; i++) {
                    warm.add(eventual.get("slow"));
                }
                for (RedisFuture<String> f : warm) {
                    f.get(5, TimeUnit.SECONDS);
                }
            }
            redis.replicas().forEach(n -> redis.latency(n, latency));
            try {
                List<RedisFuture<String>> futures = new ArrayList<>(1000);
                long t0 = System.nanoTime();
                for (int i = 0; i < 1000; i++) {
                    futures.add(eventual.get("slow"));
                }
                long issuedNanos = System.nanoTime() - t0;
                long completeAtIssue = futures.stream().filter(java.util.concurrent.Future::isDone).count();
                for (RedisFuture<String> f : futures) {
                    assertThat(f.get(10, TimeUnit.SECONDS)).isEqualTo("v");
                }
                long allNanos = System.nanoTime() - t0;
                System.out.printf("async no-blocking IT: 1000 GETs through a %d ms round trip: issued in %.1f ms (%d already "
                        + "complete), all complete after %d ms%n", latency.toMillis(), issuedNanos / 1e6, completeAtIssue, allNanos / 1_000_000);
                assertThat(completeAtIssue).as("GETs complete when the issuing loop ended").isZero();
                assertThat(issuedNanos).as("time to issue 1000 async GETs (each takes >= " + latency.toMillis() + " ms)")
                        .isLessThan(latency.toNanos() / 3);
                assertThat(allNanos).as("time until all completed").isGreaterThanOrEqualTo(latency.toNanos());
            } finally {
                redis.replicas().forEach(n -> redis.latency(n, Duration.ZERO));
            }
        }
    }

    private static long replicaCalls(RedisTopology redis, String command) {
        return redis.replicas().stream().mapToLong(n -> ItSupport.calls(redis, n, command)).sum();
    }
}
