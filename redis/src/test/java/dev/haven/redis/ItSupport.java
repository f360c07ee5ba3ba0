package dev.haven.redis;

import dev.haven.Role;
import dev.haven.testkit.redis.RedisNode;
import dev.haven.testkit.redis.RedisTopology;
import dev.haven.testkit.redis.SentinelFailover;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Shared by the ITs: a client on a testkit topology, per-node command counters, sleeps. */
final class ItSupport {

    private ItSupport() {
    }

    /**
     * The command timeout of the ITs' clients (the product default is 250 ms). The ITs run on shared 2-core machines
     * with other builds and busy loops beside them; there a reply, or the test JVM's own event loop, is held back for
     * longer than 250 ms (even 500 ms) again and again — a read that times out three times on the only node that
     * qualifies right after a failover then surfaces, a write's outcome becomes unknown. These tests are about where
     * commands go and what a failover costs, not about timeouts; the ones that are set their own.
     */
    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(1);

    /** The probe timeout of the ITs' clients (default 500 ms): one probe timing out marks a node down (see above). */
    static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);

    /**
     * How long the ITs' commands wait for a primary / a qualifying node (default 5 s). A testkit Sentinel failover takes
     * its 3 s down-after plus election and promotion: ~4.3 s here, 6 s and more on a loaded machine, and until it
     * completes no replica can be vouched for within a bounded read's staleness (the writer that would date its
     * offset is gone), so bounded reads wait for it; with 5 s they surfaced as unavailable after a 6.2 s failover.
     */
    static final Duration WRITER_WAIT = Duration.ofSeconds(15);

    /** The ITs' timeouts on {@code b} (see {@link #COMMAND_TIMEOUT}, {@link #WRITER_WAIT}). */
    static HavenRedisClient.Builder sharedMachine(HavenRedisClient.Builder b) {
        return b.attemptTimeout(COMMAND_TIMEOUT).probeTimeout(PROBE_TIMEOUT).writerWait(WRITER_WAIT);
    }

    static HavenRedisClient.Builder sentinelClient(RedisTopology redis) {
        return sharedMachine(HavenRedisClient.builder().sentinel(redis.sentinelUri()).clusterName("it"));
    }

    /**
     * Waits until the client sees a writer and {@code readers} replicas: at most 30 s, as its first probes can time out
     * on a loaded machine.
     */
    static HavenRedisClient ready(HavenRedisClient client, int readers) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            var t = client.topology();
            if (t.writer().isPresent() && t.endpoints().stream().filter(e -> e.role() == Role.READER).count() >= readers) {
                return client;
            }
            sleep(Duration.ofMillis(20));
        }
        throw new AssertionError("topology not ready: " + client.topology());
    }

    /**
     * What the Sentinels settled on after a failover test, and how long Haven took to follow: waits for the Sentinels'
     * settled primary ({@link RedisTopology#discoverPrimary()}), then up to {@code within} for the client's writer to
     * be that node. The failovers the Sentinels completed from {@code since} on are in {@code failovers}: one per
     * kill, more when they failed the promoted primary over too (it did not answer them in time on a loaded machine).
     */
    record SentinelOutcome(RedisNode primary, java.util.List<SentinelFailover> failovers, long havenFollowedMillis) {

        /** Milliseconds from {@code since} until the last of {@link #failovers}, or 0 if there was none. */
        long lastFailoverMillis(java.time.Instant since) {
            return failovers.isEmpty() ? 0 : Duration.between(since, failovers.get(failovers.size() - 1).at()).toMillis();
        }

        @Override
        public String toString() {
            return "Sentinels' primary " + primary.name() + " after " + failovers.size() + " failover(s) "
                    + failovers.stream().map(f -> f.from().name() + "->" + f.to().name()).toList() + ", Haven's writer on it after "
                    + havenFollowedMillis + " ms";
        }
    }

    static SentinelOutcome sentinelOutcome(RedisTopology redis, HavenRedisClient client, java.time.Instant since, Duration within) {
        RedisNode settled = redis.discoverPrimary();
        java.util.List<SentinelFailover> failovers = redis.sentinelFailovers().stream().filter(f -> !f.at().isBefore(since)).toList();
        long t0 = System.nanoTime();
        long deadline = t0 + within.toNanos();
        while (!client.topology().writer().map(e -> e.port() == settled.port()).orElse(false) && System.nanoTime() < deadline) {
            sleep(Duration.ofMillis(10));
        }
        long followed = client.topology().writer().map(e -> e.port() == settled.port()).orElse(false)
                ? (System.nanoTime() - t0) / 1_000_000 : -1;
        return new SentinelOutcome(settled, failovers, followed);
    }

    /** How many times {@code command} ran on {@code node} ({@code INFO commandstats}), read over the node's direct port. */
    static long calls(RedisTopology redis, RedisNode node, String command) {
        RedisClient c = RedisClient.create(RedisURI.create("127.0.0.1", node.directPort()));
        try (StatefulRedisConnection<String, String> conn = c.connect()) {
            Matcher m = Pattern.compile("cmdstat_" + command + ":calls=(\\d+)").matcher(conn.sync().info("commandstats"));
            return m.find() ? Long.parseLong(m.group(1)) : 0;
        } finally {
            c.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        }
    }

    /** Runs {@code f} on a plain Lettuce connection to the node's direct (unproxied) port. */
    static <T> T direct(RedisNode node, java.util.function.Function<StatefulRedisConnection<String, String>, T> f) {
        RedisClient c = RedisClient.create(RedisURI.create("127.0.0.1", node.directPort()));
        try (StatefulRedisConnection<String, String> conn = c.connect()) {
            return f.apply(conn);
        } finally {
            c.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        }
    }

    /**
     * SET over the direct port of the primary the Sentinels settled on; again (at most 5 times) if they moved the
     * primary in between and the node answered READONLY. Returns the node that took the write.
     */
    static RedisNode setOnPrimary(RedisTopology redis, String key, String value) {
        for (int attempt = 1; ; attempt++) {
            RedisNode primary = redis.sentinels().isEmpty() ? redis.primary() : redis.discoverPrimary();
            try {
                direct(primary, c -> c.sync().set(key, value));
                return primary;
            } catch (io.lettuce.core.RedisReadOnlyException e) {
                if (attempt == 5) {
                    throw e;
                }
            }
        }
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
