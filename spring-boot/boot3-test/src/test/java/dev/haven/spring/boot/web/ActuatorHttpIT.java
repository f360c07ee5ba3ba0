package dev.haven.spring.boot.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.jdbc.HavenDataSource;
import dev.haven.testkit.HavenPostgres;
import dev.haven.testkit.PgNode;
import dev.haven.testkit.PostgresCluster;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Actuator over HTTP on Boot 3.5.7 and 4.0.7 (each with its own health API): {@code /actuator/health}'s {@code db} is
 * Haven's (UP with the writer and replica named, 503 DOWN without a writer, never blocking), and after a failover it
 * and {@code /actuator/haven} show the last failover (from, to, duration) and every server's breaker;
 * {@code /actuator/metrics} has HikariCP's meters of the per-server pools and Haven's.
 */
@HavenPostgres(replicas = 1)
class ActuatorHttpIT {

    @Test
    void healthEndpointAndMetricsFollowAFailover(PostgresCluster cluster) throws Exception {
        Duration writerWait = Duration.ofSeconds(3);
        try (ConfigurableApplicationContext app = new SpringApplicationBuilder(OrdersApplication.class)
                .properties("server.port=0", "spring.main.banner-mode=off",
                        "haven.datasource.url=" + cluster.jdbcUrl(), "haven.datasource.username=" + cluster.user(),
                        "haven.datasource.password=" + cluster.password(), "haven.datasource.cluster-name=actuator-it",
                        "haven.datasource.writer-wait=" + writerWait.toMillis() + "ms", "haven.datasource.pool.maximum-pool-size=4",
                        // a shared 2-core machine at load 6-15: a 500 ms probe timeout took healthy servers for dead ones
                        // while HikariCP set up a pool's first connection, and HikariCP then poisoned the pool for its life
                        "haven.datasource.probe-timeout=2s",
                        "management.endpoints.web.exposure.include=health,haven,metrics",
                        "management.endpoint.health.show-details=always")
                .run()) {
            assertThat(SpringBootVersion.getVersion()).startsWith(HttpFailoverIT.expectedBootVersion());
            HavenDataSource ds = app.getBean(HavenDataSource.class);
            HttpFailoverIT.await("writer and replica", Duration.ofSeconds(15),
                    () -> ds.topology().writer().isPresent() && ds.topology().readers().size() == 1);
            app.getBean(JdbcTemplate.class).execute("create table orders(id text primary key)");
            String base = "http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port");
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            PgNode writer = cluster.primary();
            String oldWriter = writer.host() + ":" + writer.port();
            PgNode replica = cluster.replicas().get(0);
            String newWriter = replica.host() + ":" + replica.port();
            for (int i = 0; i < 10; i++) {
                assertThat(HttpFailoverIT.post(http, base, "o-" + i, 0).statusCode()).isEqualTo(200);
            }

            HttpFailoverIT.await("the replica's lag measured", Duration.ofSeconds(15), () -> !ds.replicaStaleness().isEmpty());
            HttpResponse<String> up = get(http, base + "/actuator/health");
            assertThat(up.statusCode()).isEqualTo(200);
            assertThat(up.body()).contains("\"cluster\":\"actuator-it\"", "\"writer\":\"" + oldWriter + "\"", "\"replicas\":1",
                    "\"replicaLagMs\":{\"" + newWriter + "\":").doesNotContain("password");
            HttpResponse<String> hikari = get(http, base + "/actuator/metrics/hikaricp.connections");
            assertThat(hikari.statusCode()).isEqualTo(200);
            assertThat(hikari.body()).contains("haven-actuator-it-" + oldWriter);
            assertThat(get(http, base + "/actuator/metrics/haven.endpoints").statusCode()).isEqualTo(200);

            cluster.killWriter();
            long slowestMs = 0;
            HttpResponse<String> down = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (down == null && System.nanoTime() < deadline) {
                long t0 = System.nanoTime();
                HttpResponse<String> r = get(http, base + "/actuator/health");
                slowestMs = Math.max(slowestMs, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
                // The monitor's snapshot (writer none) is published a moment before its FailoverStarted event, from which
                // the failover in progress is known: wait for both, as for the promotion below.
                down = r.statusCode() == 503 && r.body().contains("\"failoverInProgress\":{") ? r : null;
                TimeUnit.MILLISECONDS.sleep(down == null ? 50 : 0);
            }
            assertThat(down).as("health 503 with the failover in progress within 15 s of the kill").isNotNull();
            assertThat(down.body()).contains("\"writer\":\"none\"", "\"failoverInProgress\":{", "\"from\":\"" + oldWriter + "\"");

            cluster.promote(replica);
            HttpResponse<String> again = null;
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (again == null && System.nanoTime() < deadline) {
                long t0 = System.nanoTime();
                HttpResponse<String> r = get(http, base + "/actuator/health");
                slowestMs = Math.max(slowestMs, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
                again = r.statusCode() == 200 && r.body().contains("\"lastFailover\"") ? r : null;
                TimeUnit.MILLISECONDS.sleep(again == null ? 50 : 0);
            }
            assertThat(again).as("health UP with the last failover within 15 s of the promotion").isNotNull();
            assertThat(again.body()).contains("\"writer\":\"" + newWriter + "\"",
                    "\"lastFailover\":{\"at\":", "\"from\":\"" + oldWriter + "\",\"to\":\"" + newWriter + "\",\"durationMs\":");
            HttpResponse<String> haven = get(http, base + "/actuator/haven");
            assertThat(haven.statusCode()).isEqualTo(200);
            assertThat(haven.body()).contains("\"from\":\"" + oldWriter + "\",\"to\":\"" + newWriter + "\"", "\"breaker\":\"",
                    "\"haven.jdbc.password\":\"***\"");
            System.out.printf("Spring Boot %s: health UP, 503 DOWN after the kill, UP after the promotion; slowest health "
                    + "call %d ms (writer-wait %d ms); health then: %s; haven endpoint: %s%n", SpringBootVersion.getVersion(),
                    slowestMs, writerWait.toMillis(), again.body(), haven.body());
            assertThat(slowestMs).as("slowest /actuator/health, ms: never waits for a writer").isLessThan(writerWait.toMillis() / 2);
        }
    }

    static HttpResponse<String> get(HttpClient http, String uri) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(10)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
