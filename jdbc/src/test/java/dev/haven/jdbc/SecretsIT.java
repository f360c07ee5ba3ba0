package dev.haven.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.event.HavenEvent;
import dev.haven.metrics.HavenMetrics;
import dev.haven.testkit.PostgresCluster;
import dev.haven.testkit.StderrCapture;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The password never leaves Haven: a run with an unusual password through a writer failover, a bad-configuration
 * build, an authentication failure and a connection failure, and a scan of everything Haven produced (log lines,
 * exception messages down every cause and suppressed chain, {@code toString()} of the data source, its settings and
 * topology, every event, every meter name and tag).
 */
class SecretsIT {

    private static final String SECRET = "Pw-7f3a9c-secret";

    @Test
    void thePasswordAppearsNowhereHavenReports() throws Exception {
        List<String> texts = new ArrayList<>(); // everything scanned besides the log
        int exceptions = 0;
        List<HavenEvent> events = ItSupport.events();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        int logLines;
        List<String> log;
        try (StderrCapture stderr = new StderrCapture();
             PostgresCluster cluster = PostgresCluster.builder().replicas(2).password(SECRET).start()) {
            // 1. a workload through a writer failover
            try (HavenDataSource ds = ItSupport.ready(ItSupport.builder(cluster, events).password(SECRET)
                    // not a timing test: a cold pool's first connection on a loaded machine must not fail it
                    .writerWait(Duration.ofSeconds(5)).deadline(Duration.ofSeconds(10)), cluster)) {
                HavenMetrics metrics = new HavenMetrics("it", ds::topology);
                ds.addListener(metrics);
                metrics.bindTo(registry);
                texts.add(ds.toString());
                texts.add(ds.settings().toString());
                Workload.createSchema(ds);
                Workload load = new Workload(ds, 4, 0.5, 1_000_000).start();
                ItSupport.sleep(Duration.ofSeconds(1));
                cluster.killWriter();
                cluster.promote(cluster.mostAdvancedReplica());
                ItSupport.sleep(Duration.ofSeconds(3));
                load.close();
                for (Workload.Op op : load.ops) {
                    if (op.error() != null) {
                        exceptions++;
                        texts.addAll(TlsIT.messages(op.error()));
                        texts.add(stackTrace(op.error()));
                    }
                }
                System.err.printf("SecretsIT: workload %d ops, %d failed, through the failover%n", load.ops.size(),
                        load.failures(true).size() + load.failures(false).size());
                texts.add(ds.toString());
                texts.add(ds.topology().toString());
                texts.add(ds.endpoints().toString());
            }
            // 2. bad configuration: the secret as a builder value, in the URL and in properties, next to a bad value
            List<Runnable> badConfigs = List.of(
                    () -> HavenDataSource.builder().url(cluster.jdbcUrl()).username("haven").password(SECRET)
                            .deadline(Duration.ofMillis(-1)).build(),
                    () -> HavenDataSource.builder().url("jdbc:postgresql://h:99999/db?password=" + SECRET).build(),
                    () -> HavenDataSource.builder().url("not-a-url?password=" + SECRET).build(),
                    () -> HavenDataSource.builder().properties(Map.of("haven.jdbc.url", cluster.jdbcUrl(),
                            "haven.jdbc.password", SECRET, "haven.jdbc.probe-timeout", "-5s")).build(),
                    () -> HavenDataSource.builder().properties(Map.of("haven.jdbc.url", cluster.jdbcUrl(),
                            "haven.jdbc.password", SECRET, "haven.jdbc.no-such-key", SECRET)).build(),
                    () -> HavenDataSource.builder().url(cluster.jdbcUrl()).password(SECRET).poolProperty("password", SECRET)
                            .build());
            int refused = 0;
            for (Runnable bad : badConfigs) {
                try {
                    bad.run();
                } catch (RuntimeException e) {
                    refused++;
                    exceptions++;
                    texts.addAll(TlsIT.messages(e));
                    texts.add(stackTrace(e));
                }
            }
            assertThat(refused).as("bad configurations refused, of " + badConfigs.size()).isEqualTo(badConfigs.size());
            // 3. authentication failure (a wrong password that contains the secret) and a server that is not there
            int deadPort;
            try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                deadPort = free.getLocalPort(); // closed again: nothing listens there
            }
            String deadUrl = "jdbc:postgresql://127.0.0.1:" + deadPort + "/haven?password=" + SECRET;
            List<HavenDataSource.Builder> failing = List.of(
                    ItSupport.builder(cluster, events).password(SECRET + "-wrong"),
                    ItSupport.builder(cluster, events).url(deadUrl).password(SECRET));
            for (HavenDataSource.Builder b : failing) {
                try (HavenDataSource ds = b.build(); Connection c = ds.getConnection()) {
                    c.createStatement().execute("SELECT 1");
                    throw new AssertionError("connected with a wrong password or to no server");
                } catch (SQLException | RuntimeException e) {
                    exceptions++;
                    texts.addAll(TlsIT.messages(e));
                    texts.add(stackTrace(e));
                }
            }
            log = stderr.lines();
            logLines = log.size();
        }
        for (HavenEvent e : events) {
            texts.add(e.toString());
        }
        int meters = 0;
        for (Meter m : registry.getMeters()) {
            meters++;
            texts.add(m.getId().toString());
        }
        List<String> leaks = new ArrayList<>();
        log.stream().filter(l -> l.contains(SECRET)).forEach(leaks::add);
        texts.stream().filter(t -> t != null && t.contains(SECRET)).forEach(leaks::add);
        System.err.printf("SecretsIT: scanned %d log lines, %d events, %d exceptions (with causes and suppressed),"
                + " %d meters, %d other texts: %d contain the password%n", logLines, events.size(), exceptions, meters,
                texts.size(), leaks.size());
        assertThat(events).as("events of the run").isNotEmpty();
        assertThat(exceptions).as("exceptions scanned").isGreaterThanOrEqualTo(8);
        assertThat(meters).as("meters scanned").isGreaterThan(0);
        assertThat(leaks).as("texts containing the password").isEmpty();
    }

    private static String stackTrace(Throwable t) {
        java.io.StringWriter w = new java.io.StringWriter();
        t.printStackTrace(new java.io.PrintWriter(w));
        return w.toString();
    }
}
