package dev.haven.benchmarks;

import dev.haven.Consistency;
import dev.haven.dynamodb.HavenDynamoDbClient;
import dev.haven.jdbc.HavenDataSource;
import dev.haven.redis.HavenRedisClient;
import dev.haven.redis.HavenRedisConnection;
import dev.haven.testkit.PgNode;
import dev.haven.testkit.PostgresCluster;
import dev.haven.testkit.dynamodb.DynamoDbRegions;
import dev.haven.testkit.redis.RedisNode;
import dev.haven.testkit.redis.RedisTopology;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * The soak: mixed load on all three stores at once for a while, with a failover on each store every period, watching
 * whether Haven leaks. Each store gets 2 writer and 2 reader threads (an operation every ~2 ms each); every period the
 * PostgreSQL writer is killed and a replica promoted 1 s later (the dead node is replaced by a new replica), the Redis
 * primary is killed and Sentinel fails it over (the old primary comes back as a replica), and the DynamoDB home region
 * is frozen (SIGSTOP) for 5 s. Every 10 s it prints the heap used after a full GC, the live threads and each store's
 * operations and errors; at the end, the start and end of both curves, and the live threads after everything closed
 * against before anything started.
 *
 * <pre>{@code
 * mvn -q -pl benchmarks -am package -DskipTests
 * java -Xmx512m -cp benchmarks/target/benchmarks.jar dev.haven.benchmarks.Soak [minutes=10] [period-seconds=60] [stores=pg,redis,dynamodb]
 * }</pre>
 *
 * <p>Errors are expected during each fault (writes whose outcome is unknown, writes that waited longer than the writer
 * wait); what the soak judges is that nothing grows: heap after GC, threads, and errors outside the faults.
 */
public final class Soak {

    private static final long SAMPLE_MILLIS = 10_000;
    private static final int KEYS = 1_000;

    /** One store under load: its writes, reads and fault, on servers the testkit runs. */
    interface Store extends AutoCloseable {
        String name();

        void write(long n) throws Exception;

        void read() throws Exception;

        /** Injects the store's fault and waits until the servers are whole again; returns what it did. */
        String fault() throws Exception;
    }

    /** Operations and errors of one store. */
    static final class Tally {
        final LongAdder writes = new LongAdder();
        final LongAdder reads = new LongAdder();
        final Map<String, LongAdder> errors = new ConcurrentHashMap<>();

        void error(String what, Throwable t) {
            errors.computeIfAbsent(what + " " + t.getClass().getSimpleName(), k -> new LongAdder()).increment();
        }

        long errorCount() {
            return errors.values().stream().mapToLong(LongAdder::sum).sum();
        }

        Map<String, Long> errorsByKind() {
            Map<String, Long> m = new TreeMap<>();
            errors.forEach((k, v) -> m.put(k, v.sum()));
            return m;
        }
    }

    record Sample(long seconds, double heapMb, int threads, long ops, long errors, Map<String, Integer> census) {
    }

    private Soak() {
    }

    public static void main(String[] args) throws Exception {
        double minutes = args.length > 0 ? Double.parseDouble(args[0]) : 10;
        long periodSeconds = args.length > 1 ? Long.parseLong(args[1]) : 60;
        List<String> names = List.of((args.length > 2 ? args[2] : "pg,redis,dynamodb").split(","));
        if (minutes <= 0 || periodSeconds < 20) {
            throw new IllegalArgumentException("minutes must be > 0 and period-seconds >= 20 (a fault takes seconds): were "
                    + minutes + " and " + periodSeconds);
        }
        if (System.getProperty("HAVEN_DYNAMODB_LOCAL") == null && System.getenv("HAVEN_DYNAMODB_LOCAL") == null
                && java.nio.file.Files.isDirectory(java.nio.file.Path.of("benchmarks/target/dynamodb-local"))) {
            System.setProperty("HAVEN_DYNAMODB_LOCAL", "benchmarks/target/dynamodb-local"); // what the build copied
        }
        int threadsBefore = liveThreadsAfterGc();
        List<Store> stores = new ArrayList<>();
        ExecutorService load = null;
        ExecutorService faults = Executors.newSingleThreadExecutor(r -> new Thread(r, "soak-faults"));
        AtomicBoolean stop = new AtomicBoolean();
        Map<String, Tally> tallies = new TreeMap<>();
        List<Sample> samples = new ArrayList<>();
        List<String> faultLog = new ArrayList<>();
        try {
            for (String n : names) {
                stores.add(switch (n.trim()) {
                    case "pg" -> new Pg();
                    case "redis" -> new Redis();
                    case "dynamodb" -> new Dynamo();
                    default -> throw new IllegalArgumentException("stores: one of pg, redis, dynamodb: was '" + n + "'");
                });
            }
            load = Executors.newFixedThreadPool(4 * stores.size(), r -> {
                Thread t = new Thread(r, "soak-load");
                t.setDaemon(true);
                return t;
            });
            for (Store s : stores) {
                Tally tally = new Tally();
                tallies.put(s.name(), tally);
                for (int i = 0; i < 2; i++) {
                    load.execute(() -> loop(stop, tally, "write", () -> {
                        s.write(ThreadLocalRandom.current().nextLong(KEYS));
                        tally.writes.increment();
                    }));
                    load.execute(() -> loop(stop, tally, "read", () -> {
                        s.read();
                        tally.reads.increment();
                    }));
                }
            }
            long start = System.nanoTime();
            long end = start + (long) (minutes * 60e9);
            long nextFault = start + TimeUnit.SECONDS.toNanos(periodSeconds / 2);
            java.util.concurrent.Future<?> running = null;
            System.out.printf(Locale.ROOT, "soak: %s for %.1f min, a fault on each store every %d s; live threads before: %d%n",
                    names, minutes, periodSeconds, threadsBefore);
            System.out.println("|   s | heap after GC (MB) | live threads | ops in 10 s | errors in 10 s |");
            System.out.println("|---:|---:|---:|---:|---:|");
            long lastOps = 0;
            long lastErrors = 0;
            while (System.nanoTime() < end) {
                TimeUnit.MILLISECONDS.sleep(Math.min(SAMPLE_MILLIS, Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()))));
                if (System.nanoTime() - nextFault >= 0 && (running == null || running.isDone())) {
                    nextFault += TimeUnit.SECONDS.toNanos(periodSeconds);
                    long at = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
                    running = faults.submit(() -> {
                        for (Store s : stores) {
                            try {
                                String what = s.fault();
                                synchronized (faultLog) {
                                    faultLog.add(at + " s: " + s.name() + " " + what);
                                }
                            } catch (Exception e) {
                                synchronized (faultLog) {
                                    faultLog.add(at + " s: " + s.name() + " fault FAILED: " + e);
                                }
                            }
                        }
                    });
                }
                long ops = tallies.values().stream().mapToLong(t -> t.writes.sum() + t.reads.sum()).sum();
                long errors = tallies.values().stream().mapToLong(Tally::errorCount).sum();
                Sample s = new Sample(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start), heapAfterGcMb(),
                        Thread.activeCount(), ops - lastOps, errors - lastErrors, census());
                lastOps = ops;
                lastErrors = errors;
                samples.add(s);
                System.out.printf(Locale.ROOT, "| %d | %.1f | %d | %,d | %,d |%n", s.seconds(), s.heapMb(), s.threads(), s.ops(),
                        s.errors());
            }
            stop.set(true);
            if (running != null) {
                running.get(2, TimeUnit.MINUTES);
            }
        } finally {
            stop.set(true);
            if (load != null) {
                load.shutdown();
                if (!load.awaitTermination(60, TimeUnit.SECONDS)) {
                    System.out.println("soak: load threads still running after 60 s");
                    load.shutdownNow();
                }
            }
            faults.shutdownNow();
            faults.awaitTermination(2, TimeUnit.MINUTES);
            for (Store s : stores) {
                try {
                    s.close();
                } catch (Exception e) {
                    System.out.println("soak: closing " + s.name() + " failed: " + e);
                }
            }
        }
        int threadsAfter = liveThreadsAfterGc();
        report(tallies, samples, faultLog, threadsBefore, threadsAfter);
        System.out.println("threads alive after everything closed, by name: " + census());
    }

    @FunctionalInterface
    interface Op {
        void run() throws Exception;
    }

    private static void loop(AtomicBoolean stop, Tally tally, String what, Op op) {
        while (!stop.get()) {
            try {
                op.run();
            } catch (Exception e) {
                tally.error(what, e);
            }
            try {
                TimeUnit.MILLISECONDS.sleep(2);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static void report(Map<String, Tally> tallies, List<Sample> samples, List<String> faultLog, int threadsBefore,
            int threadsAfter) {
        System.out.println();
        System.out.println("faults:");
        faultLog.forEach(f -> System.out.println("  " + f));
        System.out.println("| store | writes | reads | errors by kind |");
        System.out.println("|---|---:|---:|---|");
        tallies.forEach((name, t) -> System.out.printf(Locale.ROOT, "| %s | %,d | %,d | %s |%n", name, t.writes.sum(),
                t.reads.sum(), t.errorsByKind()));
        if (samples.size() >= 2) {
            // The first sample is the warm-up (pools filling, classes loading); the curve starts at the second.
            Sample first = samples.get(1);
            Sample last = samples.get(samples.size() - 1);
            System.out.printf(Locale.ROOT, "heap after GC: %.1f MB at %d s -> %.1f MB at %d s (min %.1f, max %.1f)%n",
                    first.heapMb(), first.seconds(), last.heapMb(), last.seconds(),
                    samples.stream().skip(1).mapToDouble(Sample::heapMb).min().orElse(0),
                    samples.stream().skip(1).mapToDouble(Sample::heapMb).max().orElse(0));
            System.out.printf(Locale.ROOT, "live threads: %d at %d s -> %d at %d s (min %d, max %d)%n", first.threads(),
                    first.seconds(), last.threads(), last.seconds(),
                    samples.stream().skip(1).mapToInt(Sample::threads).min().orElse(0),
                    samples.stream().skip(1).mapToInt(Sample::threads).max().orElse(0));
            Map<String, String> changed = new TreeMap<>();
            java.util.Set<String> names = new java.util.TreeSet<>(first.census().keySet());
            names.addAll(last.census().keySet());
            for (String n : names) {
                int a = first.census().getOrDefault(n, 0);
                int b = last.census().getOrDefault(n, 0);
                if (a != b) {
                    changed.put(n, a + " -> " + b);
                }
            }
            System.out.println("threads whose count changed, by name (digits dropped): " + changed);
        }
        System.out.printf(Locale.ROOT, "live threads before the soak %d, after everything closed %d%n", threadsBefore, threadsAfter);
        System.out.printf(Locale.ROOT, "load average at the end: %s%n", Alternating.loadAverage());
    }

    /** Live threads by name, digits dropped ("HikariPool-12 housekeeper" and "-3 ..." count together). */
    private static Map<String, Integer> census() {
        Map<String, Integer> m = new TreeMap<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            m.merge(t.getName().replaceAll("[0-9]+", "#"), 1, Integer::sum);
        }
        return m;
    }

    private static double heapAfterGcMb() {
        System.gc();
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (1024.0 * 1024.0);
    }

    /** Live threads once closed pools' and clients' threads had a moment to end. */
    private static int liveThreadsAfterGc() throws InterruptedException {
        System.gc();
        TimeUnit.SECONDS.sleep(2);
        return Thread.activeCount();
    }

    // ------------------------------------------------------------------------------------------------ stores

    /** PostgreSQL primary + 2 replicas; the fault: writer SIGKILLed, the most advanced replica promoted 1 s later. */
    static final class Pg implements Store {
        final PostgresCluster cluster = PostgresCluster.start(2);
        final HavenDataSource ds;

        Pg() throws Exception {
            HavenDataSource d = null;
            try {
                d = HavenDataSource.builder().url(cluster.jdbcUrl()).username(cluster.user()).password(cluster.password())
                        .clusterName("soak-pg").deadline(Duration.ofSeconds(5)).writerWait(Duration.ofSeconds(5))
                        .defaultConsistency(Consistency.boundedStaleness(Duration.ofSeconds(2))).build();
                try (Connection c = d.getConnection()) {
                    c.createStatement().execute("CREATE TABLE IF NOT EXISTS soak (id bigint PRIMARY KEY, v bigint NOT NULL)");
                }
                ds = d;
            } catch (Exception | Error e) {
                if (d != null) {
                    d.close();
                }
                cluster.close();
                throw e;
            }
        }

        @Override
        public String name() {
            return "postgresql";
        }

        @Override
        public void write(long n) throws SQLException {
            try (Connection c = ds.getConnection();
                    PreparedStatement ps = c.prepareStatement(
                            "INSERT INTO soak (id, v) VALUES (?, 1) ON CONFLICT (id) DO UPDATE SET v = soak.v + 1")) {
                ps.setLong(1, n);
                ps.executeUpdate();
            }
        }

        @Override
        public void read() throws SQLException {
            try (Connection c = ds.getConnection()) {
                c.setReadOnly(true);
                try (PreparedStatement ps = c.prepareStatement("SELECT v FROM soak WHERE id = ?")) {
                    ps.setLong(1, ThreadLocalRandom.current().nextLong(KEYS));
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                    }
                }
            }
        }

        @Override
        public String fault() throws InterruptedException {
            PgNode old = cluster.primary();
            cluster.kill(old);
            TimeUnit.SECONDS.sleep(1);
            PgNode promoted = cluster.promote(cluster.mostAdvancedReplica());
            cluster.remove(old);
            PgNode added = cluster.addReplica();
            return "writer " + old.name() + " killed, " + promoted.name() + " promoted 1 s later, " + added.name() + " added";
        }

        @Override
        public void close() {
            try {
                ds.close();
            } finally {
                cluster.close();
            }
        }
    }

    /** Redis primary + 2 replicas + 3 Sentinels; the fault: primary SIGKILLed, Sentinel fails over, it comes back. */
    static final class Redis implements Store {
        final RedisTopology topology = RedisTopology.builder().replicas(2).start();
        final HavenRedisClient client;
        final HavenRedisConnection connection;

        Redis() {
            HavenRedisClient c = null;
            try {
                c = HavenRedisClient.builder().sentinel(topology.sentinelUri()).clusterName("soak-redis")
                        .writerWait(Duration.ofSeconds(15)).build();
                connection = c.connect();
                client = c;
            } catch (RuntimeException | Error e) {
                if (c != null) {
                    c.close();
                }
                topology.close();
                throw e;
            }
        }

        @Override
        public String name() {
            return "redis";
        }

        @Override
        public void write(long n) {
            connection.sync().set("soak:" + n, Long.toString(System.nanoTime()));
        }

        @Override
        public void read() {
            connection.reads(Consistency.EVENTUAL).get("soak:" + ThreadLocalRandom.current().nextLong(KEYS));
        }

        @Override
        public String fault() {
            RedisNode old = topology.primary();
            RedisNode next = topology.killPrimaryAndAwaitFailover(Duration.ofSeconds(60));
            topology.restart(old);
            return "primary " + old.name() + " killed, Sentinel elected " + next.name() + " in "
                    + topology.lastFailoverTime().toMillis() + " ms, " + old.name() + " restarted";
        }

        @Override
        public void close() {
            try {
                connection.close();
                client.close();
            } finally {
                topology.close();
            }
        }
    }

    /** DynamoDB Local in two regions with a replicator; the fault: the home region frozen (SIGSTOP) for 5 s. */
    static final class Dynamo implements Store {
        static final String HOME = "us-east-1";
        final DynamoDbRegions regions = DynamoDbRegions.builder().regions(HOME, "us-west-2")
                .replicationDelay(Duration.ofMillis(200)).start();
        final HavenDynamoDbClient client;

        Dynamo() {
            HavenDynamoDbClient c = null;
            try {
                regions.createGlobalTable(table("haven-heartbeat"));
                regions.createGlobalTable(table("soak"));
                HavenDynamoDbClient.Builder b = HavenDynamoDbClient.builder().homeRegion(HOME).heartbeatTable("haven-heartbeat")
                        .clusterName("soak-dynamodb").credentialsProvider(regions.credentials());
                for (String r : regions.regions()) {
                    b.region(r, regions.endpoint(r));
                }
                c = b.build();
                client = c;
            } catch (RuntimeException | Error e) {
                if (c != null) {
                    c.close();
                }
                regions.close();
                throw e;
            }
        }

        private static CreateTableRequest table(String name) {
            return CreateTableRequest.builder().tableName(name)
                    .keySchema(KeySchemaElement.builder().attributeName("pk").keyType(KeyType.HASH).build())
                    .attributeDefinitions(AttributeDefinition.builder().attributeName("pk").attributeType(ScalarAttributeType.S).build())
                    .billingMode(BillingMode.PAY_PER_REQUEST).build();
        }

        @Override
        public String name() {
            return "dynamodb";
        }

        @Override
        public void write(long n) {
            client.putItem(b -> b.tableName("soak").item(Map.of("pk", AttributeValue.fromS("k" + n),
                    "v", AttributeValue.fromN(Long.toString(System.nanoTime())))));
        }

        @Override
        public void read() {
            client.getItem(b -> b.tableName("soak").key(Map.of("pk",
                    AttributeValue.fromS("k" + ThreadLocalRandom.current().nextLong(KEYS)))));
        }

        @Override
        public String fault() throws InterruptedException {
            regions.freeze(HOME);
            try {
                TimeUnit.SECONDS.sleep(5);
            } finally {
                regions.unfreeze(HOME);
            }
            return "home region " + HOME + " frozen for 5 s";
        }

        @Override
        public void close() {
            try {
                client.close();
            } finally {
                regions.close();
            }
        }
    }
}
