package dev.haven.examples;

import dev.haven.testkit.PgNode;
import dev.haven.testkit.PostgresCluster;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;

/**
 * The demo on PostgreSQL: a primary with two streaming replicas, one of them synchronous ({@code ANY 1 (*)}), so a
 * promoted replica has every acknowledged commit. The driver is pgjdbc ({@code jdbc:postgresql:}).
 */
final class PostgresDemoCluster implements DemoCluster {

    private final PostgresCluster cluster;

    private PostgresDemoCluster(PostgresCluster cluster) {
        this.cluster = cluster;
    }

    static PostgresDemoCluster start() {
        return new PostgresDemoCluster(PostgresCluster.builder().replicas(2).synchronousStandbys(1).start());
    }

    @Override
    public Kind kind() {
        return Kind.POSTGRESQL;
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
        return cluster.replicas().stream().map(PostgresDemoCluster::node).toList();
    }

    @Override
    public List<Node> nodes() {
        return cluster.nodes().stream().map(PostgresDemoCluster::node).toList();
    }

    @Override
    public String serverPortSql() {
        return "inet_server_port()";
    }

    @Override
    public String isReplicaSql() {
        return "SELECT pg_is_in_recovery()";
    }

    @Override
    public void awaitReplicated(Duration timeout) {
        cluster.awaitReplicated(timeout);
    }

    @Override
    public String replayPaused() {
        return "WAL replay paused";
    }

    @Override
    public void pauseReplay(Node replica) {
        cluster.pauseReplay(pg(replica));
    }

    @Override
    public void resumeReplay(Node replica) {
        cluster.resumeReplay(pg(replica));
    }

    @Override
    public void killWriter() {
        cluster.killWriter();
    }

    @Override
    public Node mostAdvancedReplica() {
        return node(cluster.mostAdvancedReplica());
    }

    @Override
    public Node promote(Node replica) {
        return node(cluster.promote(pg(replica)));
    }

    @Override
    public Connection connect(Node node) throws SQLException {
        return cluster.connect(pg(node));
    }

    @Override
    public void close() {
        cluster.close();
    }

    private PgNode pg(Node node) {
        return cluster.nodes().stream().filter(n -> n.name().equals(node.name())).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(node.name() + " is not a node of this cluster"));
    }

    private static Node node(PgNode n) {
        return new Node(n.name(), n.port(), n.directPort());
    }
}
