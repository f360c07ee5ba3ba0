package dev.haven.testkit;

import dev.haven.testkit.internal.MultiAzCatalog;
import dev.haven.testkit.internal.OpenClusters;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An emulated Amazon RDS Multi-AZ DB cluster for PostgreSQL: a {@link PostgresCluster} whose primary is the writer DB
 * instance and whose streaming standbys are the readable reader instances, with semi-synchronous replication (a commit
 * waits for one reader: {@code synchronous_standby_names = 'ANY 1 (*)'}), each instance on its own loopback address and
 * all on one port; with the {@code rds_tools} functions RDS offers ({@code show_topology}, {@code dbi_resource_id},
 * {@code multi_az_db_cluster_source_dbi_resource_id}); with RDS's DNS names in a hosts file; and with a control plane
 * that updates what the functions report at a failover. Applications under test connect as they would to AWS, e.g.
 * with the AWS Advanced JDBC Wrapper and {@code wrapperDialect=rds-multi-az-pg-cluster}.
 *
 * <pre>{@code
 * // This JVM runs with -Djdk.net.hosts.file=<file> and a DNS cache TTL of 0 (see AuroraPostgresCluster, "DNS").
 * try (RdsMultiAzCluster rds = PostgresCluster.builder().replicas(2).rdsMultiAz("orders", "us-east-1").start()) {
 *     String url = rds.jdbcUrl(); // jdbc:postgresql://orders.cluster-orders.us-east-1.rds.amazonaws.com:<port>/haven
 *     try (Connection c = DriverManager.getConnection(url, rds.user(), rds.password());
 *          ResultSet rs = c.createStatement().executeQuery("SELECT rds_tools.dbi_resource_id()")) {
 *         rs.next();
 *         assert rs.getString(1).equals(rds.instanceId(rds.writer())); // db-..., the cluster endpoint names the writer
 *     }
 *     PgNode writer = rds.failover(); // kills orders-instance-1, promotes the most advanced reader
 *     assert rds.instanceName(writer).equals(rds.clusterEndpointTarget().map(rds::instanceName).orElseThrow());
 * }
 * }</pre>
 *
 * <h2>Names</h2>
 * With cluster id {@code C}, region {@code R} and DNS id {@code D} (default: {@code C} without its non-alphanumerics;
 * RDS's is a random string per account and region), node {@code pgN} is the instance named {@code C-instance-(N+1)}
 * (as RDS names a Multi-AZ DB cluster's instances) with a DBI resource id {@code db-} + 26 base32 characters
 * ({@link #instanceId}, fixed per region, cluster and name):
 * <ul>
 *   <li>instance endpoint: {@code C-instance-1.D.R.rds.amazonaws.com} ({@link #instanceHost}), pattern
 *       {@code ?.D.R.rds.amazonaws.com} ({@link #instanceHostPattern()}, the AWS wrapper's
 *       {@code clusterInstanceHostPattern});</li>
 *   <li>cluster (writer) endpoint: {@code C.cluster-D.R.rds.amazonaws.com} ({@link #clusterEndpoint()});</li>
 *   <li>reader endpoint: {@code C.cluster-ro-D.R.rds.amazonaws.com} ({@link #readerEndpoint()}), every running
 *       reader's address (the writer's when there is none).</li>
 * </ul>
 * {@code C} has at most 50 characters so that instance names fit a DNS label; {@code D} is letters and digits only
 * (the AWS wrapper parses {@code x.cluster-y.R.rds.amazonaws.com} as a cluster endpoint). DNS works as in
 * {@link AuroraPostgresCluster}: names in {@link #hostsFile()}, which a JVM reads with {@code -Djdk.net.hosts.file}
 * and no DNS cache; {@link Builder#start()} checks that this JVM resolves them.
 *
 * <h2>Functions</h2>
 * In schema {@code rds_tools} of the databases {@code postgres} and {@link #database()} (see {@code MultiAzCatalog}):
 * <ul>
 *   <li>{@code show_topology(text DEFAULT NULL)}: {@code (id, endpoint, port)} for every instance, dead ones included
 *       until {@code postgres().remove(node)}: resource id, instance endpoint, {@link #port()};</li>
 *   <li>{@code dbi_resource_id()}: the instance's own resource id;</li>
 *   <li>{@code multi_az_db_cluster_source_dbi_resource_id()}: the writer's resource id; on the writer its own, on a
 *       reader the writer it replicates from (it names a new writer once the reader streams from it).</li>
 * </ul>
 * {@code rds.extensions} (visible in {@code pg_settings}) lists {@code rds_tools} and not {@code aurora_stat_utils}, as
 * on RDS for PostgreSQL: with both, the AWS wrapper detects this cluster as {@code rds-multi-az-pg-cluster} by itself.
 *
 * <h2>Failover</h2>
 * {@link #failover()} kills the writer (SIGKILL) and promotes the most advanced reader; the other reader follows it, the
 * new writer's {@code multi_az_db_cluster_source_dbi_resource_id()} is its own id at once, and the cluster endpoint
 * moves at once (default), after a delay, or never (stale DNS; see the builder). A {@link PostgresCluster#promote} of
 * the underlying cluster does the same minus the kill. The old writer is not brought back as a reader (no pg_rewind);
 * {@code remove} it and {@code addReplica()} a new instance, and the topology follows (its rows are written on the
 * writer and reach each reader by replication: {@code postgres().awaitReplicated(timeout)} before reading
 * {@code show_topology()} on a reader right after a change). Fault injection
 * ({@code freeze}, {@code latency}, {@code pauseReplay}, ...) is the underlying cluster's: {@link #postgres()}.
 *
 * <p>Thread-safe; {@link #close()} is idempotent and runs from the testkit's JVM shutdown hook too.
 */
public final class RdsMultiAzCluster extends EmulatedRdsCluster {

    private static final Logger LOG = LoggerFactory.getLogger(RdsMultiAzCluster.class);
    static final String KIND = "RDS Multi-AZ DB cluster";
    /** {@code <id>-instance-253} must fit a 63-character DNS label. */
    static final int MAX_CLUSTER_ID_LENGTH = 50;


    private RdsMultiAzCluster(RdsNames names) {
        super(names);
    }

    // ------------------------------------------------------------------------------------------------ accessors

    @Override
    public String instanceId(PgNode node) {
        return resourceId(node.index);
    }

    public String instanceName(PgNode node) {
        return names.instanceName(node);
    }

    // ------------------------------------------------------------------------------------------------ control plane

    private void boot(Duration timeout) {
        PgNode writer = postgres.primary();
        for (String db : databases) {
            postgres.execute(writer, db, MultiAzCatalog.INSTALL);
            for (PgNode n : postgres.nodes()) {
                postgres.execute(writer, db, register(n, n == writer));
            }
        }
        postgres.awaitReplicated(timeout); // every reader has the functions and rows before start() returns
        names.publish(writer);
        postgres.listener(new ControlPlane());
        LOG.info("RDS Multi-AZ DB cluster emulation {} ({}): {} on port {}, names in {}", clusterId(), region(),
                postgres.nodes().stream().map(n -> instanceName(n) + "=" + instanceId(n) + "@" + n.host()).toList(), port(),
                hostsFile());
    }

    private String register(PgNode n, boolean writer) {
        return MultiAzCatalog.register(instanceId(n), instanceHost(n), port(), writer);
    }

    private String resourceId(int nodeIndex) {
        return MultiAzCatalog.resourceId(names.region(), names.clusterId(), instanceName(names.clusterId(), nodeIndex));
    }

    private static String instanceName(String clusterId, int nodeIndex) {
        return clusterId + "-instance-" + (nodeIndex + 1);
    }

    /** Keeps the topology rows and the names in step with the underlying cluster; runs under its lock. */
    private final class ControlPlane implements PostgresCluster.TopologyListener {
        @Override
        public void promoted(PgNode newWriter, PgNode oldWriter) {
            for (String db : databases) {
                postgres.execute(newWriter, db, MultiAzCatalog.promote(instanceId(newWriter)));
            }
            names.promoted(newWriter);
            LOG.info("RDS Multi-AZ {}: {} is the writer ({} was); cluster endpoint on {}", clusterId(), instanceName(newWriter),
                    instanceName(oldWriter), clusterEndpointTarget().map(RdsMultiAzCluster.this::instanceName).orElse("-"));
        }

        @Override
        public void added(PgNode node) {
            PgNode w = postgres.primary();
            for (String db : databases) {
                postgres.execute(w, db, register(node, false));
            }
            names.nodesChanged();
        }

        @Override
        public void removed(PgNode node) {
            PgNode w = postgres.primary();
            if (w.isRunning()) {
                for (String db : databases) {
                    postgres.execute(w, db, MultiAzCatalog.delete(instanceId(node)));
                }
            }
            names.nodesChanged();
        }
    }

    // ------------------------------------------------------------------------------------------------ builder

    /**
     * RDS Multi-AZ settings on top of a {@link PostgresCluster.Builder} (which keeps replicas, database, user,
     * timeouts, ...); made by {@link PostgresCluster.Builder#rdsMultiAz(String, String)}.
     *
     * <pre>{@code
     * RdsMultiAzCluster rds = PostgresCluster.builder().replicas(2).rdsMultiAz("orders", "us-east-1")
     *         .clusterEndpointMovesAfter(Duration.ofSeconds(2)) // DNS lags the failover by 2 s
     *         .start();
     * }</pre>
     */
    public static final class Builder {
        private final PostgresCluster.Builder postgres;
        private final RdsNames.Settings settings;
        private boolean semiSynchronous = true;

        Builder(PostgresCluster.Builder postgres, String clusterId, String region) {
            this.settings = new RdsNames.Settings(KIND, clusterId, region, MAX_CLUSTER_ID_LENGTH);
            this.postgres = postgres;
        }

        /**
         * The account/region part of the names ({@code <cluster id>-instance-1.<dnsId>.<region>.rds.amazonaws.com});
         * letters and digits only. Default: the cluster id without its hyphens.
         */
        public Builder dnsId(String dnsId) {
            settings.dnsId(dnsId);
            return this;
        }

        /**
         * The hosts file to write the names into (other lines are kept). Default: this JVM's {@code jdk.net.hosts.file}
         * if set, else {@code hosts} in the cluster's work directory.
         */
        public Builder hostsFile(Path file) {
            settings.hostsFile(file);
            return this;
        }

        /** After a failover the cluster endpoint names the new writer only after {@code delay} (default: at once). */
        public Builder clusterEndpointMovesAfter(Duration delay) {
            settings.clusterEndpointMovesAfter(delay);
            return this;
        }

        /** Stale DNS: the cluster endpoint stays on the old writer after a failover until {@link #pointClusterEndpointAt}. */
        public Builder clusterEndpointNeverMoves() {
            settings.clusterEndpointNeverMoves();
            return this;
        }

        /**
         * True (default): a commit waits for one reader ({@code synchronous_standby_names = 'ANY 1 (*)'}), as on RDS,
         * unless the PostgreSQL builder asks for more ({@code synchronousStandbys(n)}) or there is no reader. False:
         * asynchronous, or the PostgreSQL builder's setting.
         */
        public Builder semiSynchronous(boolean on) {
            this.semiSynchronous = on;
            return this;
        }

        String domain() {
            return settings.domain();
        }

        /** Starts the PostgreSQL cluster, installs the RDS functions, writes the names; returns when all is ready. */
        public RdsMultiAzCluster start() {
            int oldSync = postgres.synchronousStandbys;
            if (semiSynchronous && oldSync == 0 && postgres.replicas > 0) {
                postgres.synchronousStandbys = 1;
            }
            String clusterId = settings.clusterId;
            String region = settings.region;
            RdsNames names;
            try {
                names = RdsNames.start(postgres, settings, index -> instanceName(clusterId, index),
                        index -> Map.of(MultiAzCatalog.RESOURCE_ID_SETTING,
                                MultiAzCatalog.resourceId(region, clusterId, instanceName(clusterId, index))),
                        Map.of(MultiAzCatalog.RDS_EXTENSIONS_SETTING, MultiAzCatalog.RDS_EXTENSIONS));
            } finally {
                postgres.synchronousStandbys = oldSync;
            }
            RdsMultiAzCluster rds = new RdsMultiAzCluster(names);
            OpenClusters.register(rds);
            try {
                rds.boot(postgres.startupTimeoutValue());
                return rds;
            } catch (RuntimeException | Error e) {
                rds.close();
                throw e;
            }
        }
    }
}
