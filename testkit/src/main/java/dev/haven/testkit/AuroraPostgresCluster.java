package dev.haven.testkit;

import dev.haven.testkit.internal.AuroraCatalog;
import dev.haven.testkit.internal.OpenClusters;
import dev.haven.testkit.internal.ProcessCpu;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An emulated Aurora PostgreSQL cluster: a {@link PostgresCluster} whose nodes are DB instances {@code instance-1},
 * {@code instance-2}, ... (node {@code pgN} is {@code instance-(N+1)}), each reachable on its own loopback address
 * (127.0.0.2, 127.0.0.3, ...) and all on one port, as Aurora's instance endpoints are; with Aurora's SQL functions
 * {@code aurora_db_instance_identifier()} and {@code aurora_replica_status()}; with Aurora's DNS names in a hosts file;
 * and with a control plane that keeps the status rows current and rewrites them at a failover. Applications under test
 * connect as they would to AWS, e.g. with the AWS Advanced JDBC Wrapper and {@code wrapperDialect=aurora-pg}.
 *
 * <pre>{@code
 * // This JVM runs with -Djdk.net.hosts.file=<file> and a DNS cache TTL of 0 (see "DNS" below).
 * try (AuroraPostgresCluster aurora = PostgresCluster.builder().replicas(2).aurora("cluster-xyz", "us-east-1").start()) {
 *     String url = aurora.jdbcUrl(); // jdbc:postgresql://cluster-xyz.cluster-clusterxyz.us-east-1.rds.amazonaws.com:<port>/haven
 *     try (Connection c = DriverManager.getConnection(url, aurora.user(), aurora.password());
 *          ResultSet rs = c.createStatement().executeQuery("SELECT aurora_db_instance_identifier()")) {
 *         rs.next();
 *         assert rs.getString(1).equals("instance-1"); // the cluster endpoint names the writer
 *     }
 *     PgNode writer = aurora.failover(); // kills instance-1, promotes the most advanced reader
 *     assert aurora.instanceId(writer).equals(aurora.clusterEndpointTarget().map(aurora::instanceId).orElseThrow());
 * }
 * }</pre>
 *
 * <h2>Names</h2>
 * With cluster id {@code C}, region {@code R} and DNS id {@code D} (default: {@code C} without its non-alphanumerics;
 * Aurora's is a random string per account and region):
 * <ul>
 *   <li>instance endpoint: {@code instance-1.D.R.rds.amazonaws.com} ({@link #instanceHost}); the pattern
 *       {@code ?.D.R.rds.amazonaws.com} ({@link #instanceHostPattern()}) is the AWS wrapper's
 *       {@code clusterInstanceHostPattern};</li>
 *   <li>cluster (writer) endpoint: {@code C.cluster-D.R.rds.amazonaws.com} ({@link #clusterEndpoint()});</li>
 *   <li>reader endpoint: {@code C.cluster-ro-D.R.rds.amazonaws.com} ({@link #readerEndpoint()}), every reader's
 *       address (the writer's when there is no reader).</li>
 * </ul>
 * {@code D} must be letters and digits only: the AWS wrapper parses {@code x.cluster-y.R.rds.amazonaws.com} as a
 * cluster endpoint, so an instance host {@code instance-1.cluster-xyz.us-east-1...} would be taken for one.
 *
 * <h2>DNS</h2>
 * The names live in a hosts file ({@link #hostsFile()}): by default the file named by this JVM's
 * {@code jdk.net.hosts.file} property, else {@code hosts} in the cluster's work directory (for a JVM started later).
 * A JVM started with {@code -Djdk.net.hosts.file=<file>} resolves every name through that file alone, re-reading it
 * on each lookup that its address cache lets through; the cache keeps a positive answer 30 s by default, so such a
 * JVM needs {@code -Dsun.net.inetaddr.ttl=0}, or the security property {@code networkaddress.cache.ttl=0} (e.g.
 * {@code -Djava.security.properties=<file>} holding it; {@code networkaddress.cache.negative.ttl=0} also lifts the
 * 10 s cache of failed lookups, which only that route can change). {@link #start} checks that this JVM resolves the
 * names when it reads the file, and warns when its cache would hide a moved endpoint. The cluster endpoint moves to
 * the new writer at a failover, at once by default, after a delay, or never ("stale DNS", see the builder);
 * {@link #pointClusterEndpointAt} moves it by hand.
 *
 * <h2>Status</h2>
 * {@code aurora_replica_status()} is installed in {@code pg_catalog} of the databases {@code postgres} and
 * {@link #database()}; see {@code AuroraCatalog} for what each column shows. Every status interval (1 s by default)
 * the control plane refreshes the rows of the writer and of the streaming readers on the writer; a dead instance's
 * row goes stale. {@link #failover()}, or a {@link PostgresCluster#promote} of the underlying cluster, makes the new
 * writer's row {@code MASTER_SESSION_ID} and the old writer's a reader's (stale, as it is dead). Replicas added or
 * removed through {@link #postgres()} get or lose their row and names. The old writer is not brought back as a
 * reader (the testkit has no pg_rewind); {@code remove} it and {@code addReplica()} a new instance instead.
 *
 * <p>Fault injection ({@code freeze}, {@code latency}, {@code pauseReplay}, ...) is the underlying cluster's:
 * {@link #postgres()}.
 *
 * <h2>Aurora Global Database</h2>
 * {@link Builder#secondaryRegion} spreads the instances of the one streaming-replication cluster over the primary
 * region and secondary regions: the last instances by creation index belong to the secondary regions, the writer and
 * the rest (and every instance added later) to the primary region. An instance in region {@code R} is
 * {@code instance-N.D.R.rds.amazonaws.com} ({@link #instanceHostPattern(String)}); the cluster and reader endpoints stay
 * under the primary region ({@link #region()}) and name the writer and every running reader, wherever they are. Only a
 * global emulation has {@code aurora_global_db_instance_status()} (one row per instance with its {@code aws_region} and
 * {@code visibility_lag_in_msec}, the reader's lag as {@code aurora_replica_status()} computes it, NULL for the writer)
 * and {@code aurora_global_db_status()} (one row per region, the writer's first with lags of -1 as on Aurora, another
 * region with the largest lag of its instances). {@link #switchoverTo} is the planned writer-region switchover (no
 * write lost; the old writer stays stopped), {@link #failoverTo} the unplanned one; {@link #writerRegion()} follows them.
 *
 * <pre>{@code
 * try (AuroraPostgresCluster global = PostgresCluster.builder().replicas(3).aurora("orders", "us-east-1")
 *         .secondaryRegion("us-west-2", 2).start()) { // instance-3 and instance-4 in us-west-2
 *     PgNode writer = global.switchoverTo("us-west-2");
 *     assert global.writerRegion().equals("us-west-2") && global.region(writer).equals("us-west-2");
 * }
 * }</pre>
 *
 * <p>Thread-safe; {@link #close()} is idempotent and runs from the testkit's JVM shutdown hook too.
 */
public final class AuroraPostgresCluster extends EmulatedRdsCluster {

    private static final Logger LOG = LoggerFactory.getLogger(AuroraPostgresCluster.class);

    private final Duration statusInterval;
    private final Map<PgNode, long[]> cpuSamples = new java.util.HashMap<>(); // node -> {ticks, nanoTime}; control-plane thread only

    private AuroraPostgresCluster(Builder b, RdsNames names) {
        super(names);
        this.statusInterval = b.statusInterval;
    }

    // ------------------------------------------------------------------------------------------------ accessors

    @Override
    public String instanceId(PgNode node) {
        return instanceId(node.index);
    }

    /** The regions of this emulation: the primary (home at start) region first, then the secondary regions in the order given. */
    public List<String> regions() {
        return names.regions();
    }

    /** The region {@code node} is an instance of (fixed for its life; a node added later is the primary region's). */
    public String region(PgNode node) {
        return names.region(node);
    }

    /** The region of the current writer: {@link #region()} until a {@link #switchoverTo} or {@link #failoverTo} another region. */
    public String writerRegion() {
        return region(writer());
    }

    /** {@code ?.<dns id>.<region>.rds.amazonaws.com}: the instance host pattern of one of {@link #regions()}. */
    public String instanceHostPattern(String region) {
        requireRegion("instanceHostPattern", region);
        return names.instanceHostPattern(region);
    }

    /**
     * A planned writer-region switchover of an Aurora Global Database (as {@code switchover-global-cluster}): waits until
     * the most advanced running reader in {@code region} has replayed all the writer wrote (bounded by the startup
     * timeout), stops the writer cleanly, promotes that reader (the other readers follow it), names it
     * {@code MASTER_SESSION_ID} and, unless the builder delays or disables it, moves the cluster endpoint to it. No
     * committed write is lost. The old writer stays stopped (there is no pg_rewind to bring it back as a reader).
     *
     * @return the new writer
     * @throws IllegalArgumentException if {@code region} is not one of {@link #regions()} or has no running reader
     */
    public PgNode switchoverTo(String region) {
        names.requireOpen();
        return postgres.switchover(mostAdvancedReader("switchoverTo", region));
    }

    /**
     * An unplanned regional failover (as {@code failover-global-cluster --allow-data-loss}): SIGKILL to the writer, then
     * promotion of the most advanced running reader in {@code region}, as {@link #failover()}. Writes the new writer
     * had not received are lost, and a reader elsewhere that had received them cannot follow it (see
     * {@link PostgresCluster#promote}).
     *
     * @return the new writer
     * @throws IllegalArgumentException if {@code region} is not one of {@link #regions()} or has no running reader
     */
    public PgNode failoverTo(String region) {
        names.requireOpen();
        return names.failover(mostAdvancedReader("failoverTo", region));
    }

    private PgNode mostAdvancedReader(String operation, String region) {
        requireRegion(operation, region);
        if (postgres.replicas().stream().noneMatch(n -> n.isRunning() && region(n).equals(region))) {
            throw new IllegalArgumentException(operation + " region " + region + " has no running reader: "
                    + postgres.replicas().stream().map(n -> instanceId(n) + "@" + region(n) + (n.isRunning() ? "" : "(down)")).toList());
        }
        return postgres.mostAdvancedReplica(n -> region(n).equals(region));
    }

    private void requireRegion(String operation, String region) {
        if (!regions().contains(region)) {
            throw new IllegalArgumentException(operation + " region must be one of " + regions() + ": was '" + region + "'");
        }
    }

    private boolean global() {
        return regions().size() > 1;
    }

    // ------------------------------------------------------------------------------------------------ control plane

    private void boot(Duration timeout) {
        PgNode writer = postgres.primary();
        for (String db : databases) {
            postgres.execute(writer, db, AuroraCatalog.INSTALL);
            if (global()) {
                postgres.execute(writer, db, AuroraCatalog.INSTALL_GLOBAL);
            }
            for (PgNode n : postgres.nodes()) {
                postgres.execute(writer, db, register(n, n == writer));
            }
        }
        refresh(); // the rows have positions and lags from the start, not only after the first interval
        postgres.awaitReplicated(timeout); // every reader has the functions and rows before start() returns
        names.publish(writer);
        postgres.listener(new ControlPlane());
        long period = statusInterval.toMillis();
        names.scheduler().scheduleWithFixedDelay(this::refresh, period, period, TimeUnit.MILLISECONDS);
        LOG.info("Aurora emulation {} ({}): {} on port {}, names in {}", clusterId(), regions(),
                postgres.nodes().stream().map(n -> instanceId(n) + "@" + region(n) + "=" + n.host()).toList(), port(), hostsFile());
    }

    /** Every status interval: the writer refreshes the rows of itself and of the streaming readers. */
    private void refresh() {
        PgNode w = postgres.primary();
        if (names.isClosed() || !w.isRunning()) {
            return; // a dead writer refreshes nothing: every row goes stale until a promotion
        }
        String sql = AuroraCatalog.refresh(cpuPercent());
        for (String db : databases) {
            try {
                postgres.execute(w, db, sql);
            } catch (RuntimeException e) {
                LOG.debug("status refresh on {} ({}) failed: {}", w.name(), db, e.toString());
            }
        }
    }

    /** Each running server's CPU use since the previous refresh, in percent of the machine's cores. */
    private Map<String, Double> cpuPercent() {
        Map<String, Double> out = new java.util.LinkedHashMap<>();
        int cores = Runtime.getRuntime().availableProcessors();
        List<PgNode> nodes = postgres.nodes();
        cpuSamples.keySet().retainAll(nodes);
        for (PgNode n : nodes) {
            long pid = n.pid().orElse(-1);
            long ticks = pid < 0 ? -1 : ProcessCpu.ticks(pid);
            long now = System.nanoTime();
            long[] prev = cpuSamples.get(n);
            if (ticks < 0) {
                cpuSamples.remove(n);
                continue;
            }
            cpuSamples.put(n, new long[] {ticks, now});
            if (prev != null && ticks >= prev[0] && now > prev[1]) {
                double seconds = (now - prev[1]) / 1e9;
                double pct = 100.0 * (ticks - prev[0]) / ProcessCpu.TICKS_PER_SECOND / seconds / cores;
                out.put(instanceId(n), Math.min(100.0, pct));
            }
        }
        return out;
    }

    /** Keeps the status rows and the names in step with the underlying cluster; runs under its lock. */
    private final class ControlPlane implements PostgresCluster.TopologyListener {
        @Override
        public void promoted(PgNode newWriter, PgNode oldWriter) {
            for (String db : databases) {
                postgres.execute(newWriter, db, AuroraCatalog.promote(instanceId(newWriter)));
            }
            names.promoted(newWriter);
            LOG.info("Aurora {}: {} is the writer ({} was); cluster endpoint on {}", clusterId(), instanceId(newWriter),
                    instanceId(oldWriter), clusterEndpointTarget().map(AuroraPostgresCluster.this::instanceId).orElse("-"));
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
                    postgres.execute(w, db, AuroraCatalog.delete(instanceId(node)));
                }
            }
            names.nodesChanged();
        }
    }

    /** The JDK's positive DNS cache TTL as it computes it (security property, else sun.net.inetaddr.ttl, else 30 s). */
    static int cacheTtlSeconds() {
        return RdsNames.cacheTtlSeconds();
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private String register(PgNode n, boolean writer) {
        return AuroraCatalog.register(clusterId(), instanceId(n), PostgresCluster.applicationName(n), region(n), writer);
    }

    private static String instanceId(int nodeIndex) {
        return "instance-" + (nodeIndex + 1);
    }

    // ------------------------------------------------------------------------------------------------ builder

    /**
     * Aurora settings on top of a {@link PostgresCluster.Builder} (which keeps replicas, database, user, timeouts, ...);
     * made by {@link PostgresCluster.Builder#aurora(String, String)}.
     *
     * <pre>{@code
     * AuroraPostgresCluster aurora = PostgresCluster.builder().replicas(2).aurora("cluster-xyz", "us-east-1")
     *         .clusterEndpointMovesAfter(Duration.ofSeconds(2)) // DNS lags the failover by 2 s
     *         .start();
     * }</pre>
     */
    public static final class Builder {
        private final PostgresCluster.Builder postgres;
        private final RdsNames.Settings settings;
        private Duration statusInterval = Duration.ofSeconds(1);

        Builder(PostgresCluster.Builder postgres, String clusterId, String region) {
            this.settings = new RdsNames.Settings("Aurora", clusterId, region, 63);
            this.postgres = postgres;
        }

        /**
         * The account/region part of the names ({@code instance-1.<dnsId>.<region>.rds.amazonaws.com}); letters and
         * digits only (see the class comment). Default: the cluster id without its hyphens.
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
         * Makes this an Aurora Global Database: {@code instances} instances of the cluster are in {@code region}, the
         * last ones by creation index (after those of earlier calls' regions); the writer and the other instances stay
         * in the primary region, which keeps at least one. Their names are under {@code region}
         * ({@code instance-N.<dnsId>.<region>.rds.amazonaws.com}), and the global functions are installed.
         *
         * <pre>{@code
         * // instance-1, instance-2 in us-east-1 (instance-1 the writer); instance-3, instance-4 in us-west-2
         * PostgresCluster.builder().replicas(3).aurora("orders", "us-east-1").secondaryRegion("us-west-2", 2).start();
         * }</pre>
         */
        public Builder secondaryRegion(String region, int instances) {
            settings.secondaryRegion(region, instances, postgres.replicas + 1);
            return this;
        }

        /** How often the control plane refreshes the status rows of live instances (default 1 s; at least 10 ms). */
        public Builder statusInterval(Duration interval) {
            if (interval == null || interval.toMillis() < 10) {
                throw new IllegalArgumentException("statusInterval must be >= 10ms: was " + interval);
            }
            this.statusInterval = interval;
            return this;
        }

        String domain() {
            return settings.domain();
        }

        /** The region of the node with this creation index, as the cluster would start now. */
        String regionOf(int nodeIndex) {
            return settings.regionOf(nodeIndex, postgres.replicas + 1);
        }

        /** Starts the PostgreSQL cluster, installs the Aurora functions, writes the names; returns when all is ready. */
        public AuroraPostgresCluster start() {
            RdsNames names = RdsNames.start(postgres, settings, AuroraPostgresCluster::instanceId,
                    index -> Map.of(AuroraCatalog.INSTANCE_ID_SETTING, instanceId(index)),
                    Map.of(AuroraCatalog.RDS_EXTENSIONS_SETTING, AuroraCatalog.RDS_EXTENSIONS));
            AuroraPostgresCluster aurora = new AuroraPostgresCluster(this, names);
            OpenClusters.register(aurora);
            try {
                aurora.boot(postgres.startupTimeoutValue());
                return aurora;
            } catch (RuntimeException | Error e) {
                aurora.close();
                throw e;
            }
        }
    }
}
