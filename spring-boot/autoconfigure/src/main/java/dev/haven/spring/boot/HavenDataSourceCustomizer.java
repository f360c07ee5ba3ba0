package dev.haven.spring.boot;

import dev.haven.jdbc.HavenDataSource;

/**
 * Adjusts the builder of the auto-configured {@link HavenDataSource} after the {@code haven.datasource.*} properties
 * were read and before it is built: listeners, a custom topology provider, anything that is not a property.
 *
 * <pre>{@code
 * @Bean
 * HavenDataSourceCustomizer auditFailovers(AuditLog audit) {
 *     return builder -> builder.listener(event -> audit.record(event));
 * }
 * }</pre>
 */
@FunctionalInterface
public interface HavenDataSourceCustomizer {

    void customize(HavenDataSource.Builder builder);
}
