package dev.haven.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.Role;
import dev.haven.jdbc.HavenDataSource;
import dev.haven.jdbc.JdbcKeys;
import dev.haven.spi.Probe;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The auto-configuration without servers: a data source whose topology comes from a fixed provider (one writer), or a
 * URL nothing listens on (no writer).
 */
class HavenDataSourceAutoConfigurationTest {

    /** Port 1: refused at once, so the monitor's first round ends quickly with no writer. */
    private static final String NOBODY = "jdbc:postgresql://127.0.0.1:1/app";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    HavenDataSourceAutoConfiguration.class, HavenJdbcAutoConfiguration.class,
                    HavenHealthAutoConfiguration.class, HavenMetricsAutoConfiguration.class,
                    org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration.class,
                    org.springframework.boot.jdbc.autoconfigure.JdbcTemplateAutoConfiguration.class,
                    org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration.class,
                    org.springframework.boot.transaction.autoconfigure.TransactionAutoConfiguration.class,
                    org.springframework.boot.jdbc.autoconfigure.health.DataSourceHealthContributorAutoConfiguration.class,
                    org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration.class,
                    org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration.class,
                    org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration.class));

    /** A writer that is always there, without a server. */
    private static HavenDataSourceCustomizer fixedWriter() {
        return b -> b.topologyProvider((endpoint, timeout) -> new Probe(Role.WRITER, 0, null, List.of()));
    }

    @Test
    void havenDataSourcePropertiesMakeTheApplicationsDataSource() {
        runner.withBean(HavenDataSourceCustomizer.class, HavenDataSourceAutoConfigurationTest::fixedWriter)
                .withPropertyValues("haven.datasource.url=" + NOBODY, "haven.datasource.username=app",
                        "haven.datasource.password=s3cret", "haven.datasource.cluster-name=orders",
                        "haven.datasource.retry.maxAttempts=5", "haven.datasource.probe_timeout=200ms",
                        "haven.datasource.pool.maximum-pool-size=7",
                        "spring.datasource.url=jdbc:h2:mem:ignored")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBeansOfType(DataSource.class)).hasSize(1);
                    HavenDataSource ds = context.getBean(HavenDataSource.class);
                    assertThat(context.getBean(DataSource.class)).isSameAs(ds);
                    assertThat(ds.settings().get(JdbcKeys.CLUSTER_NAME)).isEqualTo("orders");
                    assertThat(ds.settings().get(JdbcKeys.RETRY_MAX_ATTEMPTS)).isEqualTo(5);
                    assertThat(ds.settings().get(JdbcKeys.PROBE_TIMEOUT)).isEqualTo(Duration.ofMillis(200));
                    assertThat(ds.settings().get(JdbcKeys.WRITER_WAIT)).as("Haven's default").isEqualTo(Duration.ofSeconds(5));
                    assertThat(ds.toString()).doesNotContain("s3cret");
                    assertThat(context.getBean(JdbcTemplate.class).getExceptionTranslator())
                            .isInstanceOf(HavenSqlExceptionTranslator.class);
                    assertThat(context.getBean(JdbcTransactionManager.class).getExceptionTranslator())
                            .as("commit failures").isInstanceOf(HavenSqlExceptionTranslator.class);
                });
    }

    @Test
    void environmentVariablesBindToo() {
        runner.withBean(HavenDataSourceCustomizer.class, HavenDataSourceAutoConfigurationTest::fixedWriter)
                .withInitializer(c -> c.getEnvironment().getPropertySources().addFirst(new SystemEnvironmentPropertySource(
                        "systemEnvironment", Map.of("HAVEN_DATASOURCE_URL", NOBODY, "HAVEN_DATASOURCE_RETRY_MAX_ATTEMPTS", "4",
                                "HAVEN_DATASOURCE_WRITER_WAIT", "2s"))))
                .run(context -> {
                    HavenDataSource ds = context.getBean(HavenDataSource.class);
                    assertThat(ds.settings().get(JdbcKeys.RETRY_MAX_ATTEMPTS)).isEqualTo(4);
                    assertThat(ds.settings().get(JdbcKeys.WRITER_WAIT)).isEqualTo(Duration.ofSeconds(2));
                });
    }

    @Test
    void anInvalidValueStopsTheStartWithPropertyRuleAndValue() {
        runner.withPropertyValues("haven.datasource.url=" + NOBODY, "haven.datasource.lag-bound=-1s",
                "haven.datasource.password=s3cret").run(context -> {
                    assertThat(context).hasFailed();
                    Throwable failure = context.getStartupFailure();
                    FailureAnalysis analysis = new HavenPropertyFailureAnalyzer().analyze(failure);
                    assertThat(analysis).isNotNull();
                    assertThat(analysis.getDescription()).contains("Property: haven.datasource.lag-bound")
                            .contains("Value: -1s").contains("Rule: must be > 0").doesNotContain("s3cret");
                    assertThat(analysis.getAction()).contains("haven.datasource.lag-bound").contains("must be > 0");
                });
        runner.withPropertyValues("haven.datasource.url=" + NOBODY, "haven.datasource.retry.max-attempts=11").run(context -> {
            FailureAnalysis analysis = new HavenPropertyFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis.getDescription()).contains("Property: haven.datasource.retry.max-attempts")
                    .contains("Value: 11").contains("Rule: must be in 1..10");
        });
        runner.withPropertyValues("haven.datasource.url=" + NOBODY, "haven.datasource.probe-timout=1s").run(context -> {
            FailureAnalysis analysis = new HavenPropertyFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis.getDescription()).contains("Property: haven.datasource.probe-timout")
                    .contains("is not a haven.datasource.* setting");
        });
    }

    @Test
    void backsOffForTheApplicationsOwnDataSource() {
        runner.withPropertyValues("haven.datasource.url=" + NOBODY)
                .withBean("dataSource", DataSource.class, () -> new DriverManagerDataSource("jdbc:postgresql://127.0.0.1:1/x"))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).doesNotHaveBean(HavenDataSource.class);
                    assertThat(context).doesNotHaveBean(HavenSqlExceptionTranslator.class);
                    assertThat(context).doesNotHaveBean(HavenHealthIndicator.class);
                });
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(HavenDataSourceAutoConfiguration.class,
                HavenJdbcAutoConfiguration.class, HavenHealthAutoConfiguration.class)).run(context -> {
                    assertThat(context).as("without haven.datasource.url").hasNotFailed();
                    assertThat(context).doesNotHaveBean(HavenDataSource.class);
                });
    }

    @Test
    void readOnlySpringTransactionsHandOutReadOnlyConnections() {
        runner.withBean(HavenDataSourceCustomizer.class, HavenDataSourceAutoConfigurationTest::fixedWriter)
                .withPropertyValues("haven.datasource.url=" + NOBODY).run(context -> {
                    HavenDataSource ds = context.getBean(HavenDataSource.class);
                    TransactionTemplate tx = new TransactionTemplate(new NoConnectionTransactionManager());
                    int readOnly = 0;
                    for (int i = 0; i < 20; i++) {
                        tx.setReadOnly(i % 2 == 0);
                        readOnly += tx.execute(s -> {
                            try (Connection c = ds.getConnection()) {
                                return c.isReadOnly() ? 1 : 0;
                            } catch (java.sql.SQLException e) {
                                throw new IllegalStateException(e);
                            }
                        });
                    }
                    assertThat(readOnly).isEqualTo(10);
                    try (Connection c = ds.getConnection()) {
                        assertThat(c.isReadOnly()).as("outside a transaction").isFalse();
                    }
                });
    }

    @Test
    void healthIsUpWithAWriterAndDownAtOnceWithout() {
        runner.withBean(HavenDataSourceCustomizer.class, HavenDataSourceAutoConfigurationTest::fixedWriter)
                .withPropertyValues("haven.datasource.url=" + NOBODY, "haven.datasource.cluster-name=orders").run(context -> {
                    assertThat(context.getBeansOfType(HealthIndicator.class)).containsOnlyKeys("dbHealthIndicator");
                    Health h = context.getBean(HavenHealthIndicator.class).health();
                    assertThat(h.getStatus()).isEqualTo(Status.UP);
                    assertThat(h.getDetails()).containsEntry("cluster", "orders").containsEntry("writer", "127.0.0.1:1")
                            .containsEntry("servers", Map.of("127.0.0.1:1", "writer"));
                });
        runner.withPropertyValues("haven.datasource.url=" + NOBODY, "haven.datasource.writer-wait=30s",
                "haven.datasource.password=s3cret").run(context -> {
                    long start = System.nanoTime();
                    Health h = context.getBean(HavenHealthIndicator.class).health();
                    long tookMs = (System.nanoTime() - start) / 1_000_000;
                    assertThat(h.getStatus()).isEqualTo(Status.DOWN);
                    assertThat(h.getDetails()).containsEntry("writer", "none")
                            .containsEntry("unreachableOrFenced", List.of("127.0.0.1:1"));
                    assertThat(h.toString()).doesNotContain("s3cret").doesNotContain("jdbc:");
                    assertThat(tookMs).as("health without a writer, writer-wait 30 s").isLessThan(5_000);
                });
    }

    @Test
    void havenMetersAreInTheContextsRegistry() {
        runner.withBean(HavenDataSourceCustomizer.class, HavenDataSourceAutoConfigurationTest::fixedWriter)
                .withPropertyValues("haven.datasource.url=" + NOBODY, "haven.datasource.cluster-name=orders").run(context -> {
                    MeterRegistry registry = context.getBean(MeterRegistry.class);
                    assertThat(registry.get("haven.endpoints").tag("cluster", "orders").tag("role", "writer").gauge().value())
                            .isEqualTo(1.0);
                    assertThat(registry.get("haven.topology.version").tag("cluster", "orders").gauge().value()).isGreaterThan(0);
                });
    }
}
