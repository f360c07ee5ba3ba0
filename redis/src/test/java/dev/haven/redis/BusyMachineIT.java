package dev.haven.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.Consistency;
import dev.haven.testkit.CpuBurners;
import dev.haven.testkit.redis.HavenRedis;
import dev.haven.testkit.redis.RedisNode;
import dev.haven.testkit.redis.RedisTopology;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Timeouts that fire on healthy servers are failures Haven makes up. With the default settings (no shared-machine
 * timeouts here), a workload of 2 writers and 4 readers runs beside two CPU-burning threads for 60 s: 0 errors of any
 * kind (the former 250 ms command timeout surfaced outcome-unknown writes on a healthy, CPU-starved primary). And a hung
 * node still costs a reader about one probe round, not the attempt timeout: its connection is dropped when the monitor
 * declares it down.
 */
@HavenRedis(replicas = 2)
class BusyMachineIT {

    @Test
    void aMinuteBesideTwoCpuBurnersWithDefaultSettingsHasNoErrors(RedisTopology redis) throws Exception {
        try (HavenRedisClient client = ItSupport.ready(HavenRedisClient.builder().sentinel(redis.sentinelUri())
                        .clusterName("busy").build(), 2);
                HavenRedisConnection c = client.connect();
                CpuBurners burners = CpuBurners.start(2, Duration.ofSeconds(90))) {
            AtomicBoolean run = new AtomicBoolean(true);
            AtomicLong writes = new AtomicLong();
            AtomicLong reads = new AtomicLong();
            AtomicLong slowest = new AtomicLong();
            List<Throwable> errors = new CopyOnWriteArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                boolean writer = i < 2;
                int id = i;
                threads.add(new Thread(() -> {
                    long n = 0;
                    while (run.get()) {
                        long t0 = System.nanoTime();
                        try {
                            if (writer) {
                                c.sync().set("busy:" + id + ":" + (n % 100), Long.toString(n));
                                writes.incrementAndGet();
                            } else {
                                c.reads(Consistency.EVENTUAL).get("busy:0:" + (n % 100));
                                reads.incrementAndGet();
                            }
                        } catch (RuntimeException e) {
                            errors.add(e);
                        }
                        slowest.accumulateAndGet(System.nanoTime() - t0, Math::max);
                        n++;
                    }
                }, (writer ? "busy-writer-" : "busy-reader-") + i));
            }
            threads.forEach(Thread::start);
            ItSupport.sleep(Duration.ofSeconds(60));
            run.set(false);
            for (Thread t : threads) {
                t.join(30_000);
            }
            System.out.printf("busy machine (Redis, defaults, 2 burners, 60 s): writes %d, reads %d, slowest %d ms, errors %d %s%n",
                    writes.get(), reads.get(), slowest.get() / 1_000_000, errors.size(),
                    errors.stream().limit(3).map(Throwable::toString).toList());
            assertThat(errors).as("errors of any kind on healthy servers").isEmpty();
            assertThat(writes.get()).as("writes acknowledged").isGreaterThan(1_000);
            assertThat(reads.get()).as("reads answered").isGreaterThan(1_000);
        }
    }

    @Test
    void aHungReplicaReleasesItsReadersWhenDeclaredDownNotAfterTheAttemptTimeout(RedisTopology redis) throws Exception {
        Duration attemptTimeout = Duration.ofSeconds(20);
        try (HavenRedisClient client = ItSupport.ready(ItSupport.sentinelClient(redis).attemptTimeout(attemptTimeout).build(), 2);
                HavenRedisConnection c = client.connect()) {
            c.sync().set("k", "v");
            redis.awaitReplicated(Duration.ofSeconds(5));
            AtomicBoolean run = new AtomicBoolean(true);
            AtomicLong reads = new AtomicLong();
            AtomicLong slowest = new AtomicLong();
            List<Throwable> errors = new CopyOnWriteArrayList<>();
            List<Thread> readers = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                readers.add(new Thread(() -> {
                    while (run.get()) {
                        long t0 = System.nanoTime();
                        try {
                            assertThat(c.reads(Consistency.EVENTUAL).get("k")).isEqualTo("v");
                            reads.incrementAndGet();
                        } catch (RuntimeException | AssertionError e) {
                            errors.add(e);
                        }
                        slowest.accumulateAndGet(System.nanoTime() - t0, Math::max);
                    }
                }, "hung-reader-" + i));
            }
            readers.forEach(Thread::start);
            ItSupport.sleep(Duration.ofSeconds(1));
            RedisNode hung = redis.replicas().get(0);
            redis.freeze(hung);
            ItSupport.sleep(Duration.ofSeconds(6));
            run.set(false);
            for (Thread t : readers) {
                t.join(30_000);
            }
            redis.unfreeze(hung);
            long slowestMs = slowest.get() / 1_000_000;
            System.out.printf("hung replica %s: reads %d, errors %d, slowest read %d ms (attempt timeout %d ms, probe timeout %d ms)%n",
                    hung.name(), reads.get(), errors.size(), slowestMs, attemptTimeout.toMillis(), ItSupport.PROBE_TIMEOUT.toMillis());
            assertThat(errors).as("read errors").isEmpty();
            assertThat(slowestMs).as("slowest read (ms): released when the replica is declared down, long before the %d ms "
                    + "attempt timeout", attemptTimeout.toMillis()).isLessThan(attemptTimeout.toMillis() / 2);
        }
    }
}
