package dev.haven.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.jdbc.HavenDataSource;
import dev.haven.testkit.HavenPostgres;
import dev.haven.testkit.PostgresCluster;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The README's "The testkit in Spring Boot tests": a {@code @SpringBootTest} whose {@code haven.datasource.*} come from a
 * testkit cluster through {@code @DynamicPropertySource}. The code between the README markers is the README's snippet,
 * character for character ({@link ReadmeSnippetTest} compares them).
 */
// README:start
@HavenPostgres(replicas = 1, perClass = true)  // a primary and a streaming replica, for the whole class
@SpringBootTest(classes = TestkitInBootIT.App.class)
@DirtiesContext                                 // the context closes with the class, before the cluster stops
class TestkitInBootIT {

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {
    }

    static PostgresCluster cluster;

    @BeforeAll                                  // runs before the context starts
    static void cluster(PostgresCluster started) {
        cluster = started;
    }

    @DynamicPropertySource
    static void haven(DynamicPropertyRegistry registry) {
        registry.add("haven.datasource.url", () -> cluster.jdbcUrl());
        registry.add("haven.datasource.username", () -> cluster.user());
        registry.add("haven.datasource.password", () -> cluster.password());
        registry.add("haven.datasource.default-consistency", () -> "eventual");
    }

    @Autowired
    DataSource dataSource;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    PlatformTransactionManager transactions;

    @Test
    void readOnlyTransactionsGoToTheReplicaAndWritesToThePrimary() {
        TransactionTemplate readOnly = new TransactionTemplate(transactions);
        readOnly.setReadOnly(true);
        TransactionTemplate readWrite = new TransactionTemplate(transactions);
        int onReplica = 0;
        int onPrimary = 0;
        for (int i = 0; i < 20; i++) {
            onReplica += readOnly.execute(s -> jdbc.queryForObject("select pg_is_in_recovery()", Boolean.class)) ? 1 : 0;
            onPrimary += readWrite.execute(s -> jdbc.queryForObject("select pg_is_in_recovery()", Boolean.class)) ? 0 : 1;
        }
        System.out.printf("@SpringBootTest on a testkit cluster: %d of 20 read-only transactions on the replica, "
                + "%d of 20 read-write ones on the primary%n", onReplica, onPrimary);
        assertThat(dataSource).isInstanceOf(HavenDataSource.class);
        assertThat(onReplica).isEqualTo(20);
        assertThat(onPrimary).isEqualTo(20);
    }
}
// README:end
