package dev.haven.spring.boot;

import dev.haven.jdbc.HavenDataSource;
import java.util.Map;
import javax.sql.DataSource;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;

/**
 * {@code haven.datasource.*} → a {@link HavenDataSource} as the application's {@link DataSource}, in place of Spring
 * Boot's own (it runs before Boot's {@code DataSourceAutoConfiguration}, which then backs off). Nothing happens
 * without {@code haven.datasource.url}, or when the application defines its own {@code DataSource} bean.
 *
 * <p>The properties go through {@code HavenDataSource.builder().properties(...)} as {@code haven.jdbc.*} (see
 * {@link HavenDataSourceProperties} for the names), so Haven's own rules and defaults apply; a refused value stops the
 * start with {@link HavenPropertyException}. Inside a Spring transaction marked read-only, the data source hands out
 * read-only connections (routed to a replica) even when the framework asks for the connection lazily and never calls
 * {@code setReadOnly} itself. Every connection gets the {@link HavenContext}'s session and consistency (the request's
 * session, the innermost {@link HavenConsistency}). With Micrometer, HikariCP's own meters of every per-server pool
 * ({@code hikaricp.connections.*}, tagged {@code pool=haven-<cluster>-<host:port>}) go to the context's
 * {@code MeterRegistry}. {@link HavenDataSourceCustomizer} beans can adjust the builder (listeners, a topology
 * provider) before it is built. {@code spring.datasource.*} properties set beside {@code haven.datasource.url} configure
 * nothing: a start-up warning names them (never their values).
 *
 * <pre>{@code
 * haven.datasource.url=jdbc:postgresql://db-1:5432,db-2:5432,db-3:5432/app
 * haven.datasource.username=app
 * haven.datasource.password=${DB_PASSWORD}
 * haven.datasource.default-consistency=bounded-staleness:1s
 * haven.datasource.pool.maximum-pool-size=20
 * }</pre>
 */
@AutoConfiguration(beforeName = {"org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
        "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration"})
@ConditionalOnClass(HavenDataSource.class)
@ConditionalOnProperty(prefix = "haven.datasource", name = "url")
public final class HavenDataSourceAutoConfiguration {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(HavenDataSourceAutoConfiguration.class);

    private static final boolean SPRING_TX = ClassUtils.isPresent(
            "org.springframework.transaction.support.TransactionSynchronizationManager",
            HavenDataSourceAutoConfiguration.class.getClassLoader());

    @Bean
    @ConditionalOnMissingBean(DataSource.class)
    HavenDataSource dataSource(Environment environment, ObjectProvider<HavenDataSourceCustomizer> customizers,
            BeanFactory beans) {
        Map<String, String> properties = HavenDataSourceProperties.read(environment);
        java.util.List<String> ignored = HavenDataSourceProperties.ignoredSpringDataSourceProperties(environment);
        if (!ignored.isEmpty()) {
            LOG.warn("{} {} ignored: the application's DataSource is Haven's, configured by haven.datasource.* "
                    + "(server list, credentials and every haven.jdbc key; HikariCP settings under haven.datasource.pool.*)",
                    ignored, ignored.size() == 1 ? "is" : "are");
        }
        try {
            HavenDataSource.Builder builder = HavenDataSource.builder().properties(properties);
            if (SPRING_TX) {
                builder.readOnlyWhen(SpringTransactions::currentTransactionReadOnly);
            }
            builder.connectionInitializer(HavenContext::applyTo);
            if (MICROMETER) {
                Object registry = Micrometer.registry(beans);
                if (registry != null) {
                    builder.poolMetricRegistry(registry); // HikariCP's hikaricp.connections.* per server pool
                }
            }
            customizers.orderedStream().forEach(c -> c.customize(builder));
            return builder.build();
        } catch (IllegalArgumentException e) {
            throw HavenDataSourceProperties.translate(e);
        }
    }

    private static final boolean MICROMETER = ClassUtils.isPresent("io.micrometer.core.instrument.MeterRegistry",
            HavenDataSourceAutoConfiguration.class.getClassLoader());

    /** Kept apart so that the class loads without Micrometer. */
    static final class Micrometer {
        private Micrometer() {
        }

        static Object registry(BeanFactory beans) {
            return beans.getBeanProvider(io.micrometer.core.instrument.MeterRegistry.class).getIfAvailable();
        }
    }

    /** Kept apart so that the class loads without spring-tx. */
    static final class SpringTransactions {
        private SpringTransactions() {
        }

        static boolean currentTransactionReadOnly() {
            return org.springframework.transaction.support.TransactionSynchronizationManager.isCurrentTransactionReadOnly();
        }
    }
}
