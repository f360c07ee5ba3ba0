package dev.haven.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.HavenSession;
import dev.haven.Role;
import dev.haven.redis.HavenRedisClient;
import dev.haven.redis.HavenRedisConnection;
import dev.haven.testkit.redis.HavenRedis;
import dev.haven.testkit.redis.RedisNode;
import dev.haven.testkit.redis.RedisTopology;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Redis code in a Spring application takes the request's session and {@link HavenConsistency} from {@link HavenContext}:
 * with the only replica's replication paused, 30 write-then-read "requests" that carry the session as a token between
 * them (as the web filter does) read every value they wrote under {@code @HavenConsistency("session")}, while
 * {@code @HavenConsistency("eventual")} reads of the same keys on the paused replica miss them.
 */
@HavenRedis(replicas = 1)
class SpringRedisSessionIT {

    static final int PAIRS = 30;

    /** An application's Redis code: the session and consistency come from the context, nothing else changes. */
    static class Carts {
        private final HavenRedisClient redis;

        Carts(HavenRedisClient redis) {
            this.redis = redis;
        }

        public void put(String key, String value) {
            try (HavenRedisConnection c = redis.connect(HavenContext.session().orElseGet(HavenSession::create))) {
                c.sync().set(key, value);
            }
        }

        @HavenConsistency("session")
        public String readOwn(String key) {
            return read(key);
        }

        @HavenConsistency("eventual")
        public String readAny(String key) {
            return read(key);
        }

        private String read(String key) {
            try (HavenRedisConnection c = redis.connect(HavenContext.session().orElseGet(HavenSession::create))) {
                return c.reads(HavenContext.consistency().orElseThrow()).get(key);
            }
        }
    }

    @Test
    void sessionReadsSeeTheirWritesWhileTheReplicaIsPaused(RedisTopology redis) throws Exception {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(HavenRedisAutoConfiguration.class, HavenContextAutoConfiguration.class))
                .withBean(Carts.class)
                .withPropertyValues("haven.redis.sentinel=" + redis.sentinelUri(), "haven.redis.cluster-name=spring-redis-session",
                        "haven.redis.attempt-timeout=1s", "haven.redis.probe-timeout=1s", "haven.redis.writer-wait=15s")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    HavenRedisClient client = context.getBean(HavenRedisClient.class);
                    SpringTransactionRoutingIT.await("primary and replica", Duration.ofSeconds(30), () ->
                            client.topology().writer().isPresent()
                                    && client.topology().endpoints().stream().filter(e -> e.role() == Role.READER).count() == 1);
                    Carts carts = context.getBean(Carts.class);
                    RedisNode replica = redis.replicas().get(0);
                    redis.pauseReplication(replica);
                    String token = null;
                    int sessionStale = 0;
                    int eventualStale = 0;
                    try {
                        for (int i = 0; i < PAIRS; i++) {
                            String key = "cart:" + i;
                            String value = "v" + i;
                            HavenSession write = HavenSession.fromToken(token);
                            HavenContext.callInSession(write, () -> {
                                carts.put(key, value);
                                return null;
                            });
                            token = write.token(); // what the filter writes on the response
                            String own = HavenContext.callInSession(HavenSession.fromToken(token), () -> carts.readOwn(key));
                            sessionStale += value.equals(own) ? 0 : 1;
                            eventualStale += value.equals(carts.readAny(key)) ? 0 : 1;
                        }
                    } finally {
                        redis.resumeReplication(replica);
                    }
                    System.out.printf("Redis through HavenContext, replica replication paused: session reads %d of %d stale, "
                            + "eventual reads %d of %d stale; token %s%n", sessionStale, PAIRS, eventualStale, PAIRS, token);
                    assertThat(sessionStale).as("session reads that missed the request's own write").isZero();
                    assertThat(eventualStale).as("eventual reads of the paused replica miss writes (the control)").isPositive();
                    assertThat(token).contains("spring-redis-session@");
                });
    }
}
