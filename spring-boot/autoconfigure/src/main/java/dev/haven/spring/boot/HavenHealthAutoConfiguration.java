package dev.haven.spring.boot;

import dev.haven.jdbc.HavenDataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * With a {@link HavenDataSource} and Spring Boot's health support: {@link HavenHealthIndicator} as the {@code db}
 * health contributor, in place of Boot's connection-based one (which waits up to {@code writer-wait} for a writer).
 */
@AutoConfiguration(after = HavenDataSourceAutoConfiguration.class,
        beforeName = "org.springframework.boot.jdbc.autoconfigure.health.DataSourceHealthContributorAutoConfiguration")
@ConditionalOnClass({HavenDataSource.class, org.springframework.boot.health.contributor.HealthIndicator.class})
@ConditionalOnBean(HavenDataSource.class)
@ConditionalOnEnabledHealthIndicator("db")
public final class HavenHealthAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = {"dbHealthIndicator", "dbHealthContributor"})
    HavenHealthIndicator dbHealthIndicator(HavenDataSource dataSource, ObjectProvider<HavenFailovers> failovers) {
        return new HavenHealthIndicator(dataSource, failovers.getIfAvailable());
    }

    @Bean
    @ConditionalOnMissingBean
    HavenFailovers havenFailovers(HavenDataSource dataSource) {
        return new HavenFailovers(dataSource);
    }
}
