package dev.haven.spring.boot;

import dev.haven.jdbc.HavenDataSource;
import dev.haven.jdbc.JdbcKeys;
import dev.haven.metrics.HavenMetrics;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * With a {@link HavenDataSource} and Micrometer: a {@link HavenMetrics} bean fed by the data source's events. Spring
 * Boot binds every {@code MeterBinder} bean to the context's {@code MeterRegistry}, so {@code haven.*} meters (tagged
 * with the cluster name) appear under {@code /actuator/metrics}.
 */
@AutoConfiguration(after = HavenDataSourceAutoConfiguration.class)
@ConditionalOnClass(name = {"dev.haven.jdbc.HavenDataSource", "io.micrometer.core.instrument.binder.MeterBinder"})
@ConditionalOnBean(HavenDataSource.class)
public final class HavenMetricsAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(HavenMetrics.class)
    HavenMetrics havenMetrics(HavenDataSource dataSource) {
        HavenMetrics metrics = new HavenMetrics(dataSource.settings().get(JdbcKeys.CLUSTER_NAME), dataSource::topology);
        dataSource.addListener(metrics);
        return metrics;
    }
}
