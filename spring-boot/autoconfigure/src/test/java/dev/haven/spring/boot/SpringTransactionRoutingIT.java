package dev.haven.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.jdbc.HavenDataSource;
import dev.haven.testkit.HavenPostgres;
import dev.haven.testkit.PostgresCluster;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A Spring Boot context on a real primary + 2 streaming replicas: Spring's read-only transactions run on replicas and
 * read-write ones on the writer, asked of the server itself ({@code pg_is_in_recovery()}), whether the transaction
 * manager takes the connection at begin and marks it ({@code DataSourceTransactionManager}, {@code @Transactional}) or
 * the work takes it lazily and nobody marks it (as JPA with delayed connection acquisition does).
 */
@HavenPostgres(replicas = 2)
class SpringTransactionRoutingIT {

    static final int RUNS = 50;

    static ApplicationContextRunner context(PostgresCluster cluster) {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(
                        HavenDataSourceAutoConfiguration.class, HavenJdbcAutoConfiguration.class,
                        HavenHealthAutoConfiguration.class,
                        org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration.class,
                        org.springframework.boot.jdbc.autoconfigure.JdbcTemplateAutoConfiguration.class,
                        org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration.class,
                        org.springframework.boot.transaction.autoconfigure.TransactionAutoConfiguration.class))
                .withPropertyValues("haven.datasource.url=" + cluster.jdbcUrl(),
                        "haven.datasource.username=" + cluster.user(), "haven.datasource.password=" + cluster.password(),
                        "haven.datasource.cluster-name=spring-it",
                        // routing by the read-only flag is under test, not lag: any replica qualifies
                        "haven.datasource.default-consistency=eventual",
                        "haven.datasource.writer-wait=3s", "haven.datasource.deadline=10s",
                        "haven.datasource.pool.maximum-pool-size=4", "haven.datasource.pool.connection-timeout=1000");
    }

    /** A bean with Spring's annotation, proxied by the context's transaction management. */
    @Configuration(proxyBeanMethods = false)
    static class AnnotatedReads {
        @Bean
        Reads reads(JdbcTemplate jdbc) {
            return new Reads(jdbc);
        }
    }

    static class Reads {
        private final JdbcTemplate jdbc;

        Reads(JdbcTemplate jdbc) {
            this.jdbc = jdbc;
        }

        @Transactional(readOnly = true)
        public boolean inRecoveryReadOnly() {
            return Boolean.TRUE.equals(jdbc.queryForObject("select pg_is_in_recovery()", Boolean.class));
        }

        @Transactional
        public boolean inRecoveryReadWrite() {
            jdbc.update("insert into orders(item) values ('book')");
            return Boolean.TRUE.equals(jdbc.queryForObject("select pg_is_in_recovery()", Boolean.class));
        }
    }

    @Test
    void readOnlyTransactionsRunOnReplicasReadWriteOnesOnTheWriter(PostgresCluster cluster) throws Exception {
        context(cluster).withUserConfiguration(AnnotatedReads.class).run(context -> {
            assertThat(context).hasNotFailed();
            HavenDataSource ds = context.getBean(HavenDataSource.class);
            await("writer and 2 replicas", Duration.ofSeconds(15),
                    () -> ds.topology().writer().isPresent() && ds.topology().readers().size() == 2);
            JdbcTemplate jdbc = context.getBean(JdbcTemplate.class);
            jdbc.execute("create table orders(id bigserial primary key, item text)");
            PlatformTransactionManager tm = context.getBean(PlatformTransactionManager.class);
            Reads reads = context.getBean(Reads.class);

            TransactionTemplate readOnly = new TransactionTemplate(tm);
            readOnly.setReadOnly(true);
            TransactionTemplate readWrite = new TransactionTemplate(tm);
            TransactionTemplate lazyReadOnly = new TransactionTemplate(new NoConnectionTransactionManager());
            lazyReadOnly.setReadOnly(true);

            int templateReadOnlyOnReplica = 0;
            int annotatedReadOnlyOnReplica = 0;
            int lazyReadOnlyOnReplica = 0;
            int templateReadWriteOnReplica = 0;
            int annotatedReadWriteOnReplica = 0;
            for (int i = 0; i < RUNS; i++) {
                templateReadOnlyOnReplica += readOnly.execute(s -> inRecovery(jdbc)) ? 1 : 0;
                annotatedReadOnlyOnReplica += reads.inRecoveryReadOnly() ? 1 : 0;
                lazyReadOnlyOnReplica += lazyReadOnly.execute(s -> inRecovery(jdbc)) ? 1 : 0;
                templateReadWriteOnReplica += readWrite.execute(s -> {
                    jdbc.update("insert into orders(item) values ('pen')");
                    return inRecovery(jdbc);
                }) ? 1 : 0;
                annotatedReadWriteOnReplica += reads.inRecoveryReadWrite() ? 1 : 0;
            }
            long written = jdbc.queryForObject("select count(*) from orders", Long.class);
            System.out.printf("of %d each, on a replica: read-only TransactionTemplate %d, @Transactional(readOnly = true) %d, "
                    + "read-only with lazy connection %d; read-write TransactionTemplate %d, @Transactional %d; rows written %d%n",
                    RUNS, templateReadOnlyOnReplica, annotatedReadOnlyOnReplica, lazyReadOnlyOnReplica,
                    templateReadWriteOnReplica, annotatedReadWriteOnReplica, written);
            assertThat(templateReadOnlyOnReplica).isEqualTo(RUNS);
            assertThat(annotatedReadOnlyOnReplica).isEqualTo(RUNS);
            assertThat(lazyReadOnlyOnReplica).isEqualTo(RUNS);
            assertThat(templateReadWriteOnReplica).isZero();
            assertThat(annotatedReadWriteOnReplica).isZero();
            assertThat(written).isEqualTo(2L * RUNS);
        });
    }

    @Test
    void withoutSpringsFlagALazyConnectionGoesToTheWriter(PostgresCluster cluster) throws Exception {
        // The control for the lazy case above: the same work on a data source built without readOnlyWhen (as an
        // application's own HavenDataSource bean is) reaches the writer in every run.
        try (HavenDataSource ds = HavenDataSource.builder().url(cluster.jdbcUrl()).username(cluster.user())
                .password(cluster.password()).clusterName("spring-it-control").defaultConsistency(dev.haven.Consistency.EVENTUAL)
                .build()) {
            await("writer and 2 replicas", Duration.ofSeconds(15),
                    () -> ds.topology().writer().isPresent() && ds.topology().readers().size() == 2);
            JdbcTemplate jdbc = new JdbcTemplate(ds);
            TransactionTemplate lazyReadOnly = new TransactionTemplate(new NoConnectionTransactionManager());
            lazyReadOnly.setReadOnly(true);
            int onReplica = 0;
            for (int i = 0; i < RUNS; i++) {
                onReplica += lazyReadOnly.execute(s -> inRecovery(jdbc)) ? 1 : 0;
            }
            System.out.printf("without readOnlyWhen: %d of %d lazy read-only transactions on a replica%n", onReplica, RUNS);
            assertThat(onReplica).isZero();
        }
    }

    @Test
    void everyServersPoolReportsHikariMetersToTheContextsRegistry(PostgresCluster cluster) throws Exception {
        context(cluster).withConfiguration(AutoConfigurations.of(HavenMetricsAutoConfiguration.class,
                org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration.class,
                org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration.class,
                org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration.class))
                .withPropertyValues("haven.datasource.default-consistency=eventual").run(context -> {
                    assertThat(context).hasNotFailed();
                    HavenDataSource ds = context.getBean(HavenDataSource.class);
                    await("writer and 2 replicas", Duration.ofSeconds(15),
                            () -> ds.topology().writer().isPresent() && ds.topology().readers().size() == 2);
                    JdbcTemplate jdbc = context.getBean(JdbcTemplate.class);
                    TransactionTemplate readOnly = new TransactionTemplate(context.getBean(PlatformTransactionManager.class));
                    readOnly.setReadOnly(true);
                    for (int i = 0; i < RUNS; i++) {
                        jdbc.queryForObject("select 1", Integer.class);
                        readOnly.execute(s -> inRecovery(jdbc));
                    }
                    io.micrometer.core.instrument.MeterRegistry registry =
                            context.getBean(io.micrometer.core.instrument.MeterRegistry.class);
                    java.util.Set<String> pools = new java.util.TreeSet<>();
                    for (io.micrometer.core.instrument.Meter m : registry.find("hikaricp.connections").meters()) {
                        pools.add(m.getId().getTag("pool"));
                    }
                    String writer = ds.topology().writer().orElseThrow().id();
                    double writerConnections = registry.get("hikaricp.connections").tag("pool", "haven-spring-it-" + writer)
                            .gauge().value();
                    System.out.printf("hikaricp.connections pools: %s; the writer's pool holds %.0f connections%n", pools,
                            writerConnections);
                    assertThat(pools).as("one pool per server that served work").contains("haven-spring-it-" + writer)
                            .hasSizeBetween(2, 3).allMatch(p -> p.startsWith("haven-spring-it-127.0.0.1:"));
                    assertThat(writerConnections).isBetween(1.0, 4.0);
                    assertThat(registry.get("haven.endpoints").tag("cluster", "spring-it").tag("role", "writer").gauge()
                            .value()).isEqualTo(1.0);
                });
    }

    static boolean inRecovery(JdbcTemplate jdbc) {
        return Boolean.TRUE.equals(jdbc.queryForObject("select pg_is_in_recovery()", Boolean.class));
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }
}
