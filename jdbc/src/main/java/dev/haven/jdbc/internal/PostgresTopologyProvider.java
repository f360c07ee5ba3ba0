package dev.haven.jdbc.internal;

import dev.haven.Endpoint;
import dev.haven.Position;
import dev.haven.Role;
import dev.haven.spi.Probe;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * Topology of PostgreSQL streaming replication, from one cheap query per endpoint on a dedicated probe
 * connection (not from the application's pools, so an exhausted pool cannot hide a live server):
 *
 * <ul>
 *   <li>role: {@code pg_is_in_recovery()};</li>
 *   <li>epoch: the writer's timeline, read from its current WAL file name, so that an old primary that
 *       comes back after a promotion (older timeline) is never trusted as writer;</li>
 *   <li>position: the writer's WAL insert LSN, or the replica's replayed LSN, as bytes. The insert LSN covers every
 *       commit the writer has acknowledged, also with {@code synchronous_commit = off}, where a commit is acknowledged
 *       before its WAL is flushed (and a replica receives only flushed WAL): judged against the flushed LSN, a replica
 *       counted as fresh while commits acknowledged up to {@code wal_writer_delay} earlier were missing on it
 *       ({@code AsyncCommitLagBoundIT}). It also covers WAL of transactions not yet committed, which makes a replica
 *       look slightly staler than it is: the safe side. It is read as an end-of-record position (without the page
 *       header PostgreSQL adds when the insert position is at the start of a page), which a caught-up replica
 *       reaches;</li>
 *   <li>discovery: replicas whose {@code application_name} in {@code primary_conninfo} is their own
 *       {@code host:port} (a convention, see the README) are found from the writer's
 *       {@code pg_stat_replication} (needs {@code pg_monitor} for a non-superuser).</li>
 * </ul>
 */
public final class PostgresTopologyProvider extends SqlProbes {

    /**
     * The writer's WAL insert position as an end-of-record position: at the start of a page PostgreSQL reports it past
     * the page header (24 bytes; 40 at the start of a segment), which no replica ever replays to. Unadjusted, an idle
     * writer whose WAL ended on a page boundary made every replica look stale for as long as it stayed idle
     * (DiscoveryIT on a busy machine: no read reached the added replica in 10 s).
     */
    static final String INSERT_POSITION = "(SELECT CASE WHEN w.i % w.seg = 40 THEN w.i - 40 WHEN w.i % w.bs = 24 THEN w.i - 24"
            + " ELSE w.i END FROM (SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn AS i,"
            + " pg_size_bytes(current_setting('wal_segment_size')) AS seg,"
            + " current_setting('wal_block_size')::numeric AS bs) w)";

    /** The writer's timeline, from its current WAL file name. */
    static final String TIMELINE = "('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::bigint";

    /**
     * Where a write just committed on this connection landed, for a session ({@code HavenSession.Mark}): the insert
     * position covers the commit (also with {@code synchronous_commit = off}) and the timeline names its lineage.
     */
    static final String WRITE_MARK_SQL = "SELECT " + INSERT_POSITION + ", " + TIMELINE;

    /** Replicas that name themselves {@code host:port} in {@code application_name}, from the writer's view. */
    static final String STREAMING_DISCOVERY = "CASE WHEN pg_is_in_recovery() THEN NULL"
            + "      ELSE (SELECT string_agg(application_name, ',') FROM pg_stat_replication"
            + "            WHERE application_name ~ '^[A-Za-z0-9._\\-]+:[0-9]+$') END";

    /** Every instance of an RDS Multi-AZ DB cluster, as RDS reports it on any of them. */
    static final String RDS_MULTI_AZ_DISCOVERY =
            "(SELECT string_agg(t.endpoint || ':' || t.port, ',') FROM rds_tools.show_topology('haven') t)";

    static final String PROBE_SQL = probeSql(STREAMING_DISCOVERY);

    static String probeSql(String discovery) {
        return "SELECT pg_is_in_recovery(),"
                + " CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() - '0/0'::pg_lsn ELSE " + INSERT_POSITION + " END,"
                + " CASE WHEN pg_is_in_recovery() THEN 0 ELSE " + TIMELINE + " END, " + discovery;
    }

    /** Timelines only grow: an old primary back on its old timeline is never trusted again. */
    @Override
    public boolean monotonicEpochs() {
        return true;
    }

    private final String probeSql;
    private final boolean completeTopology;

    /** PostgreSQL streaming replication. */
    public PostgresTopologyProvider(JdbcUrl url, ConnectionCredentials credentials, Executor abortExecutor) {
        this(url, credentials, abortExecutor, false);
    }

    /**
     * @param rdsMultiAz an RDS Multi-AZ DB cluster: the instances come from {@code rds_tools.show_topology()}, which
     *                   every instance answers with the whole cluster, so an endpoint it does not list (the cluster or
     *                   reader endpoint) is only a way in: it reports the instances and is never routed to
     */
    public PostgresTopologyProvider(JdbcUrl url, ConnectionCredentials credentials, Executor abortExecutor, boolean rdsMultiAz) {
        super(url, credentials, abortExecutor);
        this.probeSql = rdsMultiAz ? probeSql(RDS_MULTI_AZ_DISCOVERY) : PROBE_SQL;
        this.completeTopology = rdsMultiAz;
    }

    @Override
    String probeSql() {
        return probeSql;
    }

    @Override
    Probe read(Endpoint endpoint, ResultSet rs, long roundTrip) throws SQLException {
        boolean recovery = rs.getBoolean(1);
        long lsn = rs.getLong(2);
        Position position = rs.wasNull() ? null : Position.offset(lsn);
        long timeline = rs.getLong(3);
        String apps = rs.getString(4);
        List<Endpoint> discovered = new ArrayList<>();
        if (apps != null && !apps.isEmpty()) {
            for (String app : apps.split(",")) {
                int colon = app.lastIndexOf(':');
                try {
                    discovered.add(Endpoint.of(app.substring(0, colon), Integer.parseInt(app.substring(colon + 1))));
                } catch (RuntimeException ignored) {
                    // an application_name that merely looks like host:port
                }
            }
        }
        if (completeTopology && !discovered.isEmpty()
                && discovered.stream().noneMatch(d -> d.id().equalsIgnoreCase(endpoint.id()))) {
            return new Probe(Role.UNKNOWN, 0, null, discovered, roundTrip); // a way in, never a target
        }
        return new Probe(recovery ? Role.READER : Role.WRITER, timeline, position, discovered, roundTrip);
    }
}
