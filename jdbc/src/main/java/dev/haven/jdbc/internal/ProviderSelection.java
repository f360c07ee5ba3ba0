package dev.haven.jdbc.internal;

import dev.haven.Endpoint;
import dev.haven.jdbc.JdbcProvider;
import dev.haven.spi.Probe;
import dev.haven.spi.TopologyProvider;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code haven.jdbc.provider}: at the first contact with a server, finds out what it is (one query on a short-lived
 * connection) and then probes with the matching provider for good: the one {@code auto} detects (logged), or the one
 * configured, if the server is of that kind. A configured kind the server does not match is a configuration error:
 * every probe fails with a message naming the property, the value and what the server is
 * ({@link #mismatch()}), and nothing is routed on a guess.
 */
public final class ProviderSelection implements TopologyProvider {

    private static final Logger log = LoggerFactory.getLogger(ProviderSelection.class);

    static final String DETECT_SQL = "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_proc p"
            + " JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace"
            + " WHERE n.nspname = 'pg_catalog' AND p.proname = 'aurora_replica_status'),"
            + " EXISTS (SELECT 1 FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace"
            + " WHERE n.nspname = 'rds_tools' AND p.proname = 'show_topology'), pg_catalog.version(),"
            + " EXISTS (SELECT 1 FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace"
            + " WHERE n.nspname = 'pg_catalog' AND p.proname = 'aurora_global_db_status')";

    /**
     * On a MySQL-family URL: the version (MariaDB says so in it), the version comment, and whether the server has
     * Aurora MySQL's status table.
     */
    static final String DETECT_MYSQL_SQL = "SELECT VERSION(), @@version_comment, (SELECT COUNT(*) FROM information_schema.TABLES"
            + " WHERE TABLE_SCHEMA = 'information_schema' AND TABLE_NAME = 'REPLICA_HOST_STATUS')";

    /** Asked only where the function exists: an Aurora cluster is part of a Global Database with two regions or more. */
    static final String GLOBAL_REGIONS_SQL = "SELECT count(*) FROM pg_catalog.aurora_global_db_status()";

    private final String cluster;
    private final JdbcProvider configured;
    private final Map<JdbcProvider, Supplier<SqlProbes>> providers;
    private final SqlProbes detector;
    private volatile SqlProbes chosen;
    private volatile JdbcProvider chosenKind = JdbcProvider.AUTO;
    private volatile String mismatch;

    /**
     * @param providers builds the provider of each kind (one may throw IllegalArgumentException for a missing setting,
     *                  such as Aurora's host pattern: the message then says why that kind cannot be used)
     * @param detector  opens the detection connections (a provider whose probe connections are not used)
     */
    public ProviderSelection(String cluster, JdbcProvider configured, Map<JdbcProvider, Supplier<SqlProbes>> providers,
            SqlProbes detector) {
        this.cluster = cluster;
        this.configured = configured;
        this.providers = Map.copyOf(providers);
        this.detector = detector;
    }

    /** The provider in use, or {@code null} before the first server answered. */
    public TopologyProvider chosen() {
        return chosen;
    }

    /** The kind in use: the configured one, or the one {@code auto} detected; {@code AUTO} before the first contact. */
    public JdbcProvider kind() {
        return chosenKind;
    }

    /**
     * Why the configured provider does not fit the server, or what else the servers' answers showed to be wrong with
     * the configuration (an Aurora Global Database without the home region), or {@code null}.
     */
    public String mismatch() {
        if (mismatch != null) {
            return mismatch;
        }
        SqlProbes p = chosen;
        return p == null ? null : p.configurationError();
    }

    @Override
    public Probe probe(Endpoint endpoint, Duration timeout) throws Exception {
        SqlProbes p = chosen;
        if (p == null) {
            p = choose(endpoint, timeout);
        }
        return p.probe(endpoint, timeout);
    }

    private synchronized SqlProbes choose(Endpoint endpoint, Duration timeout) throws SQLException {
        if (chosen != null) {
            return chosen;
        }
        if (mismatch != null) {
            throw new IllegalStateException(mismatch);
        }
        JdbcProvider kind;
        String server;
        if (detector.url.dialect() != null && detector.url.dialect().mysqlFamily()) {
            try (Connection c = detector.open(endpoint, timeout); Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery(DETECT_MYSQL_SQL)) {
                rs.next();
                kind = mysqlKind(rs.getString(1), rs.getString(2), rs.getLong(3) > 0);
                server = describeMysql(kind, rs.getString(1), rs.getString(2));
            }
            return chose(endpoint, kind, server);
        }
        try (Connection c = detector.open(endpoint, timeout); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(DETECT_SQL)) {
            rs.next();
            String version = shortVersion(rs.getString(3));
            int regions = rs.getBoolean(1) && rs.getBoolean(4) ? globalRegions(c) : 1;
            if (regions > 1) {
                kind = JdbcProvider.AURORA_GLOBAL_POSTGRES;
                server = "an Aurora PostgreSQL Global Database with " + regions + " regions (" + version + ")";
            } else if (rs.getBoolean(1)) {
                kind = JdbcProvider.AURORA_POSTGRES;
                server = "Aurora PostgreSQL (" + version + ")";
            } else if (rs.getBoolean(2)) {
                kind = JdbcProvider.RDS_MULTI_AZ_POSTGRES;
                server = "an RDS Multi-AZ DB cluster instance (" + version + ")";
            } else {
                kind = JdbcProvider.POSTGRES;
                server = "PostgreSQL without aurora_replica_status() or rds_tools.show_topology() (" + version + ")";
            }
        }
        if (configured == JdbcProvider.POSTGRES && kind == JdbcProvider.RDS_MULTI_AZ_POSTGRES) {
            // A Multi-AZ DB cluster is PostgreSQL streaming replication: treated as such when asked, its topology
            // function unused (the cluster endpoint is then an ordinary server name, as a Route 53 record would be).
            kind = JdbcProvider.POSTGRES;
            server += ", treated as PostgreSQL streaming replication";
        }
        return chose(endpoint, kind, server);
    }

    /** What a MySQL-family server is, from {@code VERSION()}, {@code @@version_comment} and Aurora's status table. */
    static JdbcProvider mysqlKind(String version, String comment, boolean auroraTable) {
        if (auroraTable) {
            return JdbcProvider.AURORA_MYSQL;
        }
        String v = (version == null ? "" : version) + " " + (comment == null ? "" : comment);
        return v.toLowerCase(Locale.ROOT).contains("mariadb") ? JdbcProvider.MARIADB : JdbcProvider.MYSQL;
    }

    private static String describeMysql(JdbcProvider kind, String version, String comment) {
        String v = version + (comment == null || comment.isBlank() ? "" : ", " + comment);
        return switch (kind) {
            case AURORA_MYSQL -> "Aurora MySQL (" + v + ")";
            case MARIADB -> "MariaDB without information_schema.replica_host_status (" + v + ")";
            default -> "MySQL without information_schema.replica_host_status (" + v + ")";
        };
    }

    private SqlProbes chose(Endpoint endpoint, JdbcProvider kind, String server) {
        if (configured != JdbcProvider.AUTO && configured != kind) {
            mismatch = "haven.jdbc.provider=" + name(configured) + " does not match the server: " + endpoint.id() + " is "
                    + server + "; use haven.jdbc.provider=" + name(kind) + " or auto";
            log.error("Haven {}: {}", cluster, mismatch);
            throw new IllegalStateException(mismatch);
        }
        try {
            chosen = providers.get(kind).get();
            chosenKind = kind;
        } catch (IllegalArgumentException e) {
            mismatch = e.getMessage() + " (" + endpoint.id() + " is " + server + ")";
            log.error("Haven {}: {}", cluster, mismatch);
            throw new IllegalStateException(mismatch, e);
        }
        log.info("Haven {}: haven.jdbc.provider={}: {} is {}", cluster,
                configured == JdbcProvider.AUTO ? "auto chose " + name(kind) : name(kind), endpoint.id(), server);
        return chosen;
    }

    private static int globalRegions(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(GLOBAL_REGIONS_SQL)) {
            return rs.next() ? rs.getInt(1) : 1;
        }
    }

    private static String name(JdbcProvider p) {
        return p.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private static String shortVersion(String version) {
        if (version == null) {
            return "unknown version";
        }
        int comma = version.indexOf(',');
        return comma < 0 ? version : version.substring(0, comma);
    }

    /** The chosen provider's (PostgreSQL timelines only grow; Aurora has no epoch); asked by the monitor every round. */
    @Override
    public boolean monotonicEpochs() {
        SqlProbes p = chosen;
        return p != null && p.monotonicEpochs();
    }

    @Override
    public void discard(Endpoint endpoint) {
        SqlProbes p = chosen;
        if (p != null) {
            p.discard(endpoint);
        }
    }

    @Override
    public void close() {
        SqlProbes p = chosen;
        if (p != null) {
            p.close();
        }
        detector.close();
    }
}
