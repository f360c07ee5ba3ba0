package dev.haven.spring.boot;

import dev.haven.Topology;
import dev.haven.dynamodb.DynamoDbKeys;
import dev.haven.dynamodb.HavenDynamoDbClient;
import dev.haven.event.HavenEventListener;
import dev.haven.metrics.HavenMetrics;
import dev.haven.redis.HavenRedisClient;
import dev.haven.redis.RedisKeys;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Health and metrics of the {@link HavenRedisClient} and {@link HavenDynamoDbClient} beans, like the data source's: a
 * health contributor each ({@code havenRedis}, {@code havenDynamoDb}: UP with a primary / home region, DOWN without,
 * the servers or regions and their roles, the last failover and one in progress, from the client's topology snapshot
 * and events, never waiting), on Spring Boot 4 and
 * 3.5 alike, off with {@code management.health.haven-redis.enabled=false} / {@code haven-dynamo-db}; and with
 * Micrometer a {@link HavenMetrics} each ({@code haven.*} meters tagged with the client's cluster name).
 */
@AutoConfiguration(after = {HavenRedisAutoConfiguration.class, HavenDynamoDbAutoConfiguration.class,
        HavenMetricsAutoConfiguration.class})
public final class HavenStoresAutoConfiguration {

    static final String BOOT4_INDICATOR = "org.springframework.boot.health.contributor.HealthIndicator";

    /**
     * A Redis or DynamoDB client's health details ({@link HavenHealthDetails#fillStore}) and whether it is UP, for either
     * Boot's indicator: its failovers followed from now on (bean creation, at start-up).
     */
    static Predicate<Map<String, Object>> storeHealth(String cluster, Supplier<Topology> topology,
            Consumer<HavenEventListener> addListener) {
        HavenFailovers failovers = new HavenFailovers(addListener);
        return d -> HavenHealthDetails.fillStore(cluster, topology.get(), failovers, d);
    }

    /** Spring Boot 4's health API, loaded only where it exists (the beans that use it are conditional on it). */
    static final class Boot4 {
        private Boot4() {
        }

        static org.springframework.boot.health.contributor.HealthIndicator indicator(Predicate<Map<String, Object>> fill) {
            return () -> {
                Map<String, Object> d = new LinkedHashMap<>();
                return (fill.test(d) ? org.springframework.boot.health.contributor.Health.up()
                        : org.springframework.boot.health.contributor.Health.down()).withDetails(d).build();
            };
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"dev.haven.redis.HavenRedisClient", "io.micrometer.core.instrument.binder.MeterBinder"})
    @ConditionalOnBean(HavenRedisClient.class)
    static class RedisMetrics {
        @Bean
        @ConditionalOnMissingBean(name = "havenRedisMetrics")
        HavenMetrics havenRedisMetrics(HavenRedisClient client) {
            HavenMetrics metrics = new HavenMetrics(client.settings().get(RedisKeys.CLUSTER_NAME), client::topology);
            client.addListener(metrics);
            return metrics;
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"dev.haven.dynamodb.HavenDynamoDbClient", "io.micrometer.core.instrument.binder.MeterBinder"})
    @ConditionalOnBean(HavenDynamoDbClient.class)
    static class DynamoDbMetrics {
        @Bean
        @ConditionalOnMissingBean(name = "havenDynamoDbMetrics")
        HavenMetrics havenDynamoDbMetrics(HavenDynamoDbClient client) {
            HavenMetrics metrics = new HavenMetrics(client.settings().get(DynamoDbKeys.CLUSTER_NAME), client::topology);
            client.addListener(metrics);
            return metrics;
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"dev.haven.redis.HavenRedisClient", BOOT4_INDICATOR})
    @ConditionalOnBean(HavenRedisClient.class)
    @ConditionalOnProperty(prefix = "management.health.haven-redis", name = "enabled", matchIfMissing = true)
    static class RedisHealth {
        @Bean
        @ConditionalOnMissingBean(name = "havenRedisHealthIndicator")
        org.springframework.boot.health.contributor.HealthIndicator havenRedisHealthIndicator(HavenRedisClient client) {
            return Boot4.indicator(storeHealth(client.settings().get(RedisKeys.CLUSTER_NAME), client::topology, client::addListener));
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"dev.haven.dynamodb.HavenDynamoDbClient", BOOT4_INDICATOR})
    @ConditionalOnBean(HavenDynamoDbClient.class)
    @ConditionalOnProperty(prefix = "management.health.haven-dynamo-db", name = "enabled", matchIfMissing = true)
    static class DynamoDbHealth {
        @Bean
        @ConditionalOnMissingBean(name = "havenDynamoDbHealthIndicator")
        org.springframework.boot.health.contributor.HealthIndicator havenDynamoDbHealthIndicator(HavenDynamoDbClient client) {
            return Boot4.indicator(storeHealth(client.settings().get(DynamoDbKeys.CLUSTER_NAME), client::topology, client::addListener));
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"dev.haven.redis.HavenRedisClient", HavenBoot3HealthAutoConfiguration.INDICATOR})
    @ConditionalOnMissingClass(BOOT4_INDICATOR)
    @ConditionalOnBean(HavenRedisClient.class)
    @ConditionalOnProperty(prefix = "management.health.haven-redis", name = "enabled", matchIfMissing = true)
    static class RedisBoot3Health {
        @Bean
        @ConditionalOnMissingBean(name = "havenRedisHealthIndicator")
        Object havenRedisHealthIndicator(HavenRedisClient client) throws ClassNotFoundException {
            return HavenBoot3HealthAutoConfiguration.indicator("Haven Redis health of " + client,
                    storeHealth(client.settings().get(RedisKeys.CLUSTER_NAME), client::topology, client::addListener));
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"dev.haven.dynamodb.HavenDynamoDbClient", HavenBoot3HealthAutoConfiguration.INDICATOR})
    @ConditionalOnMissingClass(BOOT4_INDICATOR)
    @ConditionalOnBean(HavenDynamoDbClient.class)
    @ConditionalOnProperty(prefix = "management.health.haven-dynamo-db", name = "enabled", matchIfMissing = true)
    static class DynamoDbBoot3Health {
        @Bean
        @ConditionalOnMissingBean(name = "havenDynamoDbHealthIndicator")
        Object havenDynamoDbHealthIndicator(HavenDynamoDbClient client) throws ClassNotFoundException {
            return HavenBoot3HealthAutoConfiguration.indicator("Haven DynamoDB health of " + client,
                    storeHealth(client.settings().get(DynamoDbKeys.CLUSTER_NAME), client::topology, client::addListener));
        }
    }
}
