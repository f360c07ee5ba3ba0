package dev.haven.examples.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.dynamodb.HavenDynamoDbClient;
import dev.haven.jdbc.HavenDataSource;
import dev.haven.redis.HavenRedisClient;
import dev.haven.spring.boot.HavenDynamoDbClientCustomizer;
import dev.haven.testkit.HavenPostgres;
import dev.haven.testkit.PostgresCluster;
import dev.haven.testkit.dynamodb.DynamoDbRegions;
import dev.haven.testkit.dynamodb.HavenDynamoDb;
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
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.GenericApplicationContext;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * The example application, started as a user would start it (its own {@code application.properties}, the servers
 * given as {@code haven.*} properties; the testkit's topologies stand in for production), driven over HTTP by a client
 * that creates orders and reads each back (the order, then its status) with the session header, while the PostgreSQL
 * writer is killed and a standby promoted, later the Redis primary is killed and Sentinel promotes its replica, and
 * last the DynamoDB home region is frozen for 5 s (the application runs in the other region; each order refused
 * meanwhile is followed by reads of an older order's status: by another client, which the other region serves, and by
 * this client, whose session may need the frozen region). Every read of an order
 * the API acknowledged answers 200 with the order; every status read answers 200 "placed", except at most one read
 * right at the freeze, which answers 503 (its order's status was not yet replicated out of the frozen region: no
 * region could serve it, and none served it stale); every acknowledged order is in the database and its status in the
 * home region at the end (one synchronous standby: an acknowledged commit survives the writer).
 */
@HavenPostgres(replicas = 2, synchronousStandbys = 1)
@HavenRedis(replicas = 1)
@HavenDynamoDb(regions = {"us-east-1", "us-west-2"}, replicationDelay = "200ms")
class OrdersFailoverIT {

    static final int ORDERS = 90;
    static final String HOME = "us-east-1";

    @Test
    void noFailedReadAndNoLostOrderThroughAWriterFailoverARedisPrimaryKillAndAFrozenHomeRegion(PostgresCluster pg,
            RedisTopology redis, DynamoDbRegions regions) throws Exception {
        try (Connection c = pg.connect(pg.primary()); Statement s = c.createStatement()) {
            s.execute("create table orders(id bigserial primary key, item text not null)");
        }
        regions.createGlobalTable(table("haven-heartbeat"));
        regions.createGlobalTable(table(OrdersApplication.Orders.STATUS));
        try (ConfigurableApplicationContext app = new SpringApplicationBuilder(OrdersApplication.class)
                // DynamoDB Local takes any credentials: the testkit's, given as a customizer bean would give them
                .initializers(c -> ((GenericApplicationContext) c).registerBean(HavenDynamoDbClientCustomizer.class,
                        () -> b -> b.credentialsProvider(regions.credentials())))
                .properties("server.port=0",
                        "haven.datasource.url=" + pg.jdbcUrl(), "haven.datasource.username=" + pg.user(),
                        "haven.datasource.password=" + pg.password(), "haven.datasource.writer-wait=10s",
                        "haven.datasource.probe-timeout=2s",
                        "haven.redis.sentinel=" + redis.sentinelUri(),
                        // a shared 2-core machine: the testkit's own Redis ITs use these timeouts too
                        "haven.redis.attempt-timeout=1s", "haven.redis.probe-timeout=1s", "haven.redis.writer-wait=15s",
                        "haven.dynamodb.regions=us-east-1,us-west-2", "haven.dynamodb.home-region=" + HOME,
                        "haven.dynamodb.local-region=us-west-2",
                        "haven.dynamodb.region.us-east-1.endpoint=" + regions.endpoint("us-east-1"),
                        "haven.dynamodb.region.us-west-2.endpoint=" + regions.endpoint("us-west-2"))
                .run()) {
            HavenDataSource ds = app.getBean(HavenDataSource.class);
            HavenRedisClient cache = app.getBean(HavenRedisClient.class);
            HavenDynamoDbClient dynamo = app.getBean(HavenDynamoDbClient.class);
            await(Duration.ofSeconds(30), () -> ds.topology().writer().isPresent() && ds.topology().readers().size() == 2
                    && cache.topology().writer().isPresent() && dynamo.topology().writer().isPresent());
            String base = "http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port");
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

            List<Long> acknowledged = new ArrayList<>();
            int failedWrites = 0;
            Map<String, Integer> refusedByFault = new java.util.TreeMap<>(); // "fault: status" -> count
            String phase = "before the faults";
            int failedReads = 0;
            List<String> failedStatusReads = new ArrayList<>();
            List<String> failedOlderStatusReads = new ArrayList<>();
            int olderStatusReads = 0;
            Map<String, Integer> ownSessionDuringFreeze = new java.util.TreeMap<>();
            int settledCount = 0;
            String token = null;
            CompletableFuture<?> fault = CompletableFuture.completedFuture(null);
            long t0 = System.nanoTime();
            for (int i = 0; i < ORDERS; i++) {
                if (i % (ORDERS / 4) == 0) {
                    System.out.printf("example app: order %d at %d ms (%s)%n", i,
                            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), phase);
                }
                if (i == ORDERS / 4) {
                    phase = "writer failover";
                    fault = CompletableFuture.runAsync(() -> {
                        pg.killWriter();
                        pg.promote(pg.mostAdvancedReplica());
                    });
                } else if (i == 2 * ORDERS / 4) {
                    phase = "Redis primary kill";
                    fault.get(60, TimeUnit.SECONDS);
                    fault = CompletableFuture.runAsync(() -> redis.killPrimaryAndAwaitFailover(Duration.ofSeconds(60)));
                } else if (i == 3 * ORDERS / 4) {
                    settledCount = acknowledged.size() / 2; // acknowledged before the Redis kill, seconds ago
                    phase = "frozen home region";
                    fault.get(60, TimeUnit.SECONDS);
                    fault = CompletableFuture.runAsync(() -> {
                        regions.freeze(HOME);
                        try {
                            TimeUnit.SECONDS.sleep(5);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        } finally {
                            regions.unfreeze(HOME);
                        }
                    });
                }
                HttpResponse<String> post = send(http, HttpRequest.newBuilder(URI.create(base + "/orders?item=book-" + i))
                        .POST(HttpRequest.BodyPublishers.noBody()), token);
                token = post.headers().firstValue("X-Haven-Session").orElse(token);
                if (post.statusCode() != 200) {
                    failedWrites++;
                    refusedByFault.merge(phase + ": " + post.statusCode(), 1, Integer::sum);
                    if (i >= 3 * ORDERS / 4 && settledCount > 0) {
                        // The home region is frozen. The status of an order settled seconds before, read by another
                        // client (no session): the other region serves it. Read by this client, whose last write may
                        // not have left the frozen region, it is 200 only where Haven can prove the other region has
                        // that write too, and otherwise a clean 503 (never a stale answer).
                        long older = acknowledged.get(olderStatusReads++ % settledCount);
                        HttpRequest.Builder read = HttpRequest.newBuilder(URI.create(base + "/orders/" + older + "/status")).GET();
                        HttpResponse<String> other = send(http, read, null);
                        if (other.statusCode() != 200 || !other.body().equals("placed")) {
                            failedOlderStatusReads.add(other.statusCode() + " " + other.body());
                        }
                        HttpResponse<String> own = send(http, read, token);
                        ownSessionDuringFreeze.merge(own.statusCode() + " " + own.body(), 1, Integer::sum);
                    }
                    continue;
                }
                long id = Long.parseLong(post.body().trim());
                acknowledged.add(id);
                HttpResponse<String> get = send(http, HttpRequest.newBuilder(URI.create(base + "/orders/" + id)).GET(), token);
                token = get.headers().firstValue("X-Haven-Session").orElse(token);
                failedReads += get.statusCode() == 200 && get.body().equals("book-" + i) ? 0 : 1;
                HttpResponse<String> status = send(http, HttpRequest.newBuilder(URI.create(base + "/orders/" + id + "/status"))
                        .GET(), token);
                token = status.headers().firstValue("X-Haven-Session").orElse(token);
                if (status.statusCode() != 200 || !status.body().equals("placed")) {
                    failedStatusReads.add(status.statusCode() + " " + status.body());
                }
            }
            fault.get(60, TimeUnit.SECONDS);
            long statusAtHome = acknowledged.stream().filter(id -> regions.client(HOME).getItem(b -> b
                    .tableName(OrdersApplication.Orders.STATUS).consistentRead(true)
                    .key(Map.of("pk", AttributeValue.fromS(Long.toString(id))))).hasItem()).count();

            long stored;
            try (Connection c = pg.connect(pg.primary()); ResultSet rs = c.createStatement().executeQuery(
                    "select count(*) from orders where id = any(array" + acknowledged + "::bigint[])")) {
                rs.next();
                stored = rs.getLong(1);
            }
            System.out.printf("example app: %d orders sent through a writer failover, a Redis primary kill and a frozen"
                    + " DynamoDB home region: %d acknowledged, %d refused (5xx, safe to re-send or reported as unknown: %s); reads"
                    + " of acknowledged orders that failed or missed: %d; status reads that failed: %s; acknowledged orders"
                    + " missing from the database: %d, their status missing from the home region: %d; while the home region was frozen,"
                    + " %d status reads of orders acknowledged seconds before by another client, failed: %s; by this client"
                    + " (its session): %s%n", ORDERS,
                    acknowledged.size(), failedWrites, refusedByFault, failedReads, failedStatusReads, acknowledged.size() - stored,
                    acknowledged.size() - statusAtHome, olderStatusReads, failedOlderStatusReads, ownSessionDuringFreeze);
            assertThat(failedReads).as("failed or stale reads of acknowledged orders").isZero();
            assertThat(failedStatusReads).as("status reads of acknowledged orders that did not answer 200 placed")
                    .hasSizeLessThanOrEqualTo(1).allSatisfy(f -> assertThat(f).startsWith("503 "));
            assertThat(olderStatusReads).as("status reads of settled orders while the home region was frozen").isPositive();
            assertThat(failedOlderStatusReads).as("of them, failed (the other region has them)").isEmpty();
            assertThat(ownSessionDuringFreeze.keySet()).as("answers to this session's reads while its home region was frozen")
                    .allSatisfy(a -> assertThat(a).isIn("200 placed", "503 HavenRegionUnavailableException"));
            assertThat(stored).as("acknowledged orders in the database").isEqualTo(acknowledged.size());
            assertThat(statusAtHome).as("acknowledged orders whose status is in the home region").isEqualTo(acknowledged.size());
            assertThat(acknowledged.size()).as("orders acknowledged").isGreaterThan(ORDERS / 2);
        }
    }

    private static CreateTableRequest table(String name) {
        return CreateTableRequest.builder().tableName(name)
                .keySchema(KeySchemaElement.builder().attributeName("pk").keyType(KeyType.HASH).build())
                .attributeDefinitions(AttributeDefinition.builder().attributeName("pk").attributeType(ScalarAttributeType.S).build())
                .billingMode(BillingMode.PAY_PER_REQUEST).build();
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
