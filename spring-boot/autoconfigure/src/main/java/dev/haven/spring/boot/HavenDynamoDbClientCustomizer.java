package dev.haven.spring.boot;

import dev.haven.dynamodb.HavenDynamoDbClient;

/**
 * Adjusts the builder of the auto-configured {@link HavenDynamoDbClient} after the {@code haven.dynamodb.*} properties
 * were read: credentials, an HTTP client, listeners.
 *
 * <pre>{@code
 * @Bean
 * HavenDynamoDbClientCustomizer credentials(AwsCredentialsProvider provider) {
 *     return builder -> builder.credentialsProvider(provider);
 * }
 * }</pre>
 */
@FunctionalInterface
public interface HavenDynamoDbClientCustomizer {

    void customize(HavenDynamoDbClient.Builder builder);
}
