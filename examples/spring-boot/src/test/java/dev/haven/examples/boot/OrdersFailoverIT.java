package dev.haven.examples.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.jdbc.HavenDataSource;
import dev.haven.redis.HavenRedisClient;
import dev.haven.testkit.HavenPostgres;
import dev.haven.testkit.PostgresCluster;
import dev.haven.testkit.redis.HavenRedis;
import dev.haven.testkit.redis.RedisTopology;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The example application, started as a user would start it (its own {@code application.properties}, the servers
 * given as {@code haven.*} properties; the testkit's topologies stand in for production), driven over HTTP by a client
 * that creates orders and reads each back with the session header, while the PostgreSQL writer is killed and a
 * standby promoted, and later the Redis primary is killed and Sentinel promotes its replica. Every read of an order
 * the API acknowledged answers 200 with the order; every acknowledged order is in the database at the end (one
 * synchronous standby: an acknowledged commit survives the writer).
 */
@HavenPostgres(replicas = 2, synchronousStandbys = 1)
@HavenRedis(replicas = 1)
class OrdersFailoverIT {

    static final int ORDERS = 60;

    @Test
    void noFailedReadAndNoLostOrderThroughAWriterFailoverAndARedisPrimaryKill(PostgresCluster pg, RedisTopology redis)
            throws Exception {
        try (Connection c = pg.connect(pg.primary()); Statement s = c.createStatement()) {
            s.execute("create table orders(id bigserial primary key, item text not null)");
        }
        try (ConfigurableApplicationContext app = new SpringApplicationBuilder(OrdersApplication.class)
                .properties("server.port=0",
                        "haven.datasource.url=" + pg.jdbcUrl(), "haven.datasource.username=" + pg.user(),
                        "haven.datasource.password=" + pg.password(), "haven.datasource.writer-wait=10s",
                        "haven.datasource.probe-timeout=2s",
                        "haven.redis.sentinel=" + redis.sentinelUri(),
                        // a shared 2-core machine: the testkit's own Redis ITs use these timeouts too
                        "haven.redis.attempt-timeout=1s", "haven.redis.probe-timeout=1s", "haven.redis.writer-wait=15s")
                .run()) {
            HavenDataSource ds = app.getBean(HavenDataSource.class);
            HavenRedisClient cache = app.getBean(HavenRedisClient.class);
            await(Duration.ofSeconds(30), () -> ds.topology().writer().isPresent() && ds.topology().readers().size() == 2
                    && cache.topology().writer().isPresent());
            String base = "http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port");
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

            List<Long> acknowledged = new ArrayList<>();
            int failedWrites = 0;
            int failedReads = 0;
            String token = null;
            CompletableFuture<?> fault = CompletableFuture.completedFuture(null);
            for (int i = 0; i < ORDERS; i++) {
                if (i == ORDERS / 3) {
                    fault = CompletableFuture.runAsync(() -> {
                        pg.killWriter();
                        pg.promote(pg.mostAdvancedReplica());
                    });
                } else if (i == 2 * ORDERS / 3) {
                    fault.get(60, TimeUnit.SECONDS);
                    fault = CompletableFuture.runAsync(() -> redis.killPrimaryAndAwaitFailover(Duration.ofSeconds(60)));
                }
                HttpResponse<String> post = send(http, HttpRequest.newBuilder(URI.create(base + "/orders?item=book-" + i))
                        .POST(HttpRequest.BodyPublishers.noBody()), token);
                token = post.headers().firstValue("X-Haven-Session").orElse(token);
                if (post.statusCode() != 200) {
                    failedWrites++;
                    continue;
                }
                long id = Long.parseLong(post.body().trim());
                acknowledged.add(id);
                HttpResponse<String> get = send(http, HttpRequest.newBuilder(URI.create(base + "/orders/" + id)).GET(), token);
                token = get.headers().firstValue("X-Haven-Session").orElse(token);
                failedReads += get.statusCode() == 200 && get.body().equals("book-" + i) ? 0 : 1;
            }
            fault.get(60, TimeUnit.SECONDS);

            long stored;
            try (Connection c = pg.connect(pg.primary()); ResultSet rs = c.createStatement().executeQuery(
                    "select count(*) from orders where id = any(array" + acknowledged + "::bigint[])")) {
                rs.next();
                stored = rs.getLong(1);
            }
            System.out.printf("example app: %d orders sent through a writer failover and a Redis primary kill: %d "
                    + "acknowledged, %d refused (5xx, safe to re-send or reported as unknown); reads of acknowledged orders "
                    + "that failed or missed: %d; acknowledged orders missing from the database: %d%n", ORDERS,
                    acknowledged.size(), failedWrites, failedReads, acknowledged.size() - stored);
            assertThat(failedReads).as("failed or stale reads of acknowledged orders").isZero();
            assertThat(stored).as("acknowledged orders in the database").isEqualTo(acknowledged.size());
            assertThat(acknowledged.size()).as("orders acknowledged").isGreaterThan(ORDERS / 2);
        }
    }

    static HttpResponse<String> send(HttpClient http, HttpRequest.Builder request, String token) throws Exception {
        if (token != null) {
            request.header("X-Haven-Session", token);
        }
        return http.send(request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static void await(Duration timeout, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited %s for the topologies", timeout).isLessThan(deadline);
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }
}
