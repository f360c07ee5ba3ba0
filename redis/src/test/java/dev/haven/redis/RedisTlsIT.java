package dev.haven.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.haven.Consistency;
import dev.haven.Endpoint;
import dev.haven.Role;
import dev.haven.event.HavenEvent;
import dev.haven.testkit.TlsCertificates;
import dev.haven.testkit.redis.HavenRedis;
import dev.haven.testkit.redis.RedisNode;
import dev.haven.testkit.redis.RedisTopology;
import dev.haven.testkit.redis.internal.Resp;
import io.lettuce.core.SslVerifyMode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLSocketFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ElastiCache in-transit encryption, imitated: every data node and Sentinel listens with TLS only (no plain port), so
 * whatever Haven reaches &mdash; Sentinel discovery and {@code +switch-master}, the monitor's probes, data connections
 * &mdash; it reaches over TLS, verified against the topology's CA.
 */
@HavenRedis(replicas = 2, tls = true, perClass = true)
class RedisTlsIT {

    private static final Duration T = Duration.ofSeconds(5);

    private static HavenRedisClient.Builder tlsClient(RedisTopology redis) {
        return ItSupport.sentinelClient(redis).tls(redis.tlsCaCertificate());
    }

    @Test
    void readsWritesTopologyAndSentinelFailoverOverTls(RedisTopology redis) throws Exception {
        List<HavenEvent> events = new CopyOnWriteArrayList<>();
        try (HavenRedisClient client = ItSupport.ready(tlsClient(redis).listener(events::add).build(), 2)) {
            // the topology, found over TLS through the Sentinels and the probes
            RedisNode primary = redis.primary();
            assertThat(client.topology().writer().map(Endpoint::port)).contains(primary.port());
            assertThat(client.topology().endpoints().stream().filter(e -> e.role() == Role.READER).map(Endpoint::port))
                    .containsExactlyInAnyOrderElementsOf(redis.replicas().stream().map(RedisNode::port).toList());

            // 1,000 writes, then (once replicated) 1,000 EVENTUAL reads, which the replicas serve; every value checked
            SSLSocketFactory tls = Resp.trusting(redis.tlsCaCertificate());
            long replicaGetsBefore = replicaGets(redis, tls);
            int errors = 0;
            long t0 = System.nanoTime();
            try (HavenRedisConnection c = client.connect()) {
                for (int i = 0; i < 1000; i++) {
                    try {
                        c.sync().set("tls:" + i, "v" + i);
                    } catch (RuntimeException e) {
                        errors++;
                    }
                }
                redis.awaitReplicated(T);
                for (int i = 0; i < 1000; i++) {
                    try {
                        if (!("v" + i).equals(c.reads(Consistency.EVENTUAL).get("tls:" + i))) {
                            errors++;
                        }
                    } catch (RuntimeException e) {
                        errors++;
                    }
                }
            }
            long opsMillis = (System.nanoTime() - t0) / 1_000_000;
            long replicaGets = replicaGets(redis, tls) - replicaGetsBefore;
            System.out.printf("TLS IT: 2000 ops (1000 SET, 1000 GET) over TLS in %d ms, %d errors, %d GETs served by replicas%n",
                    opsMillis, errors, replicaGets);
            assertThat(errors).as("errors or wrong values of 2000 ops over TLS").isZero();
            assertThat(replicaGets).as("of 1000 eventual reads, served by replicas (over TLS)").isGreaterThan(500);

            // Sentinel failover: Sentinels, probes and data connections all over TLS, as in SentinelFailoverIT
            FailoverLoad load = new FailoverLoad(client);
            ItSupport.sleep(Duration.ofSeconds(1));
            RedisNode old = redis.primary();
            Instant killedAt = Instant.now();
            long k0 = System.nanoTime();
            RedisNode next = redis.killPrimaryAndAwaitFailover(Duration.ofSeconds(30));
            Duration failover = redis.lastFailoverTime();
            ItSupport.sleep(Duration.ofSeconds(2));
            long kEnd = System.nanoTime();
            load.stop();
            long back = load.longestWriteGapMillis(k0, kEnd);
            ItSupport.SentinelOutcome outcome = ItSupport.sentinelOutcome(redis, client, killedAt, Duration.ofSeconds(3));
            long lastFailover = Math.max(failover.toMillis(), outcome.lastFailoverMillis(killedAt));
            System.out.printf("TLS IT failover: %s -> %s, Sentinel failover %d ms, longest write gap after kill %d ms, writes %d, "
                    + "reads %d, read errors %d, unknown outcome %d, unavailable %d; %s%n", old.name(), next.name(), failover.toMillis(),
                    back, load.writes.get(), load.reads.get(), load.readErrors.size(), load.unknown.get(), load.unavailable.get(), outcome);
            assertThat(load.readErrors).as("read errors surfaced").isEmpty();
            assertThat(load.otherWriteErrors).as("write errors other than unknown-outcome/unavailable").isEmpty();
            assertThat(outcome.failovers()).as("Sentinel failovers after the kill").isNotEmpty();
            assertThat(back).as("ms without a successful write after the kill (last Sentinel failover " + lastFailover + " ms after it)")
                    .isLessThanOrEqualTo(lastFailover + 1000);
            assertThat(outcome.havenFollowedMillis()).as("ms until Haven's writer was the Sentinels' settled primary (-1: not in 3 s)")
                    .isBetween(0L, 3000L);
            assertThat(events).anyMatch(e -> e instanceof HavenEvent.FailoverCompleted);
        }
    }

    /** Static {@code nodes} (no Sentinel): roles found by the probes over TLS, data over TLS, reads on the replicas. */
    @Test
    void staticNodesOverTls(RedisTopology redis) throws Exception {
        // the class's topology is shared: a node the failover test killed is left out
        String[] nodes = redis.nodes().stream().filter(RedisNode::isRunning).map(n -> "127.0.0.1:" + n.port())
                .toArray(String[]::new);
        int ok = 0;
        try (HavenRedisClient client = ItSupport.ready(ItSupport.sharedMachine(HavenRedisClient.builder()).nodes(nodes)
                .tls(redis.tlsCaCertificate()).clusterName("it-nodes-tls").build(), nodes.length - 1);
             HavenRedisConnection c = client.connect()) {
            assertThat(client.topology().writer().map(Endpoint::port)).contains(redis.primary().port());
            for (int i = 0; i < 200; i++) {
                c.sync().set("tls-nodes:" + i, "v" + i);
            }
            for (int i = 0; i < 200; i++) {
                ok += ("v" + i).equals(c.reads(Consistency.STRONG).get("tls-nodes:" + i)) ? 1 : 0;
            }
        }
        System.out.printf("TLS IT: static nodes over TLS, %d of 200 written and read back%n", ok);
        assertThat(ok).as("values written and read back over TLS, of 200").isEqualTo(200);
    }

    @Test
    void aClientWithoutTlsOrWithAnotherCaIsRefusedWithAClearMessage(RedisTopology redis, @TempDir Path dir) {
        // what a failed start may take at most: each of the 3 Sentinels connect-timeout + probe-timeout, plus slack
        Duration bound = Duration.ofSeconds(3 * (1 + 1) + 2);

        long t0 = System.nanoTime();
        Throwable plain = catchThrowable(() -> ItSupport.sentinelClient(redis).build().close());
        long plainMillis = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("TLS IT: client without TLS refused after %d ms: %s%n", plainMillis, plain);
        assertThat(plain).isInstanceOf(HavenRedisUnavailableException.class).hasMessageContaining("haven.redis.tls=true");
        assertThat(plainMillis).as("ms until a client without TLS failed (not a hang)").isLessThan(bound.toMillis());

        TlsCertificates other = TlsCertificates.create(dir.resolve("other"), List.of("127.0.0.1", "localhost"));
        t0 = System.nanoTime();
        Throwable wrongCa = catchThrowable(() -> ItSupport.sentinelClient(redis).tls(other.caCertificate())
                .tlsVerify(SslVerifyMode.FULL).build().close());
        long wrongCaMillis = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("TLS IT: client trusting another CA refused after %d ms: %s%n", wrongCaMillis, wrongCa);
        assertThat(wrongCa).isInstanceOf(HavenRedisUnavailableException.class).hasMessageContaining("TLS handshake failed")
                .hasMessageContaining("tls-ca-certificate");
        assertThat(wrongCaMillis).as("ms until a client trusting another CA failed").isLessThan(bound.toMillis());

        // the same wrong CA with tls-verify=none: encrypted, not authenticated, and it works
        try (HavenRedisClient none = ItSupport.ready(ItSupport.sentinelClient(redis).tls(other.caCertificate())
                .tlsVerify(SslVerifyMode.NONE).clusterName("it-none").build(), 1);
                HavenRedisConnection c = none.connect()) {
            c.sync().set("tls:none", "1");
            assertThat(c.reads(Consistency.STRONG).get("tls:none")).isEqualTo("1");
        }
    }

    /** GETs the replicas ran, from {@code INFO commandstats} over TLS on their direct ports. */
    private static long replicaGets(RedisTopology redis, SSLSocketFactory tls) throws Exception {
        long sum = 0;
        for (RedisNode r : redis.replicas()) {
            if (r.isRunning()) {
                String stats = String.valueOf(Resp.once("127.0.0.1", r.directPort(), null, T, tls, "INFO", "commandstats"));
                Matcher m = Pattern.compile("cmdstat_get:calls=(\\d+)").matcher(stats);
                sum += m.find() ? Long.parseLong(m.group(1)) : 0;
            }
        }
        return sum;
    }
}
