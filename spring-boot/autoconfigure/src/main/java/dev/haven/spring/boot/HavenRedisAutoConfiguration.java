package dev.haven.spring.boot;

import dev.haven.redis.HavenRedisClient;
import dev.haven.redis.RedisKeys;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.env.Environment;

/**
 * {@code haven.redis.*} → a {@link HavenRedisClient} bean (closed with the context), when the application has
 * {@code haven-redis} and names its servers ({@code haven.redis.sentinel}, {@code nodes} or {@code primary-endpoint}),
 * unless it defines its own client. The keys are the {@code haven.redis.*} keys of {@link RedisKeys} with Spring's
 * relaxed names, checked by Haven; a refused value stops the start with {@link HavenPropertyException}.
 *
 * <pre>{@code
 * haven.redis.sentinel=redis-sentinel://s1:26379,s2:26379,s3:26379#mymaster
 * haven.redis.password=${REDIS_PASSWORD}
 * haven.redis.default-consistency=bounded-staleness:500ms
 * }</pre>
 */
@AutoConfiguration
@ConditionalOnClass(HavenRedisClient.class)
@Conditional(HavenRedisAutoConfiguration.ServersNamed.class)
public final class HavenRedisAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    HavenRedisClient havenRedisClient(Environment environment) {
        String prefix = RedisKeys.SPEC.prefix();
        try {
            return HavenRedisClient.builder()
                    .properties(HavenDataSourceProperties.canonical(environment, prefix, RedisKeys.SPEC)).build();
        } catch (IllegalArgumentException e) {
            throw HavenDataSourceProperties.translate(e, prefix, prefix);
        }
    }

    static final class ServersNamed extends AnyNestedCondition {
        ServersNamed() {
            super(ConfigurationPhase.REGISTER_BEAN);
        }

        @ConditionalOnProperty(prefix = "haven.redis", name = "sentinel")
        static final class Sentinel {
        }

        @ConditionalOnProperty(prefix = "haven.redis", name = "nodes")
        static final class Nodes {
        }

        @ConditionalOnProperty(prefix = "haven.redis", name = "primary-endpoint")
        static final class PrimaryEndpoint {
        }
    }
}
