package dev.haven.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.event.HavenEvent;
import dev.haven.metrics.HavenMetrics;
import dev.haven.testkit.SecretScan;
import dev.haven.testkit.StderrCapture;
import dev.haven.testkit.redis.RedisTopology;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The Redis password never leaves Haven: a run with an unusual password (data nodes with {@code requirepass}) through a
 * Sentinel failover, bad-configuration builds (IAM with a password among them), an authentication failure and a server that is not there, and a scan of
 * everything Haven produced (log lines, exception messages and stack traces down every cause, {@code toString()} of the
 * client, its settings, topology and connections, every event, every meter name and tag).
 */
class SecretsIT {

    private static final String SECRET = "Rd-5e1b7d-secret";

    @Test
    void thePasswordAppearsNowhereHavenReports() throws Exception {
        SecretScan scan = new SecretScan(SECRET);
        List<HavenEvent> events = new CopyOnWriteArrayList<>();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        List<String> log;
        try (StderrCapture stderr = new StderrCapture();
             RedisTopology redis = RedisTopology.builder().replicas(1).sentinels(3).password(SECRET).start()) {
            // 1. a workload through a Sentinel failover
            try (HavenRedisClient client = ItSupport.ready(ItSupport.sentinelClient(redis).password(SECRET)
                    .listener(events::add).build(), 1)) {
                HavenMetrics metrics = new HavenMetrics("it", client::topology);
                client.addListener(metrics);
                metrics.bindTo(registry);
                scan.text(client.toString());
                scan.text(client.settings().toString());
                FailoverLoad load = new FailoverLoad(client);
                ItSupport.sleep(Duration.ofSeconds(1));
                redis.killPrimaryAndAwaitFailover(Duration.ofSeconds(30));
                ItSupport.sleep(Duration.ofSeconds(2));
                load.stop();
                List<Throwable> failures = new ArrayList<>(load.readErrors);
                failures.addAll(load.otherWriteErrors);
                failures.forEach(scan::exception);
                load.unknownCauses.forEach(scan::text);
                System.err.printf("SecretsIT: %d writes, %d reads, %d unknown outcome, %d unavailable through the failover%n",
                        load.writes.get(), load.reads.get(), load.unknown.get(), load.unavailable.get());
                try (HavenRedisConnection c = client.connect()) {
                    scan.text(c.toString());
                }
                scan.text(client.toString());
                scan.text(client.topology().toString());
            }
            // 2. bad configuration: the secret as a builder value and in properties, next to a bad value
            List<java.util.function.Supplier<HavenRedisClient>> badConfigs = List.of(
                    () -> HavenRedisClient.builder().sentinel(redis.sentinelUri()).password(SECRET)
                            .attemptTimeout(Duration.ofMillis(-1)).build(),
                    () -> HavenRedisClient.builder().properties(Map.of("haven.redis.sentinel", redis.sentinelUri(),
                            "haven.redis.password", SECRET, "haven.redis.probe-timeout", "-5s")).build(),
                    () -> HavenRedisClient.builder().properties(Map.of("haven.redis.sentinel", redis.sentinelUri(),
                            "haven.redis.password", SECRET, "haven.redis.no-such-key", SECRET)).build(),
                    () -> HavenRedisClient.builder().sentinel("redis-sentinel://:" + SECRET + "@127.0.0.1:99999#m")
                            .password(SECRET).build(),
                    () -> HavenRedisClient.builder().nodes("127.0.0.1:not-a-port").password(SECRET).build(),
                    () -> HavenRedisClient.builder().properties(Map.of("haven.redis.sentinel",
                            "redis-sentinel://:" + SECRET + "@127.0.0.1#m")).build(),
                    () -> HavenRedisClient.builder().nodes("user:" + SECRET + "@127.0.0.1:70000").build(),
                    () -> HavenRedisClient.builder().sentinel(redis.sentinelUri()).credentials("app", SECRET)
                            .auth(RedisAuthentication.IAM).authRegion("us-east-1").authCacheName("orders").build(),
                    () -> HavenRedisClient.builder().properties(Map.of("haven.redis.sentinel", redis.sentinelUri(),
                            "haven.redis.auth", "iam", "haven.redis.username", "app", "haven.redis.password", SECRET,
                            "haven.redis.auth.region", "us-east-1")).build());
            int refused = 0;
            for (java.util.function.Supplier<HavenRedisClient> bad : badConfigs) {
                try (HavenRedisClient notRefused = bad.get()) {
                    scan.text(notRefused.toString());
                } catch (RuntimeException e) {
                    refused++;
                    scan.exception(e);
                }
            }
            assertThat(refused).as("bad configurations refused, of " + badConfigs.size()).isEqualTo(badConfigs.size());
            // 3. a wrong password that contains the secret, and a server that is not there
            int deadPort;
            try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                deadPort = free.getLocalPort(); // closed again: nothing listens there
            }
            List<HavenRedisClient.Builder> failing = List.of(
                    ItSupport.sharedMachine(HavenRedisClient.builder().nodes("127.0.0.1:" + redis.primary().port()))
                            .password(SECRET + "-wrong").writerWait(Duration.ofSeconds(2)).listener(events::add),
                    ItSupport.sharedMachine(HavenRedisClient.builder().nodes("127.0.0.1:" + deadPort))
                            .password(SECRET).writerWait(Duration.ofSeconds(2)).listener(events::add));
            for (HavenRedisClient.Builder b : failing) {
                try (HavenRedisClient client = b.build(); HavenRedisConnection c = client.connect()) {
                    c.sync().set("k", "v");
                    throw new AssertionError("wrote with a wrong password or to no server");
                } catch (RuntimeException e) {
                    scan.exception(e);
                }
            }
            log = stderr.lines();
        }
        events.forEach(scan::text);
        List<Meter> meters = registry.getMeters();
        meters.forEach(m -> scan.text(m.getId()));
        List<String> leaks = scan.leaks(log);
        System.err.printf("SecretsIT (Redis): scanned %d log lines, %d events, %d exceptions (with causes), %d meters,"
                + " %d texts in all: %d contain the password%n", log.size(), events.size(), scan.exceptions(), meters.size(),
                scan.texts(), leaks.size());
        assertThat(events).as("events of the run").isNotEmpty();
        assertThat(scan.exceptions()).as("exceptions scanned").isGreaterThanOrEqualTo(9);
        assertThat(meters).as("meters scanned").isNotEmpty();
        assertThat(leaks).as("texts containing the password").isEmpty();
    }
}
