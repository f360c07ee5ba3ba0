package dev.haven.examples;

import dev.haven.Consistency;
import dev.haven.jdbc.HavenConnection;
import dev.haven.jdbc.HavenDataSource;
import dev.haven.metrics.HavenMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;

/**
 * The README's usage example, compiled with the build so that it cannot drift from the API. Run against a
 * real cluster with {@code java dev.haven.examples.QuickStart jdbc:postgresql://h1:5432,h2:5432/app user password}.
 */
public final class QuickStart {

    private QuickStart() {
    }

    public static void main(String[] args) throws SQLException {
        String url = args.length > 0 ? args[0] : "jdbc:postgresql://db-1:5432,db-2:5432,db-3:5432/app";
        String user = args.length > 1 ? args[1] : "app";
        String password = args.length > 2 ? args[2] : System.getenv("DB_PASSWORD");

        try (HavenDataSource ds = HavenDataSource.builder()
                .url(url)                                   // any servers of the cluster
                .username(user)
                .password(password)
                .defaultConsistency(Consistency.boundedStaleness(Duration.ofSeconds(1))) // read-only work
                .build()) {
            HavenMetrics metrics = new HavenMetrics("app", ds::topology);
            ds.addListener(metrics);
            metrics.bindTo(new SimpleMeterRegistry());

            try (Connection c = ds.getConnection()) {   // read-write: the current primary
                c.createStatement().execute("CREATE TABLE IF NOT EXISTS orders (id bigint PRIMARY KEY)");
                c.createStatement().executeUpdate("INSERT INTO orders(id) VALUES (42) ON CONFLICT DO NOTHING");
            }
            try (Connection c = ds.getConnection()) {   // read-only: a replica at most 1 s behind
                c.setReadOnly(true);                     // what @Transactional(readOnly = true) does
                try (ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM orders")) {
                    rs.next();
                    System.out.println("orders: " + rs.getLong(1) + " (read on "
                            + c.unwrap(HavenConnection.class).endpoint().orElseThrow().id() + ")");
                }
            }
            try (Connection c = ds.getConnection()) {   // per-connection consistency
                c.setReadOnly(true);
                c.unwrap(HavenConnection.class).consistency(Consistency.STRONG);
                c.createStatement().executeQuery("SELECT 1").close();
            }
            // Re-run from the start if a failover rolls the transaction back.
            int updated = ds.transaction(c -> c.createStatement().executeUpdate("UPDATE orders SET id = id WHERE id = 42"));
            System.out.println("updated " + updated + "; topology " + ds.topology());
        }
    }
}
