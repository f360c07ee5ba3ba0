package dev.haven.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.Consistency;
import dev.haven.HavenSession;
import dev.haven.Role;
import dev.haven.dynamodb.HavenDynamoDbClient;
import dev.haven.jdbc.HavenConnection;
import dev.haven.jdbc.HavenDataSource;
import dev.haven.redis.HavenRedisClient;
import dev.haven.testkit.HavenPostgres;
import dev.haven.testkit.PostgresCluster;
import dev.haven.testkit.dynamodb.DynamoDbRegions;
import dev.haven.testkit.dynamodb.HavenDynamoDb;
import dev.haven.testkit.redis.HavenRedis;
import dev.haven.testkit.redis.RedisNode;
import dev.haven.testkit.redis.RedisTopology;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * One session token gives read-your-writes across PostgreSQL, Redis and DynamoDB, from one application instance to
 * another, while each store's replicas lag at random: {@link OneSession}'s requests on real servers.
 */
@HavenPostgres(replicas = 1)
@HavenRedis(replicas = 2)
@HavenDynamoDb(regions = {"us-east-1", "us-west-2"}, replicationDelay = "200ms")
class OneSessionIT {

    private static final String HOME = "us-east-1";
    private static final String HEARTBEAT = "haven-heartbeat";
    private static final String AUDIT = "audit";
    /** Not a global table: each region's item names the region, so a read says where it went. */
    private static final String WHERE = "where";

    @Test
    void oneTokenCarriesReadYourWritesAcrossThreeStoresAndTwoInstancesWhileReplicasLag(PostgresCluster pg, RedisTopology redis,
            DynamoDbRegions dynamo) throws Exception {
        try (Connection c = pg.connect(pg.primary())) {
            c.createStatement().execute("CREATE TABLE orders (id bigint PRIMARY KEY, item text)");
        }
        for (String name : List.of(HEARTBEAT, AUDIT)) {
            dynamo.createGlobalTable(table(name));
        }
        for (String r : dynamo.regions()) {
            dynamo.client(r).createTable(table(WHERE));
            dynamo.client(r).putItem(b -> b.tableName(WHERE).item(Map.of("pk", AttributeValue.fromS("who"), "region", AttributeValue.fromS(r))));
        }
        // Two instances of the application, each with its own clients: A takes the writes, B the reads that follow.
        try (App a = new App(pg, redis, dynamo); App b = new App(pg, redis, dynamo)) {
            OneSession writer = a.flows();
            OneSession reader = b.flows();
            RedisNode pausedRedis = redis.replicas().get(0);
            long replicaGets0 = gets(redis.replicas());
            long primaryGets0 = gets(List.of(redis.primary()));
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong lagChanges = new AtomicLong();
            Thread lag = new Thread(() -> injectLag(pg, redis, pausedRedis, dynamo, stop, lagChanges), "lag-injector");
            lag.start();
            int threads = 4;
            int flows = 60;
            Map<String, AtomicLong> violations = new ConcurrentHashMap<>();
            AtomicLong sqlOnReplica = new AtomicLong();
            AtomicLong dynamoOutsideHome = new AtomicLong();
            AtomicLong done = new AtomicLong();
            List<Throwable> errors = new CopyOnWriteArrayList<>();
            List<String> tokens = new CopyOnWriteArrayList<>();
            List<Thread> ts = new ArrayList<>();
            try {
                for (int t = 0; t < threads; t++) {
                    int id = t;
                    ts.add(new Thread(() -> {
                        try {
                            for (int i = 1; i <= flows; i++) {
                                String item = "item-" + id + "-" + i;
                                String token = writer.placeOrder(null, id, item);
                                long wroteAt = System.nanoTime();
                                if (i % 4 == 0) {
                                    // a longer think time: DynamoDB vouches for a region only once its heartbeat shows
                                    // the write replicated (lag-margin 250 ms on top of the region's lag)
                                    Thread.sleep(1_200);
                                } else if (i % 2 == 0) {
                                    Thread.sleep(200); // a user's think time: replicas that are not paused have it then
                                }
                                OneSession.Order o = reader.readOrder(token, id);
                                count(violations, "sql", !item.equals(o.row()));
                                count(violations, "redis", !item.equals(o.cached()));
                                count(violations, "dynamodb", !item.equals(o.audited()));
                                if (!item.equals(o.audited())) {
                                    System.out.printf("[OneSessionIT] DynamoDB read %s instead of %s, %d ms after the write, served by %s; "
                                            + "topology %s%n", o.audited(), item, (System.nanoTime() - wroteAt) / 1_000_000,
                                            b.dynamoServedBy(token), b.dynamo.topology());
                                }
                                // where the same token's SESSION reads go now (the order reads above went the same way)
                                if (b.sqlReadOnReplica(token)) {
                                    sqlOnReplica.incrementAndGet();
                                }
                                if (!HOME.equals(b.dynamoServedBy(token))) {
                                    dynamoOutsideHome.incrementAndGet();
                                }
                                tokens.add(token);
                                done.incrementAndGet();
                            }
                        } catch (Throwable e) {
                            errors.add(e);
                        }
                    }, "flow-" + t));
                }
                ts.forEach(Thread::start);
                for (Thread t : ts) {
                    t.join(180_000);
                }
            } finally {
                stop.set(true);
                lag.join(30_000);
            }
            long replicaGets = gets(redis.replicas()) - replicaGets0;
            long primaryGets = gets(List.of(redis.primary())) - primaryGets0;
            int total = threads * flows;
            System.out.printf("[OneSessionIT] %d flows (write on A, read on B with the token), %d lag changes: violations %s; "
                    + "SESSION reads on a PostgreSQL replica %d of %d, on Redis replicas %d (primary %d), DynamoDB outside home "
                    + "%d of %d; e.g. token %s%n", done.get(), lagChanges.get(), violations, sqlOnReplica.get(), total,
                    replicaGets, primaryGets, dynamoOutsideHome.get(), total, tokens.isEmpty() ? "-" : tokens.get(0));
            assertThat(errors).isEmpty();
            assertThat(done.get()).isEqualTo(total);
            assertThat(violations).as("read-your-writes violations per store").isEmpty();
            assertThat(tokens).allMatch(tk -> tk.matches("hs1;cache@[0-9a-f]+:[0-9a-f]+;haven-dynamodb@0:[0-9a-f]+;orders@[0-9a-f]+:[0-9a-f]+"));
            // Replicas serve SESSION reads when they have the write: well above 0 for each store.
            assertThat(sqlOnReplica.get()).as("SESSION reads on the PostgreSQL replica, of %d", total).isGreaterThanOrEqualTo(total / 20);
            assertThat(replicaGets).as("SESSION GETs on Redis replicas, of %d", total).isGreaterThanOrEqualTo(total / 20);
            assertThat(dynamoOutsideHome.get()).as("SESSION reads outside the home region, of %d", total).isGreaterThanOrEqualTo(total / 40);
        }
    }

    private static void count(Map<String, AtomicLong> violations, String store, boolean violated) {
        if (violated) {
            violations.computeIfAbsent(store, k -> new AtomicLong()).incrementAndGet();
        }
    }

    /**
     * Pauses and resumes replay/replication of one replica of each store, and sets DynamoDB's replication delay (100–800
     * ms), at random every 150–400 ms until stopped.
     */
    private static void injectLag(PostgresCluster pg, RedisTopology redis, RedisNode pausedRedis, DynamoDbRegions dynamo,
            AtomicBoolean stop, AtomicLong changes) {
        Random random = new Random(42);
        boolean pgPaused = false;
        boolean redisPaused = false;
        try {
            long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos(); // bounded even if a flow hangs
            while (!stop.get() && System.nanoTime() < deadline) {
                switch (random.nextInt(3)) {
                    case 0 -> {
                        if (pgPaused) {
                            pg.resumeReplay(pg.replicas().get(0));
                        } else {
                            pg.pauseReplay(pg.replicas().get(0));
                        }
                        pgPaused = !pgPaused;
                    }
                    case 1 -> {
                        if (redisPaused) {
                            redis.resumeReplication(pausedRedis);
                        } else {
                            redis.pauseReplication(pausedRedis);
                        }
                        redisPaused = !redisPaused;
                    }
                    default -> dynamo.replicationDelay(Duration.ofMillis(100 + random.nextInt(700)));
                }
                changes.incrementAndGet();
                Thread.sleep(150 + random.nextInt(250));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (pgPaused) {
                pg.resumeReplay(pg.replicas().get(0));
            }
            if (redisPaused) {
                redis.resumeReplication(pausedRedis);
            }
            dynamo.replicationDelay(Duration.ofMillis(200));
        }
    }

    private static long gets(List<RedisNode> nodes) {
        long sum = 0;
        for (RedisNode n : nodes) {
            RedisClient c = RedisClient.create(RedisURI.create("127.0.0.1", n.directPort()));
            try (StatefulRedisConnection<String, String> conn = c.connect()) {
                Matcher m = Pattern.compile("cmdstat_get:calls=(\\d+)").matcher(conn.sync().info("commandstats"));
                sum += m.find() ? Long.parseLong(m.group(1)) : 0;
            } finally {
                c.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            }
        }
        return sum;
    }

    private static CreateTableRequest table(String name) {
        return CreateTableRequest.builder().tableName(name)
                .keySchema(KeySchemaElement.builder().attributeName("pk").keyType(KeyType.HASH).build())
                .attributeDefinitions(AttributeDefinition.builder().attributeName("pk").attributeType(ScalarAttributeType.S).build())
                .billingMode(BillingMode.PAY_PER_REQUEST).build();
    }

    /** One application instance: its own data source, Redis client and DynamoDB client (timeouts for a shared machine). */
    private static final class App implements AutoCloseable {
        final HavenDataSource sql;
        final HavenRedisClient cache;
        final HavenDynamoDbClient dynamo;

        App(PostgresCluster pg, RedisTopology redis, DynamoDbRegions regions) {
            sql = HavenDataSource.builder().url(pg.jdbcUrl()).username(pg.user()).password(pg.password()).clusterName("orders")
                    .build();
            cache = HavenRedisClient.builder().sentinel(redis.sentinelUri()).clusterName("cache")
                    .attemptTimeout(Duration.ofSeconds(1)).probeTimeout(Duration.ofSeconds(1)).writerWait(Duration.ofSeconds(10)).build();
            HavenDynamoDbClient.Builder d = HavenDynamoDbClient.builder().homeRegion(HOME).localRegion("us-west-2")
                    .heartbeatTable(HEARTBEAT).credentialsProvider(regions.credentials())
                    // DynamoDB Local is a JVM per region: on a loaded 2-core machine its answers take longer than the
                    // 500 ms default probe timeout, which declared both regions down in a run at load 11
                    .probeTimeout(Duration.ofSeconds(2));
            for (String r : regions.regions()) {
                d.region(r, regions.endpoint(r));
            }
            dynamo = d.build();
            awaitReplicas();
        }

        private void awaitReplicas() {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline && (cache.topology().writer().isEmpty()
                    || cache.topology().endpoints().stream().filter(e -> e.role() == Role.READER).count() < 2
                    || sql.topology().readers().isEmpty())) {
                sleep(20);
            }
            assertThat(cache.topology().endpoints().stream().filter(e -> e.role() == Role.READER).count()).isEqualTo(2);
            assertThat(sql.topology().readers()).hasSize(1);
        }

        OneSession flows() {
            return new OneSession(sql, cache, dynamo, AUDIT);
        }

        boolean sqlReadOnReplica(String token) throws Exception {
            try (Connection c = sql.getConnection()) {
                c.setReadOnly(true);
                HavenConnection hc = c.unwrap(HavenConnection.class);
                hc.session(HavenSession.fromToken(token));
                hc.consistency(Consistency.SESSION);
                try (ResultSet rs = c.createStatement().executeQuery("SELECT pg_is_in_recovery()")) {
                    rs.next();
                    return rs.getBoolean(1);
                }
            }
        }

        String dynamoServedBy(String token) {
            return dynamo.withSession(HavenSession.fromToken(token))
                    .getItem(b -> b.tableName(WHERE).key(Map.of("pk", AttributeValue.fromS("who")))).item().get("region").s();
        }

        private static void sleep(long ms) {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void close() {
            try (HavenDataSource s = sql; HavenRedisClient c = cache; HavenDynamoDbClient d = dynamo) {
                // closes all three, also when one close throws
            }
        }
    }
}
