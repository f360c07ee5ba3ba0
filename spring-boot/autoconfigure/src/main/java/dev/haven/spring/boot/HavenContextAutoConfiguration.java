package dev.haven.spring.boot;

import org.springframework.aop.config.AopConfigUtils;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.context.annotation.Role;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotationMetadata;

/**
 * {@link HavenConsistency} on any bean (a Spring AOP advisor, with an auto-proxy creator registered if the application
 * has none), and with {@code haven.web.session.enabled=true} in a servlet web application the
 * {@link HavenSessionFilter}. What they put in {@link HavenContext} reaches the auto-configured {@code HavenDataSource}'s
 * connections; Redis and DynamoDB code reads it from there.
 */
@AutoConfiguration
@Import(HavenContextAutoConfiguration.AutoProxying.class)
public final class HavenContextAutoConfiguration {

    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    static HavenConsistencyAdvisor havenConsistencyAdvisor() {
        return new HavenConsistencyAdvisor();
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    @ConditionalOnClass(name = {"jakarta.servlet.Filter", "org.springframework.web.filter.OncePerRequestFilter"})
    @ConditionalOnProperty(prefix = "haven.web.session", name = "enabled") // any value but false: checked by HavenWebKeys
    static class SessionFilter {

        @Bean
        HavenSessionFilter havenSessionFilter(Environment environment) {
            dev.haven.config.Settings web = HavenWebKeys.read(environment);
            return new HavenSessionFilter(web.get(HavenWebKeys.SESSION_HEADER), web.get(HavenWebKeys.SESSION_ENABLED));
        }
    }

    /** An advisor needs an auto-proxy creator; Spring Boot's AOP or transaction support registers one, this if neither. */
    static final class AutoProxying implements ImportBeanDefinitionRegistrar {
        @Override
        public void registerBeanDefinitions(AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
            AopConfigUtils.registerAutoProxyCreatorIfNecessary(registry);
        }
    }
}
