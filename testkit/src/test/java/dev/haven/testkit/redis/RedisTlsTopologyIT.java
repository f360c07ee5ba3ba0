package dev.haven.testkit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.testkit.redis.internal.Resp;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLSocketFactory;
import org.junit.jupiter.api.Test;

/** A TLS-only topology: nodes, replication and Sentinels over TLS, plain connections refused, faults still apply. */
class RedisTlsTopologyIT {

    private static final Duration T = Duration.ofSeconds(5);

    @Test
    void everyNodeAndSentinelSpeaksTlsOnlyAndReplicationAndFailoverWorkOverIt() throws IOException {
        try (RedisTopology redis = RedisTopology.builder().replicas(1).password("s3cret").tls().start()) {
            SSLSocketFactory tls = Resp.trusting(redis.tlsCaCertificate());
            RedisNode primary = redis.primary();
            RedisNode replica = redis.replicas().get(0);
            System.out.printf("TLS topology started in %d ms (%s)%n", redis.startupTime().toMillis(), redis.binarySource());

            // through the fault proxy, over TLS, the certificate verified for 127.0.0.1
            assertThat(Resp.once(primary.host(), primary.port(), "s3cret", T, tls, "SET", "k", "v")).isEqualTo("OK");
            redis.awaitReplicated(T);
            assertThat(Resp.once(replica.host(), replica.port(), "s3cret", T, tls, "GET", "k")).isEqualTo("v");
            Map<String, String> info = Resp.parseInfo(String.valueOf(
                    Resp.once(replica.host(), replica.directPort(), "s3cret", T, tls, "INFO", "replication")));
            assertThat(info).containsEntry("role", "slave").containsEntry("master_link_status", "up");

            // no plain port: a client without TLS gets no reply, on the proxied and on the direct port
            for (int port : List.of(primary.port(), primary.directPort())) {
                long t0 = System.nanoTime();
                assertThatThrownBy(() -> Resp.once(primary.host(), port, null, T, "PING")).isInstanceOf(IOException.class);
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("plain PING refused, not hung").isLessThan(T);
            }

            RedisNode sentinel = redis.sentinels().get(0);
            @SuppressWarnings("unchecked")
            List<Object> master = (List<Object>) Resp.once(sentinel.host(), sentinel.port(), null, T, tls, "SENTINEL",
                    "GET-MASTER-ADDR-BY-NAME", "haven");
            assertThat(master).containsExactly((Object) "127.0.0.1", Integer.toString(primary.port()));

            // the Sentinels reach the data nodes over TLS: they fail a killed primary over
            RedisNode next = redis.killPrimaryAndAwaitFailover(Duration.ofSeconds(60));
            System.out.printf("TLS Sentinel failover: %s -> %s in %d ms%n", primary.name(), next.name(),
                    redis.lastFailoverTime().toMillis());
            assertThat(next).isSameAs(replica);
            assertThat(Resp.once(next.host(), next.port(), "s3cret", T, tls, "SET", "after", "1")).isEqualTo("OK");
        }
    }
}
