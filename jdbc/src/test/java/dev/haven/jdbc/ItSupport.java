package dev.haven.jdbc;

import dev.haven.event.HavenEvent;
import dev.haven.testkit.PgNode;
import dev.haven.testkit.PostgresCluster;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Shared set-up of the JDBC integration tests: a data source over a testkit cluster with tight timings. */
final class ItSupport {

    static final Duration STATEMENT_DEADLINE = Duration.ofSeconds(3);
    static final Duration WRITER_WAIT = Duration.ofMillis(1500);

    private ItSupport() {
    }

    static HavenDataSource.Builder builder(PostgresCluster cluster, List<HavenEvent> events) {
        return HavenDataSource.builder()
                .url(cluster.jdbcUrl())
                .username(cluster.user())
                .password(cluster.password())
                .clusterName("it")
                .deadline(STATEMENT_DEADLINE)
                .writerWait(WRITER_WAIT)
                .poolProperty("connectionTimeout", "1000")
                .poolProperty("maximumPoolSize", "12")
                .listener(events::add);
    }

    /** Builds the data source and waits until it sees the writer and every replica of the cluster. */
    static HavenDataSource ready(HavenDataSource.Builder builder, PostgresCluster cluster) throws InterruptedException {
        HavenDataSource ds = builder.build();
        try {
            await("writer and " + cluster.replicas().size() + " replicas in the topology", Duration.ofSeconds(10),
                    () -> ds.topology().writer().isPresent() && ds.topology().readers().size() == cluster.replicas().size());
        } catch (AssertionError | InterruptedException e) {
            ds.close();
            throw e;
        }
        return ds;
    }

    static List<HavenEvent> events() {
        return new CopyOnWriteArrayList<>();
    }

    /** Polls {@code condition} every 20 ms until true; fails after {@code timeout}. */
    static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }

    /** Sleeps {@code ms}; an interrupt ends the sleep and stays set. */
    static void sleepQuietly(long ms) {
        try {
            TimeUnit.MILLISECONDS.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void sleep(Duration d) throws InterruptedException {
        TimeUnit.NANOSECONDS.sleep(d.toNanos());
    }

    static long count(PostgresCluster cluster, PgNode node, String sql) throws SQLException {
        try (Connection c = cluster.connect(node); ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
