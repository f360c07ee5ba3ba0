package dev.haven.examples;

import dev.haven.Consistency;
import dev.haven.Endpoint;
import dev.haven.HavenFailure;
import dev.haven.Topology;
import dev.haven.event.HavenEvent;
import dev.haven.jdbc.HavenDataSource;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

/**
 * Haven riding through outages, from the application's side: a mixed JDBC workload on a real primary with two
 * replicas, while replay pauses on a replica and then the primary is killed and the most advanced replica
 * promoted. Haven only detects and follows; the testkit does the failover, as an operator or Patroni would. The
 * program runs it on PostgreSQL (streaming replication, pgjdbc), then on MariaDB (GTID replication, MariaDB
 * Connector/J), each on its own {@link DemoCluster} with the same workload, schedule and report.
 *
 * <pre>{@code
 * mvn -q -pl examples -am verify -DskipTests -Pdemo                          # 25 s on each
 * mvn -q -pl examples -am verify -DskipTests -Pdemo -Ddemo.duration=60s -Ddemo.servers=mariadb
 * }</pre>
 *
 * <p>Prints a progress line a second and a final report ({@link DemoReport}) per run; exits with 1 when a safety
 * promise was broken in any run (a read error, a read staler than the lag bound, an acknowledged write lost). The
 * cluster and the data source are closed on every exit, Ctrl-C included.
 *
 * <p>Timing: every time here is {@link System#nanoTime()} relative to the workload's start, so the schedule,
 * the progress lines and the report use one clock.
 */
public final class FailoverDemo implements AutoCloseable {

    private static final int INSERTERS = 2;
    private static final int READERS = 3;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(15);

    /** {@code -Dhaven.demo.servers=mariadb}, or the second program argument; default both, PostgreSQL first. */
    public static final String SERVERS_PROPERTY = "haven.demo.servers";

    private final DemoSettings settings;
    private final DemoCluster.Kind kind;
    private final PrintStream out;

    private final Object lifecycle = new Object();
    private volatile boolean closed;
    private volatile boolean finished;
    private volatile DemoCluster cluster;
    private volatile HavenDataSource ds;
    private volatile DemoWorkload workload;
    private volatile ScheduledExecutorService ticker;
    private volatile List<Long> serverPids = List.of();

    /** Node names by proxied port (what Haven's endpoints carry) and by server port (what inet_server_port() says). */
    private final Map<Integer, String> nameByPort = new ConcurrentHashMap<>();
    private final Map<Integer, String> nameByDirectPort = new ConcurrentHashMap<>();

    // Haven's events, as the listener saw them.
    private final LongAdder staleSkipped = new LongAdder();
    private final Map<String, LongAdder> skippedByNode = new ConcurrentHashMap<>();
    private volatile long failoverStartedNanos;
    private volatile HavenEvent.FailoverCompleted failoverCompleted;
    private volatile long failoverCompletedNanos;

    // Markers for the next progress line: outages injected, and what Haven noticed.
    private final ConcurrentLinkedQueue<String> marks = new ConcurrentLinkedQueue<>();

    private volatile long t0;
    private long lastOps;
    private volatile long lastPrintNanos;

    FailoverDemo(DemoSettings settings, DemoCluster.Kind kind, PrintStream out) {
        this.settings = settings;
        this.kind = kind;
        this.out = out;
    }

    /** pgjdbc logs through java.util.logging; its WARNINGs about closing sockets to a dead server are expected here. */
    private static final java.util.logging.Logger PGJDBC_LOG = java.util.logging.Logger.getLogger("org.postgresql");

    static {
        PGJDBC_LOG.setLevel(java.util.logging.Level.SEVERE);
    }

    /** {@code FailoverDemo [duration [servers]]}: e.g. {@code FailoverDemo 25s postgresql,mariadb}. */
    public static void main(String[] args) {
        DemoSettings settings;
        List<DemoCluster.Kind> kinds;
        try {
            settings = DemoSettings.fromArgs(args);
            String servers = args.length > 1 ? args[1] : System.getProperty(SERVERS_PROPERTY);
            kinds = servers == null || servers.isBlank() ? List.of(DemoCluster.Kind.values())
                    : DemoCluster.Kind.parse(servers);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        long start = System.nanoTime();
        List<String> outcomes = new ArrayList<>();
        boolean allKept = true;
        for (DemoCluster.Kind k : kinds) {
            FailoverDemo demo = new FailoverDemo(settings, k, System.out);
            Thread hook = new Thread(demo::interruptedClose, "failover-demo-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            String outcome;
            try {
                DemoReport report = demo.run();
                outcome = report.promisesKept() ? "all safety promises kept"
                        : "SAFETY PROMISE BROKEN: " + String.join(", ", report.brokenPromises());
                allKept &= report.promisesKept();
            } catch (Exception e) {
                if (demo.closed) {
                    System.err.println("Demo stopped before the end: no report.");
                    System.exit(1);
                    return;
                }
                System.err.println("The " + k.product() + " demo failed: " + e);
                e.printStackTrace();
                outcome = "FAILED: " + e;
                allKept = false;
            } finally {
                demo.close();
            }
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                return; // Ctrl-C after the run: the hook closes what is left
            }
            outcomes.add(String.format("%-10s %s", k.product(), outcome));
        }
        if (kinds.size() > 1) {
            System.out.printf("%n=== %d runs in %s ===%n", kinds.size(), DemoReport.secs(Duration.ofNanos(System.nanoTime() - start)));
            outcomes.forEach(System.out::println);
        }
        System.exit(allKept ? 0 : 1);
    }

    /** Starts the cluster, runs the workload through the outages, checks the writes, prints and returns the report. */
    public DemoReport run() throws Exception {
        out.printf("Haven failover demo on %s: %s of mixed JDBC work (%d threads) through a replay pause at %s and a"
                        + " primary kill at %s%n", kind.product(), DemoReport.secs(settings.duration()), 1 + INSERTERS + READERS,
                DemoReport.secs(settings.pauseAt()), DemoReport.secs(settings.killAt()));
        DemoCluster c;
        synchronized (lifecycle) {
            requireOpen();
            out.printf("Starting %s: %s, each behind a fault proxy...%n", kind.product(), kind.layout());
            c = kind.start();
            cluster = c;
            serverPids = c.pids();
        }
        for (DemoCluster.Node n : c.nodes()) {
            nameByPort.put(n.port(), n.name());
            nameByDirectPort.put(n.directPort(), n.name());
        }
        out.printf("%s binaries: %s%n", kind.product(), c.binarySource());
        out.printf("Cluster up in %d ms: primary %s, replicas %s%n", c.startupTime().toMillis(), c.primary().name(),
                c.replicas().stream().map(DemoCluster.Node::name).collect(Collectors.toList()));

        HavenDataSource source;
        synchronized (lifecycle) {
            requireOpen();
            source = HavenDataSource.builder()
                    .url(c.jdbcUrl())
                    .username(c.user())
                    .password(c.password())
                    .clusterName("demo")
                    .defaultConsistency(Consistency.boundedStaleness(settings.lagBound()))
                    .deadline(Duration.ofSeconds(5))
                    .writerWait(Duration.ofSeconds(5))
                    .poolProperty("connectionTimeout", "2000")
                    .listener(this::onEvent)
                    .build();
            ds = source;
        }
        awaitReplicasInRotation(source, c.replicas().size());
        DemoWorkload.createSchema(source, out);
        c.awaitReplicated(Duration.ofSeconds(10)); // replicas know the tables before the first read reaches them
        String driver = awaitReadOnReplica(source, c.isReplicaSql());
        out.printf("HavenDataSource over %s (%s), lag bound %d ms; writer %s, replicas in rotation %s%n", c.jdbcUrl(),
                driver, settings.lagBound().toMillis(), writerName(source.topology()), readerNames(source.topology()));
        out.println();

        DemoWorkload load = new DemoWorkload(source, c.serverPortSql(), INSERTERS, READERS);
        DemoCluster.Node lagging = c.replicas().get(c.replicas().size() - 1);
        DemoCluster.Node oldPrimary = c.primary();
        DemoCluster.Node promoted = null;
        long tPause = 0;
        long tResume = 0;
        long tKill = 0;
        long tKilled = 0;
        long tPromoted = 0;
        List<String> problems = new ArrayList<>();
        synchronized (lifecycle) {
            requireOpen();
            workload = load;
            t0 = System.nanoTime();
            load.start();
            ScheduledExecutorService s = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "demo-progress");
                t.setDaemon(true);
                return t;
            });
            s.scheduleAtFixedRate(this::printProgress, 1, 1, TimeUnit.SECONDS);
            ticker = s;
        }
        try {
            sleepUntil(settings.pauseAt());
            c.pauseReplay(lagging);
            tPause = System.nanoTime();
            marks.add(">> outage: " + c.replayPaused() + " on " + lagging.name());
            sleepUntil(settings.pauseAt().plus(settings.pauseFor()));
            c.resumeReplay(lagging);
            tResume = System.nanoTime();
            marks.add("<< " + c.replayPaused().replace("paused", "resumed").replace("stopped", "started") + " on "
                    + lagging.name());
            sleepUntil(settings.killAt());
            marks.add(">> outage: primary " + oldPrimary.name() + " killed (SIGKILL)");
            tKill = System.nanoTime();
            c.killWriter();
            tKilled = System.nanoTime();
            DemoCluster.Node candidate = c.mostAdvancedReplica();
            marks.add("testkit: " + oldPrimary.name() + " gone after " + ms(tKilled - tKill) + " ms, promoting "
                    + candidate.name());
            promoted = c.promote(candidate);
            tPromoted = System.nanoTime();
            marks.add("<< testkit promoted " + promoted.name() + " (" + ms(tPromoted - tKill) + " ms after the kill)");
        } catch (RuntimeException e) {
            if (closed) {
                throw e;
            }
            problems.add("outage step failed: " + e);
            marks.add("!! outage step failed: " + e.getMessage());
        }
        sleepUntil(settings.duration());
        List<String> stuck = load.stop();
        if (!stuck.isEmpty()) {
            problems.add("workload threads still blocked 15 s after stop: " + stuck);
        }
        ticker.shutdownNow();
        ticker.awaitTermination(2, TimeUnit.SECONDS);
        if (System.nanoTime() - lastPrintNanos > TimeUnit.MILLISECONDS.toNanos(500)) {
            printProgress(); // the last partial second
        }
        long tEnd = System.nanoTime();
        out.println();

        DemoReport report = report(c, driver, load, new Schedule(tPause, tResume, tKill, tKilled, tPromoted), lagging,
                oldPrimary, promoted, tEnd, problems);
        out.print(report.format());
        finished = true;
        return report;
    }

    private record Schedule(long pause, long resume, long kill, long killed, long promoted) {
    }

    // ---------------------------------------------------------------- events and progress

    private void onEvent(HavenEvent event) {
        if (event instanceof HavenEvent.StaleReplicaSkipped s) {
            staleSkipped.add(s.reads());
            skippedByNode.computeIfAbsent(name(s.endpoint()), k -> new LongAdder()).add(s.reads());
        } else if (event instanceof HavenEvent.FailoverStarted f) {
            if (failoverStartedNanos == 0) {
                failoverStartedNanos = System.nanoTime();
            }
            marks.add("Haven: failover started, writer " + name(f.oldWriter()) + " lost (" + f.reason() + ")");
        } else if (event instanceof HavenEvent.FailoverCompleted f) {
            if (failoverCompleted == null) {
                failoverCompleted = f;
                failoverCompletedNanos = System.nanoTime();
            }
            marks.add("Haven: failover completed, writer " + name(f.newWriter()) + " after " + f.duration().toMillis() + " ms");
        } else if (event instanceof HavenEvent.EndpointDown d) {
            marks.add("Haven: " + name(d.endpoint()) + " down");
        } else if (event instanceof HavenEvent.EndpointUp u) {
            marks.add("Haven: " + name(u.endpoint()) + " up");
        }
    }

    private void printProgress() {
        if (closed && !finished) {
            return;
        }
        DemoWorkload load = workload;
        HavenDataSource source = ds;
        if (load == null || source == null) {
            return;
        }
        long reads = load.readsOk.sum();
        long writes = load.writesOk.sum();
        long readErrors = load.errorCount(load.readErrors);
        long writeErrors = load.errorCount(load.writeErrors);
        long ops = reads + writes + readErrors + writeErrors;
        long perSecond = ops - lastOps;
        lastOps = ops;
        Topology t = source.topology();
        StringBuilder sb = new StringBuilder(String.format("[%5.1fs] %5d ops/s | reads ok %7d | writes ok %6d | errors %s | writer %s | replicas %s",
                (System.nanoTime() - t0) / 1e9, perSecond, reads, writes, errorSummary(load), writerName(t), readerNames(t)));
        for (String m; (m = marks.poll()) != null; ) {
            sb.append(" | ").append(m);
        }
        out.println(sb);
        lastPrintNanos = System.nanoTime();
    }

    private static String errorSummary(DemoWorkload load) {
        Map<String, Long> r = DemoWorkload.snapshot(load.readErrors);
        Map<String, Long> w = DemoWorkload.snapshot(load.writeErrors);
        if (r.isEmpty() && w.isEmpty()) {
            return "none";
        }
        StringBuilder sb = new StringBuilder();
        if (!r.isEmpty()) {
            sb.append("reads ").append(shortTypes(r)).append(' ');
        }
        if (!w.isEmpty()) {
            sb.append("writes ").append(shortTypes(w));
        }
        return sb.toString().trim();
    }

    /** HavenWriteOutcomeUnknownException=2 -> OutcomeUnknown=2, to keep the line short. */
    private static String shortTypes(Map<String, Long> errors) {
        return errors.entrySet().stream()
                .map(e -> e.getKey().replaceFirst("^Haven(Write)?", "").replaceFirst("Exception$", "") + "=" + e.getValue())
                .collect(Collectors.joining(",", "{", "}"));
    }

    private String name(Endpoint e) {
        return e == null ? "-" : nameByPort.getOrDefault(e.port(), e.address());
    }

    private String writerName(Topology t) {
        return t.writer().map(this::name).orElse("NONE");
    }

    private String readerNames(Topology t) {
        return t.readers().stream().map(this::name).sorted().collect(Collectors.joining(",", "[", "]"));
    }

    // ---------------------------------------------------------------- the report

    private DemoReport report(DemoCluster c, String driver, DemoWorkload load, Schedule at, DemoCluster.Node lagging,
            DemoCluster.Node oldPrimary, DemoCluster.Node promoted, long tEnd, List<String> problems) {
        List<DemoWorkload.Write> writes = new ArrayList<>(load.writes);
        List<DemoWorkload.Read> reads = new ArrayList<>(load.reads);
        List<DemoWorkload.Ack> acks = new ArrayList<>(load.heartbeats);

        // Writer unavailability, from the writes' own outcomes.
        Duration unavailable = null;
        Duration firstFailure = null;
        Duration firstAfter = null;
        Duration longest = null;
        long writesAfterPromotion = 0;
        if (at.kill() != 0) {
            long failedAt = writes.stream().filter(w -> !w.ok() && w.endNanos() >= at.kill())
                    .mapToLong(DemoWorkload.Write::endNanos).min().orElse(0);
            long from = failedAt != 0 ? failedAt : at.kill();
            long okAt = writes.stream().filter(w -> w.ok() && w.endNanos() > from && w.startNanos() >= at.kill())
                    .mapToLong(DemoWorkload.Write::endNanos).min().orElse(0);
            if (failedAt != 0) {
                firstFailure = nanos(failedAt - at.kill());
            }
            if (okAt != 0) {
                firstAfter = nanos(okAt - at.kill());
                if (failedAt != 0) {
                    unavailable = nanos(okAt - failedAt);
                }
            }
            longest = nanos(writes.stream().filter(w -> w.endNanos() >= at.kill())
                    .mapToLong(w -> w.endNanos() - w.startNanos()).max().orElse(0));
            if (at.promoted() != 0) {
                writesAfterPromotion = writes.stream().filter(w -> w.ok() && w.startNanos() > at.promoted()).count();
            }
        }

        Duration longestRead = nanos(reads.stream().mapToLong(r -> r.endNanos() - r.startNanos()).max().orElse(0));

        // Staleness, from the application's side: acks are in seq and time order (one heartbeat thread).
        long bound = settings.lagBound().toNanos();
        long stale = 0;
        long worst = 0;
        for (DemoWorkload.Read r : reads) {
            int mustSee = lastAckedAtOrBefore(acks, r.startNanos() - bound);
            if (mustSee >= 0 && r.seq() < acks.get(mustSee).seq()) {
                stale++;
            }
            int firstInvisible = firstAckAbove(acks, r.seq());
            if (firstInvisible >= 0) {
                worst = Math.max(worst, r.startNanos() - acks.get(firstInvisible).nanos());
            }
        }

        // Reads per node, labelled with what happened to it.
        Map<String, Long> byName = new TreeMap<>();
        for (DemoWorkload.Read r : reads) {
            byName.merge(nameByDirectPort.getOrDefault(r.serverPort(), "port " + r.serverPort()), 1L, Long::sum);
        }
        Map<String, Long> readsByNode = new LinkedHashMap<>();
        List<DemoCluster.Node> nodes = new ArrayList<>(c.nodes());
        nodes.sort(Comparator.comparing(DemoCluster.Node::name));
        for (DemoCluster.Node n : nodes) {
            String label;
            if (n.equals(oldPrimary)) {
                label = n.name() + " (primary" + (at.kill() != 0 ? ", killed at " + rel(at.kill()) : "") + ")";
            } else if (n.equals(promoted)) {
                label = n.name() + " (replica, promoted to primary at " + rel(at.promoted())
                        + (n.equals(lagging) ? "; " + c.replayPaused() + " " + rel(at.pause()) + "-" + rel(at.resume()) : "") + ")";
            } else if (n.equals(lagging) && at.pause() != 0) {
                label = n.name() + " (replica, " + c.replayPaused() + " " + rel(at.pause()) + "-" + rel(at.resume()) + ")";
            } else {
                label = n.name() + " (replica)";
            }
            readsByNode.put(label, byName.getOrDefault(n.name(), 0L));
        }
        byName.keySet().stream().filter(k -> k.startsWith("port ")).forEach(k -> readsByNode.put(k, byName.get(k)));

        // Every acknowledged write must be on the primary after the failover.
        String checkedOn = null;
        long missing = 0;
        long acknowledged = load.acknowledgedIds.size() + (acks.isEmpty() ? 0 : 1);
        DemoCluster.Node writer = c.primary();
        try (Connection conn = c.connect(writer); Statement s = conn.createStatement()) {
            Set<Long> present = new HashSet<>();
            try (ResultSet rs = s.executeQuery("SELECT id FROM items")) {
                while (rs.next()) {
                    present.add(rs.getLong(1));
                }
            }
            for (Long id : load.acknowledgedIds) {
                if (!present.contains(id)) {
                    missing++;
                }
            }
            if (!acks.isEmpty()) {
                try (ResultSet rs = s.executeQuery("SELECT seq FROM heartbeat WHERE id = 1")) {
                    rs.next();
                    if (rs.getLong(1) < acks.get(acks.size() - 1).seq()) {
                        missing++; // the last acknowledged heartbeat is not there
                    }
                }
            }
            checkedOn = writer.name();
        } catch (SQLException e) {
            problems.add("could not check acknowledged writes on " + writer.name() + ": " + e.getMessage());
        }

        HavenEvent.FailoverCompleted done = failoverCompleted;
        Map<String, Long> skipped = new TreeMap<>();
        skippedByNode.forEach((k, v) -> skipped.put(k, v.sum()));
        return new DemoReport(kind.product(), c.binarySource(), driver, c.startupTime(), nanos(tEnd - t0), load.threadCount(), settings.lagBound(),
                load.readsOk.sum(), load.writesOk.sum(), longestRead, DemoWorkload.snapshot(load.readErrors),
                DemoWorkload.snapshot(load.writeErrors), unavailable, firstFailure, firstAfter, longest,
                at.kill() != 0 && failoverStartedNanos != 0 ? nanos(failoverStartedNanos - at.kill()) : null,
                done == null ? null : done.duration(),
                at.kill() != 0 && at.killed() != 0 ? nanos(at.killed() - at.kill()) : null,
                at.kill() != 0 && at.promoted() != 0 ? nanos(at.promoted() - at.kill()) : null,
                done == null ? null : name(done.newWriter()),
                writesAfterPromotion, readsByNode, staleSkipped.sum(), skipped, stale,
                reads.isEmpty() ? null : nanos(worst), acknowledged, missing, checkedOn, List.copyOf(problems));
    }

    /** Index of the last ack at or before {@code nanos}, or -1. */
    private static int lastAckedAtOrBefore(List<DemoWorkload.Ack> acks, long nanos) {
        int lo = 0;
        int hi = acks.size() - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (acks.get(mid).nanos() - nanos <= 0) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /** Index of the first ack with a seq above {@code seq}, or -1. */
    private static int firstAckAbove(List<DemoWorkload.Ack> acks, long seq) {
        int lo = 0;
        int hi = acks.size() - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (acks.get(mid).seq() > seq) {
                found = mid;
                hi = mid - 1;
            } else {
                lo = mid + 1;
            }
        }
        return found;
    }

    private String rel(long nanos) {
        return nanos == 0 ? "?" : String.format("%.1fs", (nanos - t0) / 1e9);
    }

    // ---------------------------------------------------------------- waiting and closing

    private void awaitReplicasInRotation(HavenDataSource source, int replicas) throws InterruptedException {
        // Until the monitor has seen the replicas, read-only work goes to the writer.
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (source.topology().writer().isEmpty() || source.topology().readers().size() < replicas) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("Haven did not see the writer and " + replicas + " replicas within "
                        + READY_TIMEOUT.toSeconds() + " s: " + source.topology());
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }

    /**
     * Bounded reads go to the writer until Haven has a fresh lag sample that vouches for a replica; after an idle
     * start the monitor samples at the normal 1 s interval until the first bounded read asks for more. Warm up so
     * the workload starts in steady state (bounded: if no replica qualifies in time, the workload starts anyway;
     * a failure Haven reports here, as when a loaded machine makes every probe time out, only means "not yet").
     *
     * @return the JDBC driver the data source's connections use, by name and version
     */
    private String awaitReadOnReplica(HavenDataSource source, String isReplicaSql) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        String driver = "?";
        while (true) {
            try (Connection conn = source.getConnection()) {
                conn.setReadOnly(true);
                DatabaseMetaData md = conn.getMetaData();
                driver = md.getDriverName() + " " + md.getDriverVersion();
                try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery(isReplicaSql)) {
                    if (rs.next() && rs.getBoolean(1)) {
                        return driver;
                    }
                }
            } catch (SQLException e) {
                if (HavenFailure.find(e).isEmpty()) {
                    throw e;
                }
            }
            if (System.nanoTime() - deadline > 0) {
                return driver;
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
    }

    private void sleepUntil(Duration sinceStart) throws InterruptedException {
        long until = t0 + sinceStart.toNanos();
        long left;
        while ((left = until - System.nanoTime()) > 0) {
            requireOpen();
            TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
        }
        requireOpen();
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("the demo was stopped");
        }
    }

    /** Pids of every server the demo's cluster started (for leak checks after {@link #close()}). */
    public List<Long> serverPids() {
        return serverPids;
    }

    /** From the shutdown hook: on Ctrl-C says what it does; after a normal end does nothing. */
    private void interruptedClose() {
        if (!closed && !finished) {
            System.err.println();
            System.err.println("Interrupted: stopping the workload, closing the data source and the " + kind.product()
                    + " cluster...");
        }
        close();
    }

    /** Stops the workload, closes the data source and the cluster (every server stopped). Idempotent. */
    @Override
    public void close() {
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            ScheduledExecutorService s = ticker;
            if (s != null) {
                s.shutdownNow();
            }
            DemoWorkload load = workload;
            if (load != null) {
                load.stop();
            }
            HavenDataSource source = ds;
            if (source != null) {
                source.close();
            }
            DemoCluster c = cluster;
            if (c != null) {
                serverPids = c.pids();
                c.close();
            }
        }
    }

    private static Duration nanos(long n) {
        return Duration.ofNanos(n);
    }

    private static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
