package dev.haven.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.Consistency;
import dev.haven.Role;
import dev.haven.redis.HavenRedisClient;
import dev.haven.redis.HavenRedisConnection;
import dev.haven.redis.RedisKeys;
import dev.haven.testkit.redis.HavenRedis;
import dev.haven.testkit.redis.RedisTopology;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * {@code haven.redis.*} in a Spring context → a working {@link HavenRedisClient} on a real Sentinel topology, whose
 * health shows the primary, and after the primary is killed the failover the Sentinels made.
 */
@HavenRedis(replicas = 1)
class SpringRedisIT {

    static final int KEYS = 50;

    @Test
    void theClientFromPropertiesWritesToThePrimaryAndReadsBack(RedisTopology redis) throws Exception {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(HavenRedisAutoConfiguration.class,
                        HavenStoresAutoConfiguration.class, HavenEndpointAutoConfiguration.class,
                        org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration.class,
                        org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration.class,
                        org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration.class))
                .withPropertyValues("management.endpoints.web.exposure.include=haven",
                        "haven.redis.sentinel=" + redis.sentinelUri(), "haven.redis.cluster-name=spring-redis-it",
                        // a shared 2-core machine: the testkit's own ITs use these timeouts too
                        "haven.redis.attempt-timeout=1s", "haven.redis.probe-timeout=1s", "haven.redis.writer-wait=15s")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    HavenRedisClient client = context.getBean(HavenRedisClient.class);
                    assertThat(client.settings().get(RedisKeys.ATTEMPT_TIMEOUT)).isEqualTo(Duration.ofSeconds(1));
                    SpringTransactionRoutingIT.await("primary and replica", Duration.ofSeconds(30), () ->
                            client.topology().writer().isPresent()
                                    && client.topology().endpoints().stream().filter(e -> e.role() == Role.READER).count() == 1);
                    int readBack = 0;
                    try (HavenRedisConnection c = client.connect()) {
                        for (int i = 0; i < KEYS; i++) {
                            c.sync().set("spring:" + i, "v" + i);
                        }
                        for (int i = 0; i < KEYS; i++) {
                            readBack += ("v" + i).equals(c.reads(Consistency.STRONG).get("spring:" + i)) ? 1 : 0;
                        }
                    }
                    System.out.printf("haven.redis.* client: %d of %d keys read back from the primary%n", readBack, KEYS);
                    assertThat(readBack).isEqualTo(KEYS);

                    org.springframework.boot.health.contributor.Health health = context.getBean("havenRedisHealthIndicator",
                            org.springframework.boot.health.contributor.HealthIndicator.class).health();
                    String primary = client.topology().writer().orElseThrow().id();
                    System.out.println("havenRedis health: " + health);
                    assertThat(health.getStatus()).isEqualTo(org.springframework.boot.health.contributor.Status.UP);
                    assertThat(health.getDetails()).containsEntry("cluster", "spring-redis-it").containsEntry("writer", primary)
                            .containsEntry("replicas", 1);
                    io.micrometer.core.instrument.MeterRegistry registry =
                            context.getBean(io.micrometer.core.instrument.MeterRegistry.class);
                    assertThat(registry.get("haven.endpoints").tag("cluster", "spring-redis-it").tag("role", "writer").gauge()
                            .value()).isEqualTo(1.0);
                    assertThat(health.getDetails()).doesNotContainKey("lastFailover");

                    org.springframework.boot.health.contributor.HealthIndicator indicator = context.getBean(
                            "havenRedisHealthIndicator", org.springframework.boot.health.contributor.HealthIndicator.class);
                    redis.killPrimaryAndAwaitFailover(Duration.ofSeconds(30));
                    // The Sentinels may fail over more than once on a loaded machine: the last failover the health shows
                    // ends on the primary Haven follows once it settled.
                    SpringTransactionRoutingIT.await("the failover in the havenRedis health", Duration.ofSeconds(30), () -> {
                        Object last = indicator.health().getDetails().get("lastFailover");
                        return last instanceof java.util.Map<?, ?> m && client.topology().writer().isPresent()
                                && client.topology().writer().get().id().equals(m.get("to"));
                    });
                    org.springframework.boot.health.contributor.Health after = indicator.health();
                    System.out.println("havenRedis health after the primary was killed: " + after);
                    java.util.Map<?, ?> last = (java.util.Map<?, ?>) after.getDetails().get("lastFailover");
                    assertThat(after.getStatus()).isEqualTo(org.springframework.boot.health.contributor.Status.UP);
                    assertThat(last.get("from")).as("the failover's old primary").isNotNull().isNotEqualTo(last.get("to"));
                    assertThat(((Number) last.get("durationMs")).longValue()).as("ms without a primary").isPositive();

                    // The haven endpoint of a Redis-only application: the client's topology, breakers and failover.
                    java.util.Map<String, Object> view = context.getBean(HavenEndpoint.class).topology();
                    System.out.println("haven endpoint: " + view);
                    assertThat(view).containsOnlyKeys("redis");
                    java.util.Map<?, ?> r = (java.util.Map<?, ?>) view.get("redis");
                    assertThat(r.get("cluster")).isEqualTo("spring-redis-it");
                    assertThat(r.get("writer")).isEqualTo(client.topology().writer().orElseThrow().id());
                    java.util.List<?> servers = (java.util.List<?>) r.get("servers");
                    assertThat(servers).hasSize(client.topology().endpoints().size())
                            .allSatisfy(s -> assertThat(((java.util.Map<?, ?>) s).get("breaker")).isNotNull());
                    assertThat(((java.util.Map<?, ?>) r.get("lastFailover")).get("to")).isEqualTo(r.get("writer"));
                    assertThat(((java.util.Map<?, ?>) r.get("settings")).get("haven.redis.attempt-timeout")).isEqualTo("1s");
                });
    }
}
