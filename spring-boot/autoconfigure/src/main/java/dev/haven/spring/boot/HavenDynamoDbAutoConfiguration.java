package dev.haven.spring.boot;

import dev.haven.dynamodb.DynamoDbKeys;
import dev.haven.dynamodb.HavenDynamoDbClient;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * {@code haven.dynamodb.*} → a {@link HavenDynamoDbClient} as the application's {@link DynamoDbClient} (so the Enhanced
 * Client and existing code use it), when the application has {@code haven-dynamodb} and sets
 * {@code haven.dynamodb.regions}, unless it defines its own {@code DynamoDbClient}. The keys are those of
 * {@link DynamoDbKeys} with Spring's relaxed names, checked by Haven; a refused value stops the start with
 * {@link HavenPropertyException}. Credentials come from the AWS SDK's default chain unless a
 * {@link HavenDynamoDbClientCustomizer} sets them.
 *
 * <pre>{@code
 * haven.dynamodb.regions=us-east-1,us-west-2
 * haven.dynamodb.home-region=us-east-1
 * haven.dynamodb.local-region=us-west-2
 * haven.dynamodb.heartbeat-table=haven-heartbeat
 * }</pre>
 */
@AutoConfiguration
@ConditionalOnClass(name = "dev.haven.dynamodb.HavenDynamoDbClient")
@ConditionalOnProperty(prefix = "haven.dynamodb", name = "regions")
public final class HavenDynamoDbAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(DynamoDbClient.class)
    HavenDynamoDbClient havenDynamoDbClient(Environment environment, ObjectProvider<HavenDynamoDbClientCustomizer> customizers) {
        String prefix = DynamoDbKeys.SPEC.prefix();
        try {
            HavenDynamoDbClient.Builder builder = HavenDynamoDbClient.builder()
                    .properties(HavenDataSourceProperties.canonical(environment, prefix, DynamoDbKeys.SPEC));
            customizers.orderedStream().forEach(c -> c.customize(builder));
            return builder.build();
        } catch (IllegalArgumentException e) {
            throw HavenDataSourceProperties.translate(e, prefix, prefix);
        }
    }
}
