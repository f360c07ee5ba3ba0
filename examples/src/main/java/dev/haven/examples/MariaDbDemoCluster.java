package dev.haven.examples;

import dev.haven.testkit.mariadb.MariaDbCluster;
import dev.haven.testkit.mariadb.MariaDbNode;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;

/**
 * The demo on MariaDB: a primary with two GTID replicas and semi-synchronous replication ({@code AFTER_SYNC}), so
 * a promoted replica that applied its relay log has every acknowledged commit, as the JDBC module's
 * {@code MySqlFailoverIT} runs it. The driver is MariaDB Connector/J ({@code jdbc:mariadb:}); lag is a replica's
 * SQL thread stopped ({@code STOP SLAVE SQL_THREAD}) while its IO thread keeps receiving.
 */
final class MariaDbDemoCluster implements DemoCluster {

    private final MariaDbCluster cluster;

    private MariaDbDemoCluster(MariaDbCluster cluster) {
        this.cluster = cluster;
    }

    static MariaDbDemoCluster start() {
        return new MariaDbDemoCluster(MariaDbCluster.builder().replicas(2).semiSync().start());
    }

    @Override
    public Kind kind() {
        return Kind.MARIADB;
    }

    @Override
    public String binarySource() {
        return cluster.binarySource();
    }

    @Override
    public Duration startupTime() {
        return cluster.startupTime();
    }

    @Override
    public List<Long> pids() {
        return cluster.pids();
    }

    /** {@code jdbc:mariadb:sequential://...}: MariaDB Connector/J; Haven drops the mode and does the routing. */
    @Override
    public String jdbcUrl() {
        return cluster.jdbcUrl();
    }

    @Override
    public String user() {
        return cluster.user();
    }

    @Override
    public String password() {
        return cluster.password();
    }

    @Override
    public Node primary() {
        return node(cluster.primary());
    }

    @Override
    public List<Node> replicas() {
        return cluster.replicas().stream().map(MariaDbDemoCluster::node).toList();
    }

    @Override
    public List<Node> nodes() {
        return cluster.nodes().stream().map(MariaDbDemoCluster::node).toList();
    }

    @Override
    public String serverPortSql() {
        return "@@port";
    }

    @Override
    public String isReplicaSql() {
        return "SELECT @@read_only";
    }

    @Override
    public void awaitReplicated(Duration timeout) {
        cluster.awaitReplicated(timeout);
    }

    @Override
    public String replayPaused() {
        return "SQL thread stopped";
    }

    @Override
    public void pauseReplay(Node replica) {
        cluster.pauseReplay(my(replica));
    }

    @Override
    public void resumeReplay(Node replica) {
        cluster.resumeReplay(my(replica));
    }

    @Override
    public void killWriter() {
        cluster.killWriter();
    }

    @Override
    public Node mostAdvancedReplica() {
        return node(cluster.mostAdvancedReplica());
    }

    /** Applies the replica's relay log first (no acknowledged write lost), then re-points the other replica at it. */
    @Override
    public Node promote(Node replica) {
        return node(cluster.promote(my(replica)));
    }

    @Override
    public Connection connect(Node node) throws SQLException {
        return cluster.connect(my(node));
    }

    @Override
    public void close() {
        cluster.close();
    }

    private MariaDbNode my(Node node) {
        return cluster.nodes().stream().filter(n -> n.name().equals(node.name())).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(node.name() + " is not a node of this cluster"));
    }

    private static Node node(MariaDbNode n) {
        return new Node(n.name(), n.port(), n.directPort());
    }
}
