package dev.haven.spring.boot;

import dev.haven.jdbc.HavenDataSource;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

/**
 * Spring Boot 3.5's health support (package {@code org.springframework.boot.actuate.health}, which Boot 4 moved): the
 * same {@code db} health contributor as {@link HavenHealthIndicator} on Boot 4, from the topology monitor's snapshot,
 * never taking a connection or waiting, in place of Boot 3.5's connection-based check. This module compiles against
 * Boot 4, so the Boot 3.5 {@code HealthIndicator} is implemented by a JDK proxy that builds Boot 3.5's {@code Health}
 * reflectively; the details are {@link HavenHealthIndicator}'s. Off with {@code management.health.db.enabled=false}.
 */
@AutoConfiguration(after = HavenDataSourceAutoConfiguration.class,
        beforeName = "org.springframework.boot.actuate.autoconfigure.jdbc.DataSourceHealthContributorAutoConfiguration")
@ConditionalOnClass(name = {"dev.haven.jdbc.HavenDataSource", HavenBoot3HealthAutoConfiguration.INDICATOR})
@ConditionalOnMissingClass("org.springframework.boot.health.contributor.HealthIndicator")
@ConditionalOnBean(HavenDataSource.class)
@ConditionalOnProperty(prefix = "management.health.db", name = "enabled", matchIfMissing = true)
public final class HavenBoot3HealthAutoConfiguration {

    static final String INDICATOR = "org.springframework.boot.actuate.health.HealthIndicator";
    private static final String HEALTH = "org.springframework.boot.actuate.health.Health";

    @Bean
    @ConditionalOnMissingBean(name = {"dbHealthIndicator", "dbHealthContributor"})
    Object dbHealthIndicator(HavenDataSource dataSource, ObjectProvider<HavenFailovers> failovers) throws ClassNotFoundException {
        HavenFailovers f = failovers.getIfAvailable();
        return indicator("HavenHealthIndicator of " + dataSource, details -> HavenHealthDetails.fill(dataSource, f, details));
    }

    /**
     * A Boot 3.5 {@code HealthIndicator} whose {@code health()} is UP when {@code fill} answers true, DOWN otherwise,
     * with the details {@code fill} put in the map.
     */
    static Object indicator(String description, Predicate<Map<String, Object>> fill) throws ClassNotFoundException {
        ClassLoader loader = HavenBoot3HealthAutoConfiguration.class.getClassLoader();
        Class<?> indicator = Class.forName(INDICATOR, false, loader);
        Class<?> health = Class.forName(HEALTH, false, loader);
        InvocationHandler handler = new InvocationHandler() {
            @Override
            public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
                switch (method.getName()) {
                    case "health":
                        if (method.getParameterCount() == 0) {
                            return health(health, fill);
                        }
                        break;
                    case "toString":
                        return description + " (Spring Boot 3.5)";
                    case "hashCode":
                        return System.identityHashCode(proxy);
                    case "equals":
                        return proxy == args[0];
                    default:
                        break;
                }
                if (method.isDefault()) {
                    return InvocationHandler.invokeDefault(proxy, method, args); // getHealth(includeDetails)
                }
                throw new UnsupportedOperationException(method.toString());
            }
        };
        return Proxy.newProxyInstance(loader, new Class<?>[] {indicator}, handler);
    }

    @Bean
    @ConditionalOnMissingBean
    HavenFailovers havenFailovers(HavenDataSource dataSource) {
        return new HavenFailovers(dataSource);
    }

    /** {@code Health.up()/down().withDetails(details).build()}, Boot 3.5's API called reflectively. */
    static Object health(Class<?> health, Predicate<Map<String, Object>> fill) throws ReflectiveOperationException {
        Map<String, Object> details = new LinkedHashMap<>();
        boolean up = fill.test(details);
        Object builder = health.getMethod(up ? "up" : "down").invoke(null);
        builder = builder.getClass().getMethod("withDetails", Map.class).invoke(builder, details);
        return builder.getClass().getMethod("build").invoke(builder);
    }
}
