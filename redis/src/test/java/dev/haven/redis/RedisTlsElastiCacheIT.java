package dev.haven.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.Consistency;
import dev.haven.testkit.redis.HavenRedis;
import dev.haven.testkit.redis.HostAndPort;
import dev.haven.testkit.redis.RedisNode;
import dev.haven.testkit.redis.RedisTopology;
import dev.haven.testkit.redis.internal.Resp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLSocketFactory;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * ElastiCache mode with in-transit encryption: the primary endpoint and the discovered replicas over TLS only; and the
 * way ElastiCache is run with IAM authentication (which requires in-transit encryption): TLS and IAM tokens together.
 */
@HavenRedis(replicas = 1, elastiCacheMode = true, tls = true)
class RedisTlsElastiCacheIT {

    @Test
    void primaryEndpointFlipIsFollowedOverTls(RedisTopology redis) throws Exception {
        HostAndPort endpoint = redis.primaryEndpoint();
        try (HavenRedisClient client = ItSupport.ready(ItSupport.sharedMachine(HavenRedisClient.builder())
                .elastiCache(endpoint.host() + ":" + endpoint.port(), null).tls(redis.tlsCaCertificate()).clusterName("ec-tls")
                .build(), 1)) {
            FailoverLoad load = new FailoverLoad(client);
            ItSupport.sleep(Duration.ofSeconds(1));
            RedisNode old = redis.primary();
            long t0 = System.nanoTime();
            RedisNode next = redis.failover();
            long flipMillis = (System.nanoTime() - t0) / 1_000_000;
            ItSupport.sleep(Duration.ofSeconds(2));
            long tEnd = System.nanoTime();
            load.stop();
            long back = load.longestWriteGapMillis(t0, tEnd);
            System.out.printf("TLS ElastiCache IT: %s -> %s, flip took %d ms, longest write gap %d ms, writes %d, reads %d, "
                    + "read errors %d, unknown %d, unavailable %d%n", old.name(), next.name(), flipMillis, back, load.writes.get(),
                    load.reads.get(), load.readErrors.size(), load.unknown.get(), load.unavailable.get());
            assertThat(load.reads.get()).as("reads over TLS").isGreaterThan(100);
            assertThat(load.readErrors).as("read errors surfaced").isEmpty();
            assertThat(load.otherWriteErrors).isEmpty();
            assertThat(back).as("ms without a successful write after the failover started (flip took " + flipMillis + " ms)")
                    .isLessThanOrEqualTo(flipMillis + 1000);
        }
    }
    /**
     * {@code auth=iam} over TLS in ElastiCache mode, as ElastiCache runs it: the IAM user's password on every node is the
     * token of the moment (signed by the test, see {@link ElastiCacheIamIT#token}); the client logs in with it over TLS,
     * writes and reads back (strong reads checked; eventual ones, on the replica, only must not fail), and after a rotation (new token accepted, old one removed) goes on without a
     * failed operation.
     */
    @Test
    void iamTokensOverTlsInElastiCacheMode(RedisTopology redis) throws Exception {
        String user = ElastiCacheIamIT.USER;
        SSLSocketFactory tls = Resp.trusting(redis.tlsCaCertificate());
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Duration refresh = Duration.ofMinutes(10);
        dev.haven.testkit.SettableClock clock = new dev.haven.testkit.SettableClock(t0);
        String first = ElastiCacheIamIT.token(t0);
        String second = ElastiCacheIamIT.token(t0.plus(refresh));
        for (RedisNode n : redis.nodes()) {
            Resp.once("127.0.0.1", n.directPort(), null, Duration.ofSeconds(5), tls, "ACL", "SETUSER", user, "reset", "on",
                    ">" + first, "~*", "+@all");
        }
        HostAndPort endpoint = redis.primaryEndpoint();
        List<Throwable> failures = new ArrayList<>();
        int ok = 0;
        try (HavenRedisClient client = ItSupport.ready(ItSupport.sharedMachine(HavenRedisClient.builder())
                .elastiCache(endpoint.host() + ":" + endpoint.port(), null).tls(redis.tlsCaCertificate())
                .clusterName("ec-tls-iam").username(user).auth(RedisAuthentication.IAM).authRegion("us-east-1")
                .authCacheName(ElastiCacheIamIT.CACHE).awsCredentials(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create("AKIAHAVENIT0EXAMPLE", ElastiCacheIamIT.SECRET_KEY)))
                .authClock(clock).build(), 1);
             HavenRedisConnection c = client.connect()) {
            for (int round = 0; round < 2; round++) {
                if (round == 1) {
                    for (RedisNode n : redis.nodes()) { // the new token accepted, then the clock moves: Haven signs it
                        Resp.once("127.0.0.1", n.directPort(), null, Duration.ofSeconds(5), tls, "ACL", "SETUSER", user,
                                ">" + second);
                    }
                    clock.set(t0.plus(refresh));
                    ItSupport.sleep(Duration.ofSeconds(3)); // Haven's once-a-second check re-authenticates open connections
                    for (RedisNode n : redis.nodes()) { // from now on only the new token logs in
                        Resp.once("127.0.0.1", n.directPort(), null, Duration.ofSeconds(5), tls, "ACL", "SETUSER", user,
                                "<" + first);
                    }
                }
                for (int i = 0; i < 200; i++) {
                    try {
                        c.sync().set("iam-tls:" + i, "v" + round + i);
                        ok += ("v" + round + i).equals(c.reads(Consistency.STRONG).get("iam-tls:" + i)) ? 1 : 0;
                        c.reads(Consistency.EVENTUAL).get("iam-tls:" + i); // the replica logs in too (may be stale)
                    } catch (RuntimeException e) {
                        failures.add(e);
                    }
                }
            }
        }
        System.out.printf("TLS ElastiCache IAM: %d of 400 write-and-read pairs, across one token rotation, failures %s%n", ok,
                failures);
        assertThat(failures).as("operations failed").isEmpty();
        assertThat(ok).as("write-and-read pairs answered, of 400").isEqualTo(400);
    }
}
