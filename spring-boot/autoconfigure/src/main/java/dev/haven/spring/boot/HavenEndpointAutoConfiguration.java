package dev.haven.spring.boot;

import dev.haven.dynamodb.DynamoDbKeys;
import dev.haven.dynamodb.HavenDynamoDbClient;
import dev.haven.jdbc.HavenDataSource;
import dev.haven.redis.HavenRedisClient;
import dev.haven.redis.RedisKeys;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;

/**
 * With Spring Boot's actuator and a {@link HavenDataSource}, {@link HavenRedisClient} or {@link HavenDynamoDbClient}: the
 * {@link HavenEndpoint} ({@code haven}), when exposed, showing each of them. Each store's part is its own bean, made
 * only where that store's module is on the classpath.
 */
@AutoConfiguration(after = {HavenDataSourceAutoConfiguration.class, HavenRedisAutoConfiguration.class,
        HavenDynamoDbAutoConfiguration.class})
@ConditionalOnClass(name = "org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint")
@Conditional(HavenEndpointAutoConfiguration.AnyStore.class)
public final class HavenEndpointAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnAvailableEndpoint(endpoint = HavenEndpoint.class)
    HavenEndpoint havenEndpoint(ObjectProvider<HavenEndpoint.StoreView> stores) {
        return new HavenEndpoint(stores.orderedStream().toList());
    }

    /** A data source, a Redis client or a DynamoDB client is a bean. */
    static final class AnyStore extends AnyNestedCondition {
        AnyStore() {
            super(ConfigurationPhase.REGISTER_BEAN);
        }

        @ConditionalOnBean(type = "dev.haven.jdbc.HavenDataSource")
        static final class DataSource {
        }

        @ConditionalOnBean(type = "dev.haven.redis.HavenRedisClient")
        static final class Redis {
        }

        @ConditionalOnBean(type = "dev.haven.dynamodb.HavenDynamoDbClient")
        static final class DynamoDb {
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "dev.haven.jdbc.HavenDataSource")
    @ConditionalOnBean(HavenDataSource.class)
    static class Jdbc {
        @Bean
        @ConditionalOnMissingBean
        HavenFailovers havenFailovers(HavenDataSource dataSource) {
            return new HavenFailovers(dataSource);
        }

        @Bean
        HavenEndpoint.StoreView havenDataSourceView(HavenDataSource dataSource, ObjectProvider<HavenFailovers> failovers) {
            return HavenEndpoint.jdbc(dataSource, failovers.getIfAvailable());
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "dev.haven.redis.HavenRedisClient")
    @ConditionalOnBean(HavenRedisClient.class)
    static class Redis {
        @Bean
        HavenEndpoint.StoreView havenRedisView(HavenRedisClient client) {
            HavenFailovers failovers = new HavenFailovers(client::addListener);
            return store("redis", () -> HavenEndpoint.view(client.settings(), RedisKeys.CLUSTER_NAME, null, null,
                    client.topology(), client.replicaStaleness(), client.breakerStates(), failovers));
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "dev.haven.dynamodb.HavenDynamoDbClient")
    @ConditionalOnBean(HavenDynamoDbClient.class)
    static class DynamoDb {
        @Bean
        HavenEndpoint.StoreView havenDynamoDbView(HavenDynamoDbClient client) {
            HavenFailovers failovers = new HavenFailovers(client::addListener);
            return store("dynamodb", () -> HavenEndpoint.view(client.settings(), DynamoDbKeys.CLUSTER_NAME, null, null,
                    client.topology(), client.replicaStaleness(), client.breakerStates(), failovers));
        }
    }

    private static HavenEndpoint.StoreView store(String name, java.util.function.Supplier<Map<String, Object>> view) {
        return new HavenEndpoint.StoreView() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Map<String, Object> view() {
                return view.get();
            }
        };
    }
}
