package dev.haven.spring.boot;

import dev.haven.jdbc.HavenDataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;
import org.springframework.orm.jpa.AbstractEntityManagerFactoryBean;
import org.springframework.orm.jpa.vendor.HibernateJpaDialect;

/**
 * JPA over a {@link HavenDataSource}: Hibernate wraps every {@code SQLException} of SQLState class 08 in a
 * {@code JDBCConnectionException}, which Spring makes a plain {@code DataAccessResourceFailureException} whatever Haven
 * said. The {@link HibernateJpaDialect} of every entity manager factory over a Haven data source is given the
 * {@link HavenSqlExceptionTranslator} for the JDBC exceptions under Hibernate's (statements and commits), so that
 * repositories, {@code JpaTransactionManager} and {@code @PersistenceContext} users get the same
 * {@code DataAccessException} types as {@code JdbcTemplate}: a transaction rolled back by a failover and no writer are
 * transient, a commit whose outcome is unknown is {@link WriteOutcomeUnknownDataAccessException}.
 */
@AutoConfiguration(after = HavenJdbcAutoConfiguration.class)
@ConditionalOnClass(name = {"dev.haven.jdbc.HavenDataSource", "org.springframework.orm.jpa.vendor.HibernateJpaDialect",
        "org.springframework.jdbc.support.SQLExceptionTranslator"})
@ConditionalOnBean(HavenDataSource.class)
public final class HavenJpaAutoConfiguration {

    @Bean
    static BeanPostProcessor havenJpaExceptionTranslation(ObjectProvider<HavenSqlExceptionTranslator> translator) {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessAfterInitialization(Object bean, String beanName) {
                // after initialization: the factory takes its dialect from the vendor adapter in afterPropertiesSet
                if (bean instanceof AbstractEntityManagerFactoryBean emf && emf.getJpaDialect() instanceof HibernateJpaDialect d
                        && HavenJdbcAutoConfiguration.isHaven(emf.getDataSource())) {
                    d.setJdbcExceptionTranslator(translator.getIfAvailable(HavenSqlExceptionTranslator::new));
                }
                return bean;
            }
        };
    }
}
