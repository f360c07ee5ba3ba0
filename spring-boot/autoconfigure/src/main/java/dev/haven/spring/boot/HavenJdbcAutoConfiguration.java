package dev.haven.spring.boot;

import dev.haven.jdbc.HavenDataSource;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.jdbc.support.SQLExceptionTranslator;

/**
 * With a {@link HavenDataSource} in the context (the auto-configured one or the application's own): a
 * {@link HavenSqlExceptionTranslator} bean, which Spring Boot's {@code JdbcTemplate} picks up, unless the application
 * defines its own {@link SQLExceptionTranslator}. Spring Boot's {@link JdbcTransactionManager} translates commit and
 * rollback failures with a translator of its own, so the same translator is set on every
 * {@code JdbcTransactionManager} bean over a Haven data source: a commit whose outcome is unknown must not become a
 * plain {@code DataAccessResourceFailureException}.
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

    @Bean
    static BeanPostProcessor havenTransactionManagerTranslation(ObjectProvider<HavenSqlExceptionTranslator> translator) {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessAfterInitialization(Object bean, String beanName) {
                if (bean instanceof JdbcTransactionManager tm && isHaven(tm.getDataSource())) {
                    HavenSqlExceptionTranslator t = translator.getIfAvailable();
                    if (t != null) {
                        tm.setExceptionTranslator(t);
                    }
                }
                return bean;
            }
        };
    }

    static boolean isHaven(DataSource ds) {
        try {
            return ds instanceof HavenDataSource || (ds != null && ds.isWrapperFor(HavenDataSource.class));
        } catch (SQLException e) {
            return false;
        }
    }
}
