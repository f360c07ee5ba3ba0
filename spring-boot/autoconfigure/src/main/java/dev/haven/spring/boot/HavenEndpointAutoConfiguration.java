package dev.haven.spring.boot;

import dev.haven.jdbc.HavenDataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/** With a {@link HavenDataSource} and Spring Boot's actuator: the {@link HavenEndpoint} ({@code haven}), when exposed. */
@AutoConfiguration(after = HavenDataSourceAutoConfiguration.class)
@ConditionalOnClass(name = {"dev.haven.jdbc.HavenDataSource",
        "org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint"})
@ConditionalOnBean(HavenDataSource.class)
public final class HavenEndpointAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnAvailableEndpoint(endpoint = HavenEndpoint.class)
    HavenEndpoint havenEndpoint(HavenDataSource dataSource, ObjectProvider<HavenFailovers> failovers) {
        return new HavenEndpoint(dataSource, failovers.getIfAvailable());
    }

    @Bean
    @ConditionalOnMissingBean
    HavenFailovers havenFailovers(HavenDataSource dataSource) {
        return new HavenFailovers(dataSource);
    }
}
