package dev.haven.jdbc.internal;

import dev.haven.Endpoint;
import dev.haven.Position;
import dev.haven.Role;
import dev.haven.spi.Probe;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Topology of MySQL or MariaDB replication (self-managed, RDS MySQL/MariaDB with read replicas), from a few cheap
 * statements per endpoint on its probe connection:
 *
 * <ul>
 *   <li>role: a server that replicates ({@code SHOW REPLICA STATUS} has a row whose IO or SQL thread runs) or refuses
 *       writes ({@code @@read_only}, MySQL's {@code @@super_read_only}, {@code @@innodb_read_only}) is a reader; a
 *       writable server that does not replicate is the writer. A writable server that still replicates (a replica
 *       someone forgot to make read-only, one side of a circular set-up) is never written to;</li>
 *   <li>discovery: the writer's replicas from {@code SHOW SLAVE HOSTS} (MariaDB) or {@code SHOW REPLICAS} (MySQL
 *       8.0.22+, {@code SHOW SLAVE HOSTS} before), which list a replica at its {@code report_host}:{@code report_port}
 *       (replicas without {@code report_host} are not listed: give them in the URL). A replica's
 *       {@code Master_Host}/{@code Source_Host} is not added: it is the address replication uses, which need not be
 *       the one clients use (a private network, a proxy);</li>
 *   <li>position: the executed GTIDs (MariaDB: the writer's {@code @@gtid_binlog_pos}, a replica's
 *       {@code @@gtid_slave_pos}, a read-only server that does not replicate its {@code @@gtid_current_pos}; MySQL:
 *       {@code @@gtid_executed}) as a {@link Position}, so lag is Haven's own measure (the writer's GTID history against
 *       what the replica executed, not {@code Seconds_Behind_Master}) and a SESSION read goes where the session's last
 *       GTID was executed ({@link #writePosition});</li>
 *   <li>no epoch: MySQL has no timeline; a writer must be made read-only before another is promoted (what RDS,
 *       Orchestrator and the testkit do).</li>
 * </ul>
 *
 * <p>Privileges: {@code REPLICATION CLIENT} (MariaDB 10.5.9+: {@code SLAVE MONITOR}) for {@code SHOW REPLICA STATUS},
 * {@code REPLICATION SLAVE} (MariaDB: {@code REPLICATION MASTER ADMIN}) for the replica list. Without them the role
 * comes from the read-only variables alone and replicas must be listed in the URL (logged once).
 */
public final class MySqlTopologyProvider extends SqlProbes {

    private static final Logger log = LoggerFactory.getLogger(MySqlTopologyProvider.class);

    static final String MARIADB_SQL = "SELECT @@read_only, @@innodb_read_only, 0, @@gtid_binlog_pos, @@gtid_slave_pos,"
            + " @@gtid_current_pos, 'ON'";
    /**
     * With {@code gtid_mode} other than {@code ON} MySQL's executed set does not grow with every write: an empty set on
     * the writer and on a lagging replica would look equal, so positions are then unknown (no replica reads with a
     * bound or SESSION; they go to the writer or fail per {@code read-fallback}).
     */
    static final String MYSQL_SQL = "SELECT @@read_only, @@innodb_read_only, @@super_read_only, @@gtid_executed,"
            + " @@gtid_executed, @@gtid_executed, @@gtid_mode";

    /**
     * Where a session's committed writes landed, asked on any connection to the writer after they were acknowledged
     * (the session's marks are learnt lazily, when needed): the writer's whole position, MariaDB's
     * {@code @@gtid_binlog_pos} and MySQL's {@code @@gtid_executed}, covers them (and whatever else the writer committed
     * by then: the safe side).
     */
    static final String MARIADB_WRITE_MARK_SQL = "SELECT @@gtid_binlog_pos";
    static final String MYSQL_WRITE_MARK_SQL = "SELECT @@gtid_executed";

    /** MySQL/MariaDB: a statement this server does not know (an older version). */
    private static final int ER_PARSE_ERROR = 1064;
    /** MySQL/MariaDB: access denied for the statement (a missing privilege). */
    private static final int ER_SPECIFIC_ACCESS_DENIED = 1227;
    private static final int ER_ACCESS_DENIED = 1045;

    private final boolean mariaDb;
    private final String cluster;
    private volatile String replicaStatusSql = "SHOW REPLICA STATUS";
    private volatile String replicaListSql;
    private volatile boolean replicaStatusDenied;
    private volatile boolean replicaListDenied;
    private final Map<String, String> lastGtids = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * @param mariaDb a MariaDB server (its GTID variables; no {@code super_read_only}) rather than MySQL
     */
    public MySqlTopologyProvider(JdbcUrl url, ConnectionCredentials credentials, Executor abortExecutor, boolean mariaDb,
            String cluster) {
        super(url, credentials, abortExecutor);
        this.mariaDb = mariaDb;
        this.cluster = cluster;
        this.replicaListSql = mariaDb ? "SHOW SLAVE HOSTS" : "SHOW REPLICAS";
    }

    @Override
    String probeSql() {
        return mariaDb ? MARIADB_SQL : MYSQL_SQL;
    }

    @Override
    Probe ask(Endpoint endpoint, Statement st) throws SQLException {
        long start = System.nanoTime();
        boolean readOnly;
        String writerGtids;
        String replicaGtids;
        String currentGtids;
        boolean gtidsOn;
        long roundTrip;
        try (ResultSet rs = st.executeQuery(probeSql())) {
            roundTrip = System.nanoTime() - start;
            rs.next();
            readOnly = rs.getBoolean(1) || rs.getBoolean(2) || rs.getBoolean(3);
            writerGtids = rs.getString(4);
            replicaGtids = rs.getString(5);
            currentGtids = rs.getString(6);
            gtidsOn = "ON".equalsIgnoreCase(rs.getString(7));
        }
        ReplicaStatus status = replicaStatus(st);
        boolean reader = readOnly || status.replicating();
        // A writer's position is what it wrote; a replica's what its SQL thread executed; a read-only server that does
        // not replicate (a demoted writer) holds what it wrote and what it once replicated (MariaDB's current pos).
        String gtids = nullToEmpty(!reader ? writerGtids : status.replicating() ? replicaGtids : currentGtids);
        lastGtids.put(endpoint.id(), gtids);
        List<Endpoint> discovered = reader ? List.of() : replicas(st);
        return new Probe(reader ? Role.READER : Role.WRITER, 0, gtidsOn ? position(gtids) : null, discovered, roundTrip);
    }

    /** {@code gtids} as this server kind's position, or {@code null} (unknown) when the server wrote something else. */
    Position position(String gtids) {
        try {
            return mariaDb ? Position.mariaDbGtid(gtids) : Position.mySqlGtidSet(gtids);
        } catch (IllegalArgumentException e) {
            log.debug("Haven {}: GTIDs not understood, position unknown: {}", cluster, e.getMessage());
            return null;
        }
    }

    /**
     * Where the writes a session committed before now landed, asked on {@code c} (any connection to the writer);
     * unreachable (the session then reads from the writer) when it cannot be read.
     */
    Position writePosition(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(mariaDb ? MARIADB_WRITE_MARK_SQL : MYSQL_WRITE_MARK_SQL)) {
            rs.next();
            Position p = position(nullToEmpty(rs.getString(1)));
            return p == null ? Position.UNREACHABLE : p;
        }
    }

    @Override
    Probe read(Endpoint endpoint, ResultSet rs, long roundTripNanos) {
        throw new UnsupportedOperationException("asked by ask()");
    }

    /** The executed GTIDs each endpoint last reported, as the server wrote them ({@code 0-1-42}, {@code uuid:1-5}). */
    public String lastGtids(Endpoint endpoint) {
        return lastGtids.get(endpoint.id());
    }

    /** Whether the server replicates: a row of {@code SHOW REPLICA STATUS} with its IO or SQL thread running. */
    record ReplicaStatus(boolean replicating) {
    }

    private ReplicaStatus replicaStatus(Statement st) throws SQLException {
        if (replicaStatusDenied) {
            return new ReplicaStatus(false);
        }
        try (ResultSet rs = st.executeQuery(replicaStatusSql)) {
            Map<String, Integer> cols = columns(rs.getMetaData());
            boolean replicating = false;
            while (rs.next()) {
                String io = text(rs, cols, "replica_io_running", "slave_io_running");
                String sql = text(rs, cols, "replica_sql_running", "slave_sql_running");
                replicating |= running(io) || running(sql);
            }
            return new ReplicaStatus(replicating);
        } catch (SQLException e) {
            if (e.getErrorCode() == ER_PARSE_ERROR && replicaStatusSql.startsWith("SHOW REPLICA")) {
                replicaStatusSql = "SHOW SLAVE STATUS"; // MySQL before 8.0.22, MariaDB before 10.5.1
                return replicaStatus(st);
            }
            if (denied(e)) {
                replicaStatusDenied = true;
                log.warn("Haven {}: {} was refused ({}); roles come from the read-only variables alone (grant REPLICATION "
                        + "CLIENT or SLAVE MONITOR)", cluster, replicaStatusSql, e.getMessage());
                return new ReplicaStatus(false);
            }
            throw e;
        }
    }

    private List<Endpoint> replicas(Statement st) throws SQLException {
        if (replicaListDenied) {
            return List.of();
        }
        try (ResultSet rs = st.executeQuery(replicaListSql)) {
            return replicaRows(rs);
        } catch (SQLException e) {
            if (e.getErrorCode() == ER_PARSE_ERROR && replicaListSql.equals("SHOW REPLICAS")) {
                replicaListSql = "SHOW SLAVE HOSTS"; // MySQL before 8.0.22
                return replicas(st);
            }
            if (denied(e)) {
                replicaListDenied = true;
                log.warn("Haven {}: {} was refused ({}); replicas are not discovered, list them in haven.jdbc.url (grant "
                        + "REPLICATION SLAVE or REPLICATION MASTER ADMIN)", cluster, replicaListSql, e.getMessage());
                return List.of();
            }
            throw e;
        }
    }

    /** The replicas a writer lists: {@code Host}/{@code Port} of {@code SHOW SLAVE HOSTS}/{@code SHOW REPLICAS}. */
    static List<Endpoint> replicaRows(ResultSet rs) throws SQLException {
        Map<String, Integer> cols = columns(rs.getMetaData());
        List<Endpoint> out = new ArrayList<>();
        while (rs.next()) {
            String host = text(rs, cols, "host");
            String port = text(rs, cols, "port");
            if (host == null || host.isBlank() || port == null) {
                continue; // a replica without report_host
            }
            try {
                int p = Integer.parseInt(port.trim());
                if (p > 0 && p < 65536) {
                    out.add(Endpoint.of(host.trim(), p));
                }
            } catch (NumberFormatException ignored) {
                // not a port
            }
        }
        return out;
    }

    private static boolean running(String threadState) {
        // "Yes"; "Connecting" is an IO thread that retries: still a replica of someone
        return threadState != null && (threadState.equalsIgnoreCase("Yes") || threadState.equalsIgnoreCase("Connecting"));
    }

    private static boolean denied(SQLException e) {
        return e.getErrorCode() == ER_SPECIFIC_ACCESS_DENIED || e.getErrorCode() == ER_ACCESS_DENIED;
    }

    private static Map<String, Integer> columns(ResultSetMetaData md) throws SQLException {
        Map<String, Integer> m = new HashMap<>();
        for (int i = 1; i <= md.getColumnCount(); i++) {
            m.putIfAbsent(md.getColumnLabel(i).toLowerCase(Locale.ROOT), i);
        }
        return m;
    }

    private static String text(ResultSet rs, Map<String, Integer> cols, String... names) throws SQLException {
        for (String n : names) {
            Integer i = cols.get(n);
            if (i != null) {
                return rs.getString(i);
            }
        }
        return null;
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
