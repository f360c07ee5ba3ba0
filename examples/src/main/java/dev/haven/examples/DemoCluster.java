package dev.haven.examples;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The servers a {@link FailoverDemo} run works on: a primary and two replicas started by the testkit on this
 * machine, each behind a fault proxy, and the few operations the demo's schedule needs (pause and resume a
 * replica's replay, kill the primary, promote a replica). One implementation per database; the workload, the
 * schedule and the report are the same for all of them.
 *
 * <pre>{@code
 * try (DemoCluster c = DemoCluster.Kind.MARIADB.start()) {
 *     DemoCluster.Node lagging = c.replicas().get(1);
 *     c.pauseReplay(lagging);                       // STOP SLAVE SQL_THREAD
 *     c.resumeReplay(lagging);
 *     c.killWriter();                               // SIGKILL
 *     c.promote(c.mostAdvancedReplica());
 * }
 * }</pre>
 */
interface DemoCluster extends AutoCloseable {

    /**
     * A server of the cluster.
     *
     * @param name       the testkit's name for it ("pg0", "my1", ...)
     * @param port       its proxied port: what the JDBC URL and Haven's endpoints carry
     * @param directPort the server's own port: what the server reports to a query ({@link #serverPortSql()})
     */
    record Node(String name, int port, int directPort) {
    }

    /** The databases the demo runs on, in the order the README's command runs them. */
    enum Kind {
        POSTGRESQL("PostgreSQL", "primary + 2 streaming replicas (synchronous standbys: 1)") {
            @Override
            DemoCluster start() {
                return PostgresDemoCluster.start();
            }
        },
        MARIADB("MariaDB", "primary + 2 GTID replicas (semi-synchronous, AFTER_SYNC)") {
            @Override
            DemoCluster start() {
                return MariaDbDemoCluster.start();
            }
        };

        private final String product;
        private final String layout;

        Kind(String product, String layout) {
            this.product = product;
            this.layout = layout;
        }

        /** "PostgreSQL", "MariaDB". */
        String product() {
            return product;
        }

        /** What {@link #start()} starts, e.g. "primary + 2 streaming replicas (synchronous standbys: 1)". */
        String layout() {
            return layout;
        }

        /** Starts a primary with two replicas; the caller closes it. */
        abstract DemoCluster start();

        /** "postgresql,mariadb" (any case, any order, at least one) to the kinds, in that order. */
        static List<Kind> parse(String text) {
            List<Kind> kinds = new ArrayList<>();
            for (String part : text.split(",")) {
                String name = part.trim().toUpperCase(Locale.ROOT);
                if (name.isEmpty()) {
                    continue;
                }
                Kind kind;
                try {
                    kind = valueOf(name);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("demo servers must be postgresql, mariadb or both (comma-separated):"
                            + " was '" + text + "'");
                }
                if (!kinds.contains(kind)) {
                    kinds.add(kind);
                }
            }
            if (kinds.isEmpty()) {
                throw new IllegalArgumentException("demo servers must be postgresql, mariadb or both (comma-separated):"
                        + " was '" + text + "'");
            }
            return List.copyOf(kinds);
        }
    }

    Kind kind();

    /** Where the server binaries came from (system binaries and their path, or the Maven artifact), from the testkit. */
    String binarySource();

    /** How long the testkit took to start the cluster. */
    Duration startupTime();

    /** Pids of every server the cluster started (for leak checks after {@link #close()}). */
    List<Long> pids();

    /** Every node's proxied address, primary first, in the driver's scheme. */
    String jdbcUrl();

    String user();

    String password();

    Node primary();

    /** The nodes other than {@link #primary()}, in creation order. */
    List<Node> replicas();

    /** Every node, primary first. */
    List<Node> nodes();

    /** The SQL expression a server answers its own port with ({@link Node#directPort()}). */
    String serverPortSql();

    /** A query whose one boolean column is true on a replica. */
    String isReplicaSql();

    /** Waits until every running replica has what the primary wrote. */
    void awaitReplicated(Duration timeout);

    /** What {@link #pauseReplay} does, for the progress line: "WAL replay paused", "SQL thread stopped". */
    String replayPaused();

    /** The replica keeps receiving from the primary but stops applying it: its data falls behind. */
    void pauseReplay(Node replica);

    void resumeReplay(Node replica);

    /** SIGKILL to the primary; returns once its processes are gone. {@link #primary()} is unchanged until a promote. */
    void killWriter();

    /** The running replica that received the most from the old primary: the one to promote. */
    Node mostAdvancedReplica();

    /** Makes the replica the primary and the other replicas follow it; returns the new primary. */
    Node promote(Node replica);

    /** A direct connection to the node (bypassing its proxy and Haven) as the application's user. */
    Connection connect(Node node) throws SQLException;

    /** Stops every server and deletes their files. Idempotent. */
    @Override
    void close();
}
