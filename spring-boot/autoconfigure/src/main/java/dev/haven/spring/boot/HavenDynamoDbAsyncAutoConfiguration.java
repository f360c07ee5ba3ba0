package dev.haven.spring.boot;

import dev.haven.dynamodb.HavenDynamoDbAsyncClient;
import dev.haven.dynamodb.HavenDynamoDbClient;
import java.util.Iterator;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * The asynchronous twin of {@link HavenDynamoDbAutoConfiguration}: a {@link HavenDynamoDbAsyncClient} as the
 * application's {@code DynamoDbAsyncClient} (so {@code DynamoDbEnhancedAsyncClient} and existing async code use it),
 * when the auto-configured {@link HavenDynamoDbClient} exists, an async HTTP client is on the class path (the AWS SDK
 * finds one through {@code ServiceLoader}: {@code software.amazon.awssdk:netty-nio-client} or
 * {@code aws-crt-client}; Haven brings none), and the application defines no {@code DynamoDbAsyncClient} of its own.
 *
 * <p>No property of its own: it is built from the sync bean's {@code haven.dynamodb.*} settings (regions, endpoints,
 * credentials of a {@link HavenDynamoDbClientCustomizer}, deadline and attempt timeout) and shares that client's
 * engine, so one heartbeat monitor, topology, per-region health and session serve both beans. Closed with the context
 * (before the sync bean it depends on). A customizer that gives a region its own sync client
 * ({@code region(name, client)}) must define the {@code DynamoDbAsyncClient} bean too: the start fails saying so.
 *
 * <pre>{@code
 * <dependency>
 *   <groupId>software.amazon.awssdk</groupId><artifactId>netty-nio-client</artifactId>
 * </dependency>
 *
 * @Autowired DynamoDbAsyncClient ddb;   // HavenDynamoDbAsyncClient, routed like the DynamoDbClient bean
 * }</pre>
 */
@AutoConfiguration(after = HavenDynamoDbAutoConfiguration.class)
@ConditionalOnClass(name = {"dev.haven.dynamodb.HavenDynamoDbAsyncClient",
        "software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient"})
@Conditional(HavenDynamoDbAsyncAutoConfiguration.AsyncHttpClientPresent.class)
public final class HavenDynamoDbAsyncAutoConfiguration {

    @Bean
    @ConditionalOnBean(HavenDynamoDbClient.class)
    @ConditionalOnMissingBean(type = "software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient")
    HavenDynamoDbAsyncClient havenDynamoDbAsyncClient(HavenDynamoDbClient sync) {
        try {
            return HavenDynamoDbAsyncClient.over(sync);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(e.getMessage() + "; define a DynamoDbAsyncClient bean of your own", e);
        }
    }

    /**
     * Whether the AWS SDK would find an async HTTP client: a {@code SdkAsyncHttpService} that loads, as the SDK looks
     * for one (its {@code software.amazon.awssdk.http.async.service.impl} system property, else {@code ServiceLoader}).
     */
    static final class AsyncHttpClientPresent extends SpringBootCondition {

        static final String SERVICE = "software.amazon.awssdk.http.async.SdkAsyncHttpService";
        static final String PROPERTY = "software.amazon.awssdk.http.async.service.impl";

        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            ClassLoader loader = context.getClassLoader();
            Class<?> service;
            try {
                service = Class.forName(SERVICE, false, loader);
            } catch (ClassNotFoundException | LinkageError e) {
                return ConditionOutcome.noMatch(SERVICE + " is not on the class path");
            }
            String named = System.getProperty(PROPERTY);
            if (named != null && !named.isBlank()) {
                try {
                    Class.forName(named.trim(), false, loader);
                    return ConditionOutcome.match(PROPERTY + " names " + named.trim() + ", which loads");
                } catch (ClassNotFoundException | LinkageError e) {
                    return ConditionOutcome.noMatch(PROPERTY + " names " + named.trim() + ", which does not load");
                }
            }
            Iterator<?> providers = ServiceLoader.load(service, loader).iterator();
            for (int i = 0; i < 16; i++) { // bounded: a provider that fails to load is skipped, not retried
                try {
                    if (!providers.hasNext()) {
                        break;
                    }
                    Object p = providers.next();
                    return ConditionOutcome.match("async HTTP client " + p.getClass().getName());
                } catch (ServiceConfigurationError | LinkageError e) {
                    // listed in META-INF/services but its class does not load: not usable by the SDK either
                }
            }
            return ConditionOutcome.noMatch("no " + SERVICE + " (netty-nio-client, aws-crt-client) on the class path");
        }
    }
}
