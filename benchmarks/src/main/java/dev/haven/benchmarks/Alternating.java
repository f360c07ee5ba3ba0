package dev.haven.benchmarks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Haven against the raw client in <b>alternating</b> slices, at 1, 4, 8 and 16 threads: for each pair, the same
 * operation runs through the raw client for one slice, then through Haven for one slice (the order flips every round:
 * raw-Haven, Haven-raw, ...), with the same threads, on the same servers. Each round gives one throughput ratio
 * Haven / raw; the median of the rounds is the figure, with the lowest and highest round beside it.
 *
 * <p>Why not only JMH: on a 2-core machine that runs the servers too, a JMH run of one benchmark after the other sees the
 * machine's load drift between them, and the error bars of short runs (±100-400 %) were wider than any cost Haven could
 * have. Slices of a few hundred milliseconds, alternated, see the same drift on both sides; the ratio of a round is
 * what stays comparable. The JMH benchmarks still give the per-operation costs and allocation.
 *
 * <p>Beside throughput, each slice measures the CPU time its calling threads used per operation (user + system, from
 * {@code ThreadMXBean}: Haven's routing, the pool, the driver and its socket calls; not the servers, not background
 * threads). It depends much less on what else the machine runs than throughput does, so it shows what Haven costs the
 * application's own threads even where throughput ratios are lost in the noise.
 *
 * <pre>{@code
 * mvn -q -pl benchmarks -am package -DskipTests
 * java -cp benchmarks/target/benchmarks.jar dev.haven.benchmarks.Alternating [rounds=20] [slice-ms=300] [threads=1,4,8,16] [pairs=regex]
 * }</pre>
 */
public final class Alternating {

    private static final java.lang.management.ThreadMXBean CPU = java.lang.management.ManagementFactory.getThreadMXBean();

    /** One operation, run in a loop by each thread of a slice. */
    @FunctionalInterface
    interface Op {
        void run() throws Exception;
    }

    record Pair(String name, Op raw, Op haven) {
    }

    record Result(String pair, int threads, double rawOpsPerSec, double havenOpsPerSec, double medianRatio,
            double lowRatio, double highRatio, long errors, double rawCpuMicros, double havenCpuMicros) {
    }

    private Alternating() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        long sliceMs = args.length > 1 ? Long.parseLong(args[1]) : 300;
        int[] threadCounts = args.length > 2 ? Arrays.stream(args[2].split(",")).mapToInt(Integer::parseInt).toArray()
                : new int[] {1, 4, 8, 16};
        java.util.regex.Pattern only = java.util.regex.Pattern.compile(args.length > 3 ? args[3] : ".*");
        List<Result> results = new ArrayList<>();
        JdbcOverheadBenchmark.Stub stub = new JdbcOverheadBenchmark.Stub();
        JdbcOverheadBenchmark.Postgres pg = new JdbcOverheadBenchmark.Postgres();
        RedisOverheadBenchmark redis = new RedisOverheadBenchmark();
        com.zaxxer.hikari.HikariDataSource rawTimed = null;
        try {
            stub.setUp();
            pg.setUp();
            redis.setUp();
            // The raw pool as a careful user configures it: pgjdbc's socketTimeout, so that a hung server cannot hold
            // a thread for ever. Its socket reads are then timed, as Haven's are (Haven bounds every read by the
            // statement deadline).
            rawTimed = JdbcOverheadBenchmark.rawPool(pg.cluster.primary().directJdbcUrl() + "?socketTimeout=30",
                    pg.cluster.user(), pg.cluster.password(), null);
            com.zaxxer.hikari.HikariDataSource timed = rawTimed;
            List<Pair> pairs = List.of(
                    new Pair("stub write", () -> JdbcOverheadBenchmark.query(stub.raw, false),
                            () -> JdbcOverheadBenchmark.query(stub.haven, false)),
                    new Pair("pg write (primary)", () -> JdbcOverheadBenchmark.query(pg.raw, false),
                            () -> JdbcOverheadBenchmark.query(pg.haven, false)),
                    new Pair("pg write, raw with socketTimeout", () -> JdbcOverheadBenchmark.query(timed, false),
                            () -> JdbcOverheadBenchmark.query(pg.haven, false)),
                    new Pair("pg write, raw vs raw with socketTimeout", () -> JdbcOverheadBenchmark.query(pg.raw, false),
                            () -> JdbcOverheadBenchmark.query(timed, false)),
                    new Pair("pg read (replica)", () -> JdbcOverheadBenchmark.query(pg.rawReplica, true),
                            () -> JdbcOverheadBenchmark.query(pg.haven, true)),
                    new Pair("redis GET sync", () -> redis.raw.get(RedisOverheadBenchmark.KEY),
                            () -> redis.eventual.get(RedisOverheadBenchmark.KEY)),
                    new Pair("redis GET async", () -> redis.rawAsync.get(RedisOverheadBenchmark.KEY).get(5, TimeUnit.SECONDS),
                            () -> redis.eventualAsync.get(RedisOverheadBenchmark.KEY).get(5, TimeUnit.SECONDS)));
            System.out.println("Haven's reads during warm-up, by server: " + routes(pg.haven, 5_000) + " (replica port "
                    + pg.cluster.replicas().get(0).directPort() + ")");
            for (Pair p : pairs) {
                if (!only.matcher(p.name()).find()) {
                    continue;
                }
                for (int t : threadCounts) {
                    Result r = measure(p, t, rounds, sliceMs);
                    results.add(r);
                    System.out.println(format(r));
                }
            }
        } finally {
            if (rawTimed != null) {
                rawTimed.close();
            }
            redis.tearDown();
            pg.tearDown();
            stub.tearDown();
        }
        System.out.println();
        System.out.println("| pair | threads | raw ops/s | Haven ops/s | Haven / raw, median of " + rounds
                + " rounds (lowest - highest) | caller CPU per op, raw / Haven (µs) | errors |");
        System.out.println("|---|---:|---:|---:|---|---|---:|");
        for (Result r : results) {
            System.out.printf(Locale.ROOT, "| %s | %d | %,.0f | %,.0f | %.3f (%.2f - %.2f) | %.2f / %.2f | %d |%n", r.pair(),
                    r.threads(), r.rawOpsPerSec(), r.havenOpsPerSec(), r.medianRatio(), r.lowRatio(), r.highRatio(),
                    r.rawCpuMicros(), r.havenCpuMicros(), r.errors());
        }
        System.out.printf(Locale.ROOT, "slices of %d ms, %d rounds, load average at the end: %s%n", sliceMs, rounds,
                loadAverage());
    }

    static String format(Result r) {
        return String.format(Locale.ROOT, "%-20s t=%2d raw %,10.0f ops/s  haven %,10.0f ops/s  ratio %.3f (%.2f-%.2f)  cpu/op"
                + " %.2f / %.2f µs  errors %d", r.pair(), r.threads(), r.rawOpsPerSec(), r.havenOpsPerSec(), r.medianRatio(),
                r.lowRatio(), r.highRatio(), r.rawCpuMicros(), r.havenCpuMicros(), r.errors());
    }

    /** Warm-up of both sides, then {@code rounds} alternated pairs of slices. */
    static Result measure(Pair p, int threads, int rounds, long sliceMs) throws Exception {
        ExecutorService workers = Executors.newFixedThreadPool(threads, r -> {
            Thread th = new Thread(r, "alternating-" + threads);
            th.setDaemon(true);
            return th;
        });
        try {
            long[] errors = new long[1];
            for (int i = 0; i < 3; i++) {
                slice(workers, threads, p.raw(), sliceMs, errors);
                slice(workers, threads, p.haven(), sliceMs, errors);
            }
            errors[0] = 0;
            double[] ratios = new double[rounds];
            double[] rawCpu = new double[rounds];
            double[] havenCpu = new double[rounds];
            double rawTotal = 0;
            double havenTotal = 0;
            for (int i = 0; i < rounds; i++) {
                double[] raw;
                double[] haven;
                if (i % 2 == 0) {
                    raw = slice(workers, threads, p.raw(), sliceMs, errors);
                    haven = slice(workers, threads, p.haven(), sliceMs, errors);
                } else {
                    haven = slice(workers, threads, p.haven(), sliceMs, errors);
                    raw = slice(workers, threads, p.raw(), sliceMs, errors);
                }
                ratios[i] = haven[0] / raw[0];
                rawCpu[i] = raw[1];
                havenCpu[i] = haven[1];
                rawTotal += raw[0];
                havenTotal += haven[0];
            }
            Arrays.sort(ratios);
            return new Result(p.name(), threads, rawTotal / rounds, havenTotal / rounds, median(ratios), ratios[0],
                    ratios[rounds - 1], errors[0], median(rawCpu) / 1_000, median(havenCpu) / 1_000);
        } finally {
            workers.shutdownNow();
            if (!workers.awaitTermination(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("workers of " + p.name() + " did not stop within 10 s");
            }
        }
    }

    static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    /**
     * Runs {@code op} on {@code threads} threads for {@code sliceMs}: the operations per second of the slice, and the
     * CPU nanoseconds its threads used per operation.
     */
    static double[] slice(ExecutorService workers, int threads, Op op, long sliceMs, long[] errors) throws Exception {
        long start = System.nanoTime();
        long end = start + TimeUnit.MILLISECONDS.toNanos(sliceMs);
        List<Future<long[]>> futures = new ArrayList<>(threads);
        for (int i = 0; i < threads; i++) {
            futures.add(workers.submit(() -> {
                long ops = 0;
                long failed = 0;
                long cpu0 = CPU.getCurrentThreadCpuTime();
                while (System.nanoTime() < end) {
                    try {
                        op.run();
                        ops++;
                    } catch (Exception e) {
                        failed++;
                    }
                }
                return new long[] {ops, failed, CPU.getCurrentThreadCpuTime() - cpu0};
            }));
        }
        long ops = 0;
        long cpu = 0;
        for (Future<long[]> f : futures) {
            long[] r = f.get(sliceMs + 30_000, TimeUnit.MILLISECONDS);
            ops += r[0];
            errors[0] += r[1];
            cpu += r[2];
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new double[] {ops / seconds, ops == 0 ? 0 : cpu / (double) ops};
    }

    /** Where {@code n} read-only statements through Haven ran: server port to count. */
    static java.util.Map<Integer, Integer> routes(dev.haven.jdbc.HavenDataSource haven, int n) throws Exception {
        java.util.Map<Integer, Integer> byPort = new java.util.TreeMap<>();
        for (int i = 0; i < n; i++) {
            try (java.sql.Connection c = haven.getConnection()) {
                c.setReadOnly(true);
                try (java.sql.Statement st = c.createStatement()) {
                    st.execute("SELECT 1");
                }
                int port = c.unwrap(dev.haven.jdbc.HavenConnection.class).endpoint().map(dev.haven.Endpoint::port).orElse(0);
                byPort.merge(port, 1, Integer::sum);
            }
        }
        return byPort;
    }

    static String loadAverage() {
        try {
            return new String(java.nio.file.Files.readAllBytes(java.nio.file.Path.of("/proc/loadavg"))).trim();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }
}
