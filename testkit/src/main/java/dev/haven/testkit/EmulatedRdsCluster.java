package dev.haven.testkit;

import dev.haven.testkit.internal.OpenClusters;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What the testkit's emulations of AWS's PostgreSQL cluster services have in common ({@link AuroraPostgresCluster},
 * {@link RdsMultiAzCluster}): a {@link PostgresCluster} whose nodes are DB instances on their own loopback addresses and
 * one shared port, with the service's DNS names (instance, cluster and reader endpoints) in a hosts file, a control plane
 * that keeps the emulated functions in step, and the service's failover. What differs is the SQL the service offers and
 * how it names its instances ({@link #instanceId}).
 */
public abstract class EmulatedRdsCluster implements AutoCloseable {

    final RdsNames names;
    final PostgresCluster postgres;
    /** The databases the emulated functions are installed in: {@code postgres} and the cluster's own. */
    final List<String> databases;

    EmulatedRdsCluster(RdsNames names) {
        this.names = names;
        this.postgres = names.postgres();
        this.databases = "postgres".equals(postgres.database()) ? List.of("postgres") : List.of("postgres", postgres.database());
    }

    /** The node's instance identifier, as the service's functions report it there. */
    public abstract String instanceId(PgNode node);

    // ------------------------------------------------------------------------------------------------ accessors

    /** The PostgreSQL cluster underneath: faults, kills, promotions, replicas (the emulated state follows them). */
    public PostgresCluster postgres() {
        return postgres;
    }

    /** The current writer instance: {@code postgres().primary()}. */
    public PgNode writer() {
        return postgres.primary();
    }

    public String clusterId() {
        return names.clusterId();
    }

    /** The region of the cluster endpoint: for an Aurora Global Database the primary region (the writer's at start). */
    public String region() {
        return names.region();
    }

    /** The node's DBI resource id, {@code db-} + 26 base32 characters: what {@code rds_tools.dbi_resource_id()} returns there. */
    /** {@code <cluster id>-instance-(N+1)} for node {@code pgN}: the first label of its instance endpoint. */
    /** {@code <instance name>.<dns id>.<region>.rds.amazonaws.com}, resolving to {@code node.host()}. */
    public String instanceHost(PgNode node) {
        return names.instanceHost(node);
    }

    /**
     * {@code ?.<dns id>.<region>.rds.amazonaws.com}: the AWS wrapper's {@code clusterInstanceHostPattern}; of the
     * instances in {@link #region()}.
     */
    public String instanceHostPattern() {
        return names.instanceHostPattern();
    }

    /** {@code <cluster id>.cluster-<dns id>.<region>.rds.amazonaws.com}: names the writer (see {@link #clusterEndpointTarget()}). */
    public String clusterEndpoint() {
        return names.clusterEndpoint();
    }

    /** {@code <cluster id>.cluster-ro-<dns id>.<region>.rds.amazonaws.com}: names every running reader. */
    public String readerEndpoint() {
        return names.readerEndpoint();
    }

    /** The one port every instance listens on. */
    public int port() {
        return names.port();
    }

    /** {@code jdbc:postgresql://<cluster endpoint>:<port>/<database>}. */
    public String jdbcUrl() {
        return names.jdbcUrl(clusterEndpoint());
    }

    /** {@code jdbc:postgresql://<instance host>:<port>/<database>}. */
    public String instanceJdbcUrl(PgNode node) {
        return names.jdbcUrl(instanceHost(node));
    }

    /** The hosts file holding this cluster's names (one block of it; other lines are left alone). */
    public Path hostsFile() {
        return names.hostsFile();
    }

    /** The node whose address the cluster endpoint has now; empty only after {@link #close()}. */
    public Optional<PgNode> clusterEndpointTarget() {
        return names.clusterEndpointTarget();
    }

    public String user() {
        return postgres.user();
    }

    public String password() {
        return postgres.password();
    }

    public String database() {
        return postgres.database();
    }

    // ------------------------------------------------------------------------------------------------ operations

    /**
     * The service's failover: SIGKILL to the writer, then promotion of the most advanced reader, which the other readers
     * follow. Returns when the new writer accepts writes, the emulated functions name it, the other readers stream
     * from it and, unless the builder delays or disables it, the cluster endpoint names it.
     *
     * @return the new writer
     */
    public PgNode failover() {
        return names.failover();
    }

    /** {@link #failover()} to a chosen reader (which should be the most advanced, see {@link PostgresCluster#promote}). */
    public PgNode failover(PgNode newWriter) {
        return names.failover(newWriter);
    }

    /**
     * Points the cluster endpoint name at {@code node}'s address, running or not (a dead one = stale DNS). When this
     * JVM reads the hosts file, returns once it resolves the name to that address (bounded by 5 s; a warning names
     * the cache settings if it still does not).
     */
    public void pointClusterEndpointAt(PgNode node) {
        names.pointClusterEndpointAt(node);
    }

    /**
     * Stops the control plane, removes this cluster's names from the hosts file and closes the PostgreSQL cluster.
     * Idempotent; safe from any thread.
     */
    @Override
    public void close() {
        if (names.isClosed()) {
            return;
        }
        names.close();
        OpenClusters.unregister(this);
    }
}
