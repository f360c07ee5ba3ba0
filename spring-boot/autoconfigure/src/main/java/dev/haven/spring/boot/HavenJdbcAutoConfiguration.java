package dev.haven.spring.boot;

import dev.haven.jdbc.HavenDataSource;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.support.SQLExceptionTranslator;

/**
 * With a {@link HavenDataSource} in the context (the auto-configured one or the application's own): a
 * {@link HavenSqlExceptionTranslator} bean, which Spring Boot's {@code JdbcTemplate} picks up, unless the application
 * defines its own {@link SQLExceptionTranslator}.
 */
@AutoConfiguration(after = HavenDataSourceAutoConfiguration.class,
        beforeName = {"org.springframework.boot.jdbc.autoconfigure.JdbcTemplateAutoConfiguration",
                "org.springframework.boot.autoconfigure.jdbc.JdbcTemplateAutoConfiguration"})
@ConditionalOnClass({HavenDataSource.class, SQLExceptionTranslator.class})
@ConditionalOnBean(HavenDataSource.class)
public final class HavenJdbcAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(SQLExceptionTranslator.class)
    HavenSqlExceptionTranslator havenSqlExceptionTranslator() {
        return new HavenSqlExceptionTranslator();
    }
}
