package dev.haven.spring.boot.jpa;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.jdbc.HavenDataSource;
import dev.haven.testkit.HavenPostgres;
import dev.haven.testkit.PgNode;
import dev.haven.testkit.PostgresCluster;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.hibernate.Version;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Haven's failure model through Spring Data JPA (Hibernate 6.6 on Boot 3.5.7, 7.2 on 4.0.7): the writer is killed while
 * one POST's transaction is open (its insert flushed, then a sleep) and another POST's COMMIT is running (a deferred
 * trigger makes the commit slow), then a POST arrives while there is no writer, then a replica is promoted. Each failed
 * write must answer 503 (transient: re-run it) or 500 (outcome unknown: do not), with the DataAccessException type that
 * says which, never 200; Hibernate alone would have made all three the same non-transient
 * {@code DataAccessResourceFailureException}. Every POST answered 200 is stored.
 */
@HavenPostgres(replicas = 1)
class JpaFailoverIT {

    static final int ORDERS = 20;

    @Test
    void failedWritesAnswerTheirKindNeverA200(PostgresCluster cluster) throws Exception {
        Duration writerWait = Duration.ofSeconds(2);
        try (ConfigurableApplicationContext app = new SpringApplicationBuilder(JpaOrdersApplication.class)
                .properties("server.port=0", "spring.main.banner-mode=off", "spring.jpa.hibernate.ddl-auto=create",
                        "spring.jpa.open-in-view=false",
                        "haven.datasource.url=" + cluster.jdbcUrl(), "haven.datasource.username=" + cluster.user(),
                        "haven.datasource.password=" + cluster.password(), "haven.datasource.cluster-name=jpa-it",
                        "haven.datasource.writer-wait=" + writerWait.toMillis() + "ms", "haven.datasource.deadline=15s",
                        "haven.datasource.pool.maximum-pool-size=4",
                        // a shared 2-core machine at load 6-15: a 500 ms probe timeout took a healthy replica for a
                        // dead one during Hibernate's start-up, whose pool HikariCP then poisoned (see the report)
                        "haven.datasource.probe-timeout=2s")
                .run()) {
            assertThat(SpringBootVersion.getVersion()).startsWith(System.getProperty("haven.it.boot-version", "unset"));
            HavenDataSource ds = app.getBean(HavenDataSource.class);
            await("writer and replica", Duration.ofSeconds(15),
                    () -> ds.topology().writer().isPresent() && ds.topology().readers().size() == 1);
            PgNode writer = cluster.primary();
            try (Connection c = cluster.connect(writer); Statement s = c.createStatement()) {
                s.execute("create function slow_commit() returns trigger language plpgsql as $$ begin "
                        + "if new.id like 'slow-commit%' then perform pg_sleep(30); end if; return null; end $$");
                s.execute("create constraint trigger slow_commit after insert on jpa_orders deferrable initially deferred "
                        + "for each row execute function slow_commit()");
            }
            String base = "http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port");
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

            int okBefore = 0;
            for (int i = 0; i < ORDERS; i++) {
                okBefore += post(http, base, "before-" + i, 0).statusCode() == 200 ? 1 : 0;
            }
            CompletableFuture<HttpResponse<String>> inTransaction = CompletableFuture.supplyAsync(() -> post(http, base, "in-transaction", 30));
            CompletableFuture<HttpResponse<String>> inCommit = CompletableFuture.supplyAsync(() -> post(http, base, "slow-commit", 0));
            await("a transaction sleeping and a COMMIT running on the writer", Duration.ofSeconds(20),
                    () -> active(cluster, writer, "select cast(pg_sleep%") && active(cluster, writer, "COMMIT")
                            || inTransaction.isDone() || inCommit.isDone());
            cluster.killWriter();
            HttpResponse<String> rolledBack = inTransaction.get(60, TimeUnit.SECONDS);
            HttpResponse<String> unknown = inCommit.get(60, TimeUnit.SECONDS);
            long t0 = System.nanoTime();
            HttpResponse<String> unavailable = post(http, base, "no-writer", 0);
            long unavailableMs = (System.nanoTime() - t0) / 1_000_000;

            PgNode promoted = cluster.promote(cluster.mostAdvancedReplica());
            await("the promoted writer", Duration.ofSeconds(30), () -> ds.topology().writer().isPresent());
            int okAfter = 0;
            for (int i = 0; i < ORDERS; i++) {
                okAfter += post(http, base, "after-" + i, 0).statusCode() == 200 ? 1 : 0;
            }
            long stored;
            long lostStored;
            try (Connection c = cluster.connect(promoted); Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("select count(*) filter (where id like 'before-%' or id like 'after-%'), "
                            + "count(*) filter (where id in ('in-transaction', 'no-writer')) from jpa_orders")) {
                rs.next();
                stored = rs.getLong(1);
                lostStored = rs.getLong(2);
            }
            System.out.printf("Spring Boot %s, Hibernate %s: POSTs answered 200 before the kill %d of %d, after the "
                    + "promotion %d of %d; transaction open at the kill: HTTP %d %s; COMMIT running at the kill: HTTP %d %s; "
                    + "no writer: HTTP %d %s after %d ms (writer-wait %d ms); acknowledged orders stored %d of %d; rolled "
                    + "back or refused ones stored %d%n", SpringBootVersion.getVersion(), Version.getVersionString(),
                    okBefore, ORDERS, okAfter, ORDERS, rolledBack.statusCode(), rolledBack.body(), unknown.statusCode(),
                    unknown.body(), unavailable.statusCode(), unavailable.body(), unavailableMs, writerWait.toMillis(),
                    stored, 2 * ORDERS, lostStored);
            assertThat(okBefore).isEqualTo(ORDERS);
            assertThat(rolledBack.statusCode()).isEqualTo(503);
            assertThat(rolledBack.body()).isEqualTo("TransientDataAccessResourceException ROLLED_BACK");
            assertThat(unknown.statusCode()).isEqualTo(500);
            assertThat(unknown.body()).isEqualTo("WriteOutcomeUnknownDataAccessException OUTCOME_UNKNOWN");
            assertThat(unavailable.statusCode()).isEqualTo(503);
            assertThat(unavailable.body()).isEqualTo("TransientDataAccessResourceException UNAVAILABLE");
            assertThat(okAfter).isEqualTo(ORDERS);
            assertThat(stored).as("every order answered 200 is stored").isEqualTo(2L * ORDERS);
            assertThat(lostStored).as("the rolled-back and the refused order").isZero();
        }
    }

    static HttpResponse<String> post(HttpClient http, String base, String id, double sleep) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(base + "/orders?id=" + id + "&sleep=" + sleep))
                    .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Whether a statement like {@code pattern} is running on {@code node}. */
    static boolean active(PostgresCluster cluster, PgNode node, String pattern) {
        try (Connection c = cluster.connect(node); java.sql.PreparedStatement s = c.prepareStatement(
                "select count(*) from pg_stat_activity where query like ? and state = 'active' and pid <> pg_backend_pid()")) {
            s.setString(1, pattern);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1) > 0;
            }
        } catch (java.sql.SQLException e) {
            return false;
        }
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
