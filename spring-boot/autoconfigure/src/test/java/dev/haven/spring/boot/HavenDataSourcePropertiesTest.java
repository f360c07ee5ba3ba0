package dev.haven.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code haven.datasource.*} names, as Spring's binder hands them over, become Haven's canonical {@code haven.jdbc.*} keys. */
class HavenDataSourcePropertiesTest {

    @Test
    void relaxedNamesBecomeHavenKeys() {
        Map<String, String> bound = new LinkedHashMap<>();
        bound.put("url", "jdbc:postgresql://h1:5432,h2:5432/app");
        bound.put("retry.maxattempts", "5");              // retry.maxAttempts in a properties file
        bound.put("probe_timeout", "200ms");
        bound.put("default-consistency", "eventual");
        bound.put("pool.maximum-pool-size", "20");        // HikariCP names: kebab-case,
        bound.put("pool.connectiontimeout", "1500");      // lower-case (environment variables),
        bound.put("pool.minimumIdle", "1");               // or as HikariCP writes them
        bound.put("pool.data-source.ApplicationName", "orders"); // driver properties as written
        bound.put("endpoint.h1:5432.zone", "a");
        Map<String, String> haven = HavenDataSourceProperties.toHavenKeys(bound);
        assertThat(haven).containsExactly(
                Map.entry("haven.jdbc.url", "jdbc:postgresql://h1:5432,h2:5432/app"),
                Map.entry("haven.jdbc.retry.max-attempts", "5"),
                Map.entry("haven.jdbc.probe-timeout", "200ms"),
                Map.entry("haven.jdbc.default-consistency", "eventual"),
                Map.entry("haven.jdbc.pool.maximumPoolSize", "20"),
                Map.entry("haven.jdbc.pool.connectionTimeout", "1500"),
                Map.entry("haven.jdbc.pool.minimumIdle", "1"),
                Map.entry("haven.jdbc.pool.dataSource.ApplicationName", "orders"),
                Map.entry("haven.jdbc.endpoint.h1:5432.zone", "a"));
    }

    @Test
    void havenMessagesNameTheSpringProperty() {
        HavenPropertyException e = HavenDataSourceProperties.translate(
                new IllegalArgumentException("haven.jdbc.fast-probe-interval must be <= haven.jdbc.probe-interval (1s): was 2s"));
        assertThat(e.getMessage()).isEqualTo(
                "haven.datasource.fast-probe-interval must be <= haven.datasource.probe-interval (1s): was 2s");
        assertThat(e.property()).isEqualTo("haven.datasource.fast-probe-interval");
        assertThat(e.rule()).isEqualTo("must be <= haven.datasource.probe-interval (1s)");
        assertThat(e.value()).isEqualTo("2s");
    }

    @Test
    void springDataSourcePropertiesBesideHavensAreNamedNeverShown() {
        org.springframework.mock.env.MockEnvironment env = new org.springframework.mock.env.MockEnvironment()
                .withProperty("haven.datasource.url", "jdbc:postgresql://h1:5432/app")
                .withProperty("spring.datasource.url", "jdbc:postgresql://old:5432/app")
                .withProperty("spring.datasource.password", "s3cret")
                .withProperty("spring.datasource.hikari.maximum-pool-size", "30")
                .withProperty("spring.sql.init.mode", "always");
        assertThat(HavenDataSourceProperties.ignoredSpringDataSourceProperties(env)).containsExactly(
                "spring.datasource.hikari.maximum-pool-size", "spring.datasource.password", "spring.datasource.url");
        assertThat(HavenDataSourceProperties.ignoredSpringDataSourceProperties(new org.springframework.mock.env.MockEnvironment()
                .withProperty("haven.datasource.url", "jdbc:postgresql://h1:5432/app"))).isEmpty();
    }
}
