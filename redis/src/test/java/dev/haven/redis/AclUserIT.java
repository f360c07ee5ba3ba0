package dev.haven.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.Consistency;
import dev.haven.event.HavenEvent;
import dev.haven.testkit.redis.HavenRedis;
import dev.haven.testkit.redis.RedisNode;
import dev.haven.testkit.redis.RedisTopology;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Redis 6 ACL users ({@code credentials(user, password)}), as ElastiCache RBAC and self-managed servers use them: an
 * application user allowed only its own keys reads and writes through Haven's topology (probes and data connections log
 * in as that user); a command the user may not run fails as the server's {@code NOPERM} error and is not mistaken for a
 * failover; with a wrong password every command fails at once (not after writer-wait) with the server's reason.
 */
@HavenRedis(replicas = 1, password = AclUserIT.ADMIN_PASSWORD)
class AclUserIT {

    static final String ADMIN_PASSWORD = "acl-admin-7c1d";
    private static final String USER = "orders-app";
    private static final String USER_PASSWORD = "acl-user-3b9e";

    /** The same ACL user on every data node (ACLs are per server, not replicated), over the direct port as admin. */
    private static void createUser(RedisTopology redis) {
        for (RedisNode n : redis.nodes()) {
            RedisClient c = RedisClient.create(RedisURI.builder().withHost("127.0.0.1").withPort(n.directPort())
                    .withPassword(ADMIN_PASSWORD.toCharArray()).build());
            try (StatefulRedisConnection<String, String> conn = c.connect()) {
                // every command, on its own keys only
                conn.sync().dispatch(io.lettuce.core.protocol.CommandType.ACL,
                        new io.lettuce.core.output.StatusOutput<>(io.lettuce.core.codec.StringCodec.UTF8),
                        new io.lettuce.core.protocol.CommandArgs<>(io.lettuce.core.codec.StringCodec.UTF8).add("SETUSER")
                                .add(USER).add("reset").add("on").add(">" + USER_PASSWORD).add("~orders:*").add("+@all"));
            } finally {
                c.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            }
        }
    }

    @Test
    void anAclUserWorksThroughHavenAndItsRefusalsAreNotFailovers(RedisTopology redis) throws Exception {
        createUser(redis);
        List<HavenEvent> events = new CopyOnWriteArrayList<>();
        try (HavenRedisClient client = ItSupport.ready(ItSupport.sentinelClient(redis).credentials(USER, USER_PASSWORD)
                .listener(events::add).build(), 1);
             HavenRedisConnection c = client.connect()) {
            int readBack = 0;
            for (int i = 0; i < 200; i++) {
                c.sync().set("orders:" + i, "v" + i);
            }
            for (int i = 0; i < 200; i++) {
                readBack += ("v" + i).equals(c.reads(Consistency.STRONG).get("orders:" + i)) ? 1 : 0;
            }
            long topologyBefore = client.topology().version();
            int eventsBefore = events.size();
            assertThatThrownBy(() -> c.sync().set("payroll:1", "x")).as("a key outside the user's pattern")
                    .hasStackTraceContaining("NOPERM");
            assertThatThrownBy(() -> c.reads(Consistency.STRONG).get("payroll:1")).hasStackTraceContaining("NOPERM");
            ItSupport.sleep(Duration.ofMillis(500)); // a probe round or more: any failover the refusal caused would show
            List<String> after = events.subList(eventsBefore, events.size()).stream()
                    .filter(e -> !(e instanceof HavenEvent.StaleReplicaSkipped)).map(e -> e.getClass().getSimpleName())
                    .toList();
            System.out.printf("ACL user %s: %d of 200 keys read back; refused commands raised NOPERM; events after them: %s;"
                    + " topology version %d -> %d%n", USER, readBack, after, topologyBefore, client.topology().version());
            assertThat(readBack).as("keys written and read back as the ACL user, of 200").isEqualTo(200);
            assertThat(after).as("events after the refusals (a NOPERM is the application's, not a server failure)")
                    .noneMatch(n -> n.contains("Down") || n.contains("Failover") || n.contains("Retry"));
            assertThat(client.topology().version()).as("topology version").isEqualTo(topologyBefore);
            assertThat(client.topology().writer()).isPresent();
        }

        // A wrong password: every node refuses the probes' login in the first round (which build() waits for), so a
        // command fails at once, naming the refusal, instead of waiting writer-wait for a node that cannot come.
        long t0 = System.nanoTime();
        long[] built = new long[1];
        long[] readMs = {-1};
        long[] asyncMs = {-1};
        assertThatThrownBy(() -> {
            try (HavenRedisClient wrong = ItSupport.sentinelClient(redis).credentials(USER, USER_PASSWORD + "-wrong")
                    .writerWait(Duration.ofSeconds(3)).build(); HavenRedisConnection c = wrong.connect()) {
                built[0] = System.nanoTime();
                try {
                    c.reads(Consistency.EVENTUAL).get("orders:1");
                } catch (HavenRedisUnavailableException e) {
                    readMs[0] = (System.nanoTime() - built[0]) / 1_000_000;
                    assertThat(e).hasMessageContaining("every node refused the login").hasMessageContaining("WRONGPASS");
                }
                long a0 = System.nanoTime();
                try {
                    c.async().set("orders:wrong", "x").toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    asyncMs[0] = (System.nanoTime() - a0) / 1_000_000;
                    assertThat(e.getCause()).isInstanceOf(HavenRedisUnavailableException.class)
                            .hasMessageContaining("every node refused the login");
                }
                built[0] = System.nanoTime();
                c.sync().set("orders:wrong", "x");
            }
        }).as("a write as the ACL user with a wrong password: the message says why").isInstanceOf(HavenRedisUnavailableException.class)
                .hasMessageContaining("every node refused the login (haven.redis.password, user " + USER + ")")
                .hasMessageContaining("WRONGPASS").hasMessageNotContaining(USER_PASSWORD);
        long writeMs = (System.nanoTime() - built[0]) / 1_000_000;
        long totalMs = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("ACL user with a wrong password: build (first probe round) + read + write refused in %d ms; the read "
                + "failed %d ms, an async write %d ms and the write %d ms after their call (writer-wait 3 s)%n", totalMs, readMs[0],
                asyncMs[0], writeMs);
        assertThat(asyncMs[0]).as("ms until an async write with a wrong password fails (writer-wait 3 s)").isBetween(0L, 999L);
        assertThat(readMs[0]).as("ms until a read with a wrong password fails (writer-wait 3 s)").isBetween(0L, 999L);
        assertThat(writeMs).as("ms until a write with a wrong password fails (writer-wait 3 s)").isLessThan(1_000);
    }
    /**
     * TLS asked for against servers without it (Sentinels and data nodes speak plain RESP): a clear error in bounded
     * time, naming TLS, never a hang.
     */
    @Test
    void tlsAskedForAgainstServersWithoutItFailsFastSayingSo(RedisTopology redis) {
        createUser(redis);
        long t0 = System.nanoTime();
        Throwable failed = org.assertj.core.api.Assertions.catchThrowable(() -> {
            try (HavenRedisClient client = ItSupport.sentinelClient(redis).credentials(USER, USER_PASSWORD).tls()
                    .clusterName("it-tls-plain").build(); HavenRedisConnection c = client.connect()) {
                c.sync().set("orders:tls", "1");
            }
        });
        long millis = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("TLS against plain servers: failed after %d ms: %s%n", millis, failed);
        assertThat(failed).as("what the application got").isInstanceOf(HavenRedisUnavailableException.class)
                .hasMessageContaining("TLS");
        // each of the 3 Sentinels: connect-timeout + probe-timeout (1 s each on a shared machine), plus slack
        assertThat(millis).as("ms until it failed (not a hang)").isLessThan(8_000);
    }
}
