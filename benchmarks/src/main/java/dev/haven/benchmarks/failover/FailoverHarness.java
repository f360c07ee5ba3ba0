package dev.haven.benchmarks.failover;

import dev.haven.benchmarks.failover.Analysis.Mark;
import dev.haven.testkit.PgNode;
import dev.haven.testkit.PostgresCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Side by side: the same workload and the same PostgreSQL fault through Haven and through what users pick instead
 * (HikariCP + pgjdbc multi-host URLs), each on a fresh testkit cluster (primary + 2 streaming replicas behind fault
 * proxies), in one run. Writes a JSON file and a self-contained HTML report.
 *
 * <pre>{@code
 * mvn -q -pl benchmarks -am package -DskipTests
 * java -cp benchmarks/target/benchmarks.jar dev.haven.benchmarks.failover.FailoverHarness [full|smoke] [out-dir=.] [scenarios=all]
 * }</pre>
 *
 * <p>{@code full}: 25 s per scenario and system, the fault 6 s in (about 5 minutes in all); {@code smoke}: 5 s, the
 * fault 1.5 s in, for CI. Workload: 2 writer threads (an insert every 5 ms each) and 6 reader threads (a read every
 * 2 ms each).
 */
public final class FailoverHarness {

    static final Duration STALENESS_BOUND = Duration.ofSeconds(1);
    static final int WRITERS = 2;
    static final int READERS = 6;
    static final List<String> SYSTEMS = List.of("haven", "peer");

    /** How long things take in a mode. */
    record Mode(String name, Duration warmup, Duration faultAt, Duration total, Duration replayPause, int maxOpsPerThread) {
        static Mode of(String name) {
            return switch (name) {
                case "full" -> new Mode("full", Duration.ofSeconds(8), Duration.ofSeconds(6), Duration.ofSeconds(25), Duration.ofSeconds(5), 20_000);
                case "smoke" -> new Mode("smoke", Duration.ZERO, Duration.ofMillis(1500), Duration.ofSeconds(5), Duration.ofSeconds(2), 5_000);
                default -> throw new IllegalArgumentException("mode: full or smoke: was '" + name + "'");
            };
        }
    }

    /** The faults. Each runs on the thread that drives the run and returns when it has been injected. */
    enum Scenario {
        WRITER_KILLED("writer-killed", "writer SIGKILLed, the most advanced replica promoted 1 s later"),
        WRITER_FROZEN("writer-frozen", "writer's proxy blackholed (open and new connections hang), the most advanced "
                + "replica promoted 1 s later; the old writer stays frozen"),
        REPLICA_LAG("replica-lag", "WAL replay paused on one of the two replicas (it keeps receiving), then resumed"),
        REPLICA_KILLED("replica-killed", "one of the two replicas SIGKILLed, not restarted");

        final String id;
        final String description;

        Scenario(String id, String description) {
            this.id = id;
            this.description = description;
        }

        /** Injects the fault; returns the promotion's time, or -1. */
        long inject(PostgresCluster cluster, Mode mode, List<Mark> marks) throws InterruptedException {
            switch (this) {
                case WRITER_KILLED, WRITER_FROZEN -> {
                    PgNode writer = cluster.primary();
                    if (this == WRITER_KILLED) {
                        marks.add(new Mark("writer killed", System.nanoTime()));
                        cluster.kill(writer);
                    } else {
                        cluster.freeze(writer);
                        marks.add(new Mark("writer frozen", System.nanoTime()));
                    }
                    TimeUnit.SECONDS.sleep(1);
                    cluster.promote(cluster.mostAdvancedReplica());
                    long promoted = cluster.lastPromotionNanoTime();
                    marks.add(new Mark("promoted", promoted));
                    return promoted;
                }
                case REPLICA_LAG -> {
                    PgNode replica = cluster.replicas().get(0);
                    cluster.pauseReplay(replica);
                    marks.add(new Mark("replay paused", System.nanoTime()));
                    TimeUnit.NANOSECONDS.sleep(mode.replayPause().toNanos());
                    cluster.resumeReplay(replica);
                    marks.add(new Mark("replay resumed", System.nanoTime()));
                    return -1;
                }
                case REPLICA_KILLED -> {
                    marks.add(new Mark("replica killed", System.nanoTime()));
                    cluster.kill(cluster.replicas().get(0));
                    return -1;
                }
                default -> throw new AssertionError(this);
            }
        }
    }

    private FailoverHarness() {
    }

    public static void main(String[] args) throws Exception {
        // the proxies log every refused connection of a dead server as an ERROR with its stack trace
        System.setProperty("org.slf4j.simpleLogger.log.org.netcrusher", "off");
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        Mode mode = Mode.of(args.length > 0 ? args[0] : "full");
        Path out = Path.of(args.length > 1 ? args[1] : ".");
        List<Scenario> scenarios = new ArrayList<>();
        for (String s : (args.length > 2 ? args[2] : "all").split(",")) {
            for (Scenario sc : Scenario.values()) {
                if (s.equals("all") || sc.id.equals(s)) {
                    scenarios.add(sc);
                }
            }
        }
        if (scenarios.isEmpty()) {
            throw new IllegalArgumentException("scenarios: all or some of writer-killed, writer-frozen, replica-lag, "
                    + "replica-killed: was '" + args[2] + "'");
        }
        Result r = run(mode, out, scenarios);
        System.out.println("JSON: " + r.json());
        System.out.println("HTML: " + r.html());
    }

    /** What a run produced: its document (as written to JSON) and the two files. */
    record Result(Map<String, Object> document, Path json, Path html) {
    }

    static Result run(Mode mode, Path outDir, List<Scenario> scenarios) throws IOException, InterruptedException {
        Files.createDirectories(outDir);
        Instant started = Instant.now();
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("harness", "dev.haven.benchmarks.failover.FailoverHarness");
        doc.put("mode", mode.name());
        doc.put("started", started.toString());
        doc.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        doc.put("cores", Runtime.getRuntime().availableProcessors());
        doc.put("loadAverageAtStart", loadAverage());
        doc.put("workload", WRITERS + " writer threads (an INSERT every 5 ms each), " + READERS
                + " reader threads (a SELECT max(seq) every 2 ms each), at most " + mode.maxOpsPerThread()
                + " operations per thread; " + mode.total().toMillis() + " ms per scenario and system, the fault "
                + mode.faultAt().toMillis() + " ms in; staleness bound " + STALENESS_BOUND.toMillis() + " ms");
        Map<String, Object> configs = new LinkedHashMap<>();
        doc.put("systems", configs);
        List<Map<String, Object>> runs = new ArrayList<>();
        doc.put("scenarios", runs);
        warmUp(mode);
        for (int i = 0; i < scenarios.size(); i++) {
            Scenario sc = scenarios.get(i);
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("id", sc.id);
            entry.put("description", sc.description);
            Map<String, Object> bySystem = new LinkedHashMap<>();
            entry.put("systems", bySystem);
            // alternate who goes first, so a drift of the machine's load does not always favour the same side
            List<String> order = i % 2 == 0 ? SYSTEMS : List.of(SYSTEMS.get(1), SYSTEMS.get(0));
            for (String system : order) {
                System.out.printf(Locale.ROOT, "%s: %s (%s)...%n", sc.id, system, mode.name());
                Map<String, Object> figures = runOne(sc, system, mode, configs);
                bySystem.put(system, figures);
                System.out.printf(Locale.ROOT, "%s: %s: %s%n", sc.id, system, summary(figures));
            }
            runs.add(entry);
        }
        doc.put("loadAverageAtEnd", loadAverage());
        doc.put("finished", Instant.now().toString());
        String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(started);
        Path json = outDir.resolve("failover-postgresql-" + mode.name() + "-" + stamp + ".json");
        Path html = outDir.resolve("failover-postgresql-" + mode.name() + "-" + stamp + ".html");
        Files.writeString(json, Json.write(doc) + "\n");
        Files.writeString(html, Report.html(doc));
        return new Result(doc, json, html);
    }

    private static String summary(Map<String, Object> f) {
        if (f.containsKey("failure")) {
            return "FAILED: " + f.get("failure");
        }
        return String.format(Locale.ROOT, "writes %s ok / %s failed, reads %s ok / %s failed, write gap %s ms, first write"
                        + " after promotion %s ms, read p50/p99/max %s/%s/%s ms, stale > bound %s, blocked %s, errors %s",
                f.get("writesOk"), f.get("writesFailed"), f.get("readsOk"), f.get("readsFailed"), f.get("longestWriteGapMs"),
                f.getOrDefault("firstWriteAfterPromotionMs", "-"), f.get("readP50Ms"), f.get("readP99Ms"), f.get("readMaxMs"),
                f.get("staleReadsBeyondBound"), f.get("threadsBlockedAtStop"), f.get("errors"));
    }

    /** One system through one scenario on a fresh cluster; a failure of the harness itself is reported, not thrown. */
    private static Map<String, Object> runOne(Scenario sc, String system, Mode mode, Map<String, Object> configs)
            throws InterruptedException {
        try (PostgresCluster cluster = PostgresCluster.builder().replicas(2).start()) {
            createSchema(cluster);
            try (Target target = Target.of(system, cluster, STALENESS_BOUND)) {
                configs.putIfAbsent(system, target.config());
                List<Mark> marks = new ArrayList<>();
                double loadBefore = loadAverage();
                long promotion = -1;
                Workload.Stop stopped;
                int left;
                List<Workload.Op> ops;
                long start;
                long stop;
                Workload load = new Workload(target, WRITERS, READERS, Duration.ofMillis(5), Duration.ofMillis(2),
                        mode.maxOpsPerThread());
                try {
                    start = load.startNanos;
                    sleepUntil(start + mode.faultAt().toNanos());
                    promotion = sc.inject(cluster, mode, marks);
                    sleepUntil(start + mode.total().toNanos());
                    stopped = load.stop(Duration.ofSeconds(1), Duration.ofSeconds(10));
                    stop = load.stopNanos();
                    target.close(); // unblocks what is still waiting on a server
                    left = load.awaitThreads(Duration.ofSeconds(10));
                    ops = load.ops();
                } finally {
                    load.close();
                }
                long lost = lostWrites(cluster, ops);
                Map<String, Object> f = new LinkedHashMap<>();
                f.put("loadAverageBefore", loadBefore);
                f.put("loadAverageAfter", loadAverage());
                f.putAll(Analysis.of(ops, start, stop, marks, promotion, STALENESS_BOUND, WRITERS, stopped,
                        left, lost));
                return f;
            }
        } catch (RuntimeException | SQLException e) {
            e.printStackTrace();
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("failure", Workload.kind(e) + ": " + e.getMessage());
            return f;
        }
    }

    /**
     * Runs the workload through both systems on one cluster without a fault, unmeasured, so that the first scenario
     * does not measure the JIT compiler and class loading of whichever system goes first.
     */
    private static void warmUp(Mode mode) throws InterruptedException {
        if (mode.warmup().isZero()) {
            return;
        }
        System.out.printf(Locale.ROOT, "warm-up: %d s per system, not measured...%n", mode.warmup().toSeconds());
        try (PostgresCluster cluster = PostgresCluster.builder().replicas(2).start()) {
            createSchema(cluster);
            for (String system : SYSTEMS) {
                try (Connection c = cluster.connect(cluster.primary())) {
                    c.createStatement().execute("TRUNCATE events"); // each system's writers start at seq 1
                }
                try (Target target = Target.of(system, cluster, STALENESS_BOUND);
                        Workload load = new Workload(target, WRITERS, READERS, Duration.ofMillis(5), Duration.ofMillis(2),
                                Integer.MAX_VALUE)) {
                    TimeUnit.NANOSECONDS.sleep(mode.warmup().toNanos());
                    load.stop(Duration.ofSeconds(1), Duration.ofSeconds(10));
                }
            }
        } catch (RuntimeException | SQLException e) {
            throw new IllegalStateException("warm-up failed", e);
        }
    }

    private static void createSchema(PostgresCluster cluster) throws SQLException {
        try (Connection c = cluster.connect(cluster.primary())) {
            c.createStatement().execute("CREATE TABLE events (writer int NOT NULL, seq bigint NOT NULL, "
                    + "at timestamptz NOT NULL DEFAULT clock_timestamp(), PRIMARY KEY (writer, seq))");
        }
        cluster.awaitReplicated(Duration.ofSeconds(10));
    }

    /** Acknowledged writes that are not on the (current) primary at the end; -1 if that could not be read. */
    private static long lostWrites(PostgresCluster cluster, List<Workload.Op> ops) {
        Set<Long> present = new HashSet<>();
        try (Connection c = cluster.connect(cluster.primary());
                PreparedStatement ps = c.prepareStatement("SELECT writer, seq FROM events");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                present.add(((long) rs.getInt(1) << 40) | rs.getLong(2));
            }
        } catch (SQLException | RuntimeException e) {
            System.err.println("Cannot read the events on " + cluster.primary() + ": " + e);
            return -1;
        }
        return ops.stream().filter(o -> o.write() && o.error() == null)
                .filter(o -> !present.contains(((long) o.writer() << 40) | o.seq())).count();
    }

    private static void sleepUntil(long nanos) throws InterruptedException {
        long wait = nanos - System.nanoTime();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }

    private static double loadAverage() {
        return Math.round(java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage() * 100)
                / 100.0;
    }
}
