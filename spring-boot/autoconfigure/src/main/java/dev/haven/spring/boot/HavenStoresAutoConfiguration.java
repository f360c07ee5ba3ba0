package dev.haven.spring.boot;

import dev.haven.dynamodb.DynamoDbKeys;
import dev.haven.dynamodb.HavenDynamoDbClient;
import dev.haven.metrics.HavenMetrics;
import dev.haven.redis.HavenRedisClient;
import dev.haven.redis.RedisKeys;
import java.util.LinkedHashMap;
import java.util.Map;
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

    static Map<String, Object> details() {
        return new LinkedHashMap<>();
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
            HavenFailovers failovers = new HavenFailovers(client::addListener); // from start-up on
            return () -> {
                Map<String, Object> d = details();
                boolean up = HavenHealthDetails.fillStore(client.settings().get(RedisKeys.CLUSTER_NAME), client.topology(),
                        failovers, d);
                return (up ? org.springframework.boot.health.contributor.Health.up()
                        : org.springframework.boot.health.contributor.Health.down()).withDetails(d).build();
            };
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
            HavenFailovers failovers = new HavenFailovers(client::addListener); // from start-up on
            return () -> {
                Map<String, Object> d = details();
                boolean up = HavenHealthDetails.fillStore(client.settings().get(DynamoDbKeys.CLUSTER_NAME), client.topology(),
                        failovers, d);
                return (up ? org.springframework.boot.health.contributor.Health.up()
                        : org.springframework.boot.health.contributor.Health.down()).withDetails(d).build();
            };
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
            HavenFailovers failovers = new HavenFailovers(client::addListener); // from start-up on
            return HavenBoot3HealthAutoConfiguration.indicator("Haven Redis health of " + client, d ->
                    HavenHealthDetails.fillStore(client.settings().get(RedisKeys.CLUSTER_NAME), client.topology(), failovers, d));
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
            HavenFailovers failovers = new HavenFailovers(client::addListener); // from start-up on
            return HavenBoot3HealthAutoConfiguration.indicator("Haven DynamoDB health of " + client, d ->
                    HavenHealthDetails.fillStore(client.settings().get(DynamoDbKeys.CLUSTER_NAME), client.topology(), failovers, d));
        }
    }
}
