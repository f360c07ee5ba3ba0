package dev.haven.testkit.internal;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * The SQL side of the Aurora PostgreSQL emulation: what is installed in each database, and the statements by which
 * the testkit plays Aurora's control plane.
 *
 * <h2>Design</h2>
 * The topology lives in one table, {@code haven_aurora.instances}, written only on the writer (so it replicates to
 * every reader, as Aurora's shared status does): one row per instance with its id, its session id
 * ({@value #MASTER_SESSION_ID} for the writer, a fixed UUID per reader), the standby's {@code application_name}
 * (how the writer's {@code pg_stat_replication} names it), its {@code aws_region} and the figures of the last refresh. The testkit refreshes
 * the rows of live instances every status interval ({@link #REFRESH}) and rewrites the session ids at promotion
 * ({@link #promote}). A dead instance is simply not refreshed: its row goes stale, as on Aurora.
 *
 * <p>{@code pg_catalog.aurora_replica_status()} reads that table and overlays what the node it runs on knows first
 * hand: on the writer, every streaming reader's {@code pg_stat_replication} (replay lag, LSNs, last reply); on a
 * reader, its own receive/replay LSNs and, while it is behind (replay paused, or received WAL not yet replayed), a
 * lag of at least {@code now() - pg_last_xact_replay_timestamp()}. As on Aurora PostgreSQL 13.9 and later, the row
 * of the instance the session is connected to has a NULL {@code last_update_timestamp}. {@code cpu} is the server's
 * CPU use over the last interval (postmaster and children, in % of the machine's cores), measured by the testkit from
 * /proc. The columns are those of Aurora's function, in its order; the ones not emulated are NULL.
 *
 * <p>An Aurora Global Database also gets {@link #INSTALL_GLOBAL}.
 *
 * <p>{@code pg_catalog.aurora_db_instance_identifier()} returns the node's setting {@value #INSTANCE_ID_SETTING},
 * which the testkit passes to each server on its command line. {@code rds.extensions} lists
 * {@code aurora_stat_utils}, which is how the AWS Advanced JDBC Wrapper recognises Aurora PostgreSQL.
 */
public final class AuroraCatalog {

    public static final String MASTER_SESSION_ID = "MASTER_SESSION_ID";
    public static final String INSTANCE_ID_SETTING = "haven_aurora.instance_id";
    public static final String RDS_EXTENSIONS_SETTING = RdsExtensionsView.SETTING;
    public static final String RDS_EXTENSIONS = "aurora_stat_utils";

    private AuroraCatalog() {
    }

    /** Schema, table and the two functions; idempotent. Run as superuser in every database clients use. */
    public static final String INSTALL = String.join("\n",
            "CREATE SCHEMA IF NOT EXISTS haven_aurora;",
            "REVOKE ALL ON SCHEMA haven_aurora FROM PUBLIC;",
            "CREATE TABLE IF NOT EXISTS haven_aurora.instances (",
            "  server_id text PRIMARY KEY,",
            "  session_id text NOT NULL,",
            "  reader_session_id text NOT NULL,",
            "  application_name text NOT NULL,",
            "  aws_region text NOT NULL,",
            "  last_update_timestamp timestamptz,",
            "  replica_lag_in_msec double precision,",
            "  durable_lsn numeric,",
            "  highest_lsn_rcvd numeric,",
            "  current_read_lsn numeric,",
            "  cpu double precision);",
            "CREATE OR REPLACE FUNCTION pg_catalog.aurora_db_instance_identifier() RETURNS text",
            "  LANGUAGE sql STABLE AS $f$ SELECT pg_catalog.current_setting('" + INSTANCE_ID_SETTING + "') $f$;",
            "CREATE OR REPLACE FUNCTION pg_catalog.aurora_replica_status()",
            "  RETURNS TABLE (server_id text, session_id text, durable_lsn numeric, highest_lsn_rcvd numeric,",
            "    current_read_lsn numeric, cur_replay_latency_in_usec bigint, active_txns bigint, is_current boolean,",
            "    last_transport_error integer, last_error_timestamp timestamptz, last_update_timestamp timestamptz,",
            "    feedback_xmin bigint, feedback_epoch integer, replica_lag_in_msec double precision,",
            "    log_stream_speed_in_kib_per_second double precision, log_buffer_sequence_number bigint,",
            "    oldest_read_view_trx_id bigint, oldest_read_view_lsn numeric, pending_read_ios bigint, read_ios bigint,",
            "    iops double precision, cpu double precision)",
            // SECURITY DEFINER: pg_stat_replication shows lag and LSNs only to privileged roles; the table is private
            "  LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $f$",
            "  WITH me AS (",
            "    SELECT current_setting('" + INSTANCE_ID_SETTING + "', true) AS id, pg_is_in_recovery() AS standby),",
            "  s AS (",
            "    SELECT i.server_id, i.session_id, i.server_id = me.id AS self, me.standby,",
            "      i.last_update_timestamp AS stored_update, i.replica_lag_in_msec AS stored_lag,",
            "      i.durable_lsn AS stored_durable, i.highest_lsn_rcvd AS stored_rcvd, i.current_read_lsn AS stored_read,",
            "      i.cpu AS stored_cpu,",
            "      r.pid IS NOT NULL AS streaming, r.flush_lsn, r.replay_lsn, r.replay_lag, r.reply_time",
            "    FROM haven_aurora.instances i CROSS JOIN me",
            "    LEFT JOIN pg_stat_replication r ON r.application_name = i.application_name AND r.state = 'streaming')",
            "  SELECT server_id, session_id,",
            "    CASE WHEN self AND NOT standby THEN pg_current_wal_flush_lsn() - '0/0'",
            "         WHEN self THEN pg_last_wal_replay_lsn() - '0/0'",
            "         WHEN streaming THEN replay_lsn - '0/0' ELSE stored_durable END,",
            "    CASE WHEN self AND NOT standby THEN pg_current_wal_flush_lsn() - '0/0'",
            "         WHEN self THEN pg_last_wal_receive_lsn() - '0/0'",
            "         WHEN streaming THEN flush_lsn - '0/0' ELSE stored_rcvd END,",
            "    CASE WHEN self AND NOT standby THEN pg_current_wal_flush_lsn() - '0/0'",
            "         WHEN self THEN pg_last_wal_replay_lsn() - '0/0'",
            "         WHEN streaming THEN replay_lsn - '0/0' ELSE stored_read END,",
            "    NULL::bigint, NULL::bigint, NULL::boolean, NULL::integer, NULL::timestamptz,",
            // never after the statement's now(): a client computing now() - last_update_timestamp gets an age >= 0
            "    CASE WHEN self THEN NULL WHEN streaming THEN least(greatest(stored_update, reply_time), now())",
            "         ELSE least(stored_update, now()) END,",
            "    NULL::bigint, NULL::integer,",
            "    CASE WHEN session_id = '" + MASTER_SESSION_ID + "' THEN 0::float8",
            "         WHEN self AND standby THEN",
            "           CASE WHEN pg_is_wal_replay_paused() OR pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn()",
            "                THEN greatest(coalesce(stored_lag, 0),",
            "                  (extract(epoch FROM now() - pg_last_xact_replay_timestamp()) * 1000)::float8)",
            "                ELSE coalesce(stored_lag, 0) END",
            "         WHEN streaming THEN coalesce((extract(epoch FROM replay_lag) * 1000)::float8, 0)",
            "         ELSE stored_lag END,",
            "    NULL::float8, NULL::bigint, NULL::bigint, NULL::numeric, NULL::bigint, NULL::bigint, NULL::float8,",
            "    stored_cpu",
            "  FROM s ORDER BY 11 NULLS LAST",
            "  $f$;",
            "REVOKE ALL ON TABLE haven_aurora.instances FROM PUBLIC;",
            RdsExtensionsView.INSTALL);

    /**
     * The two functions of an Aurora Global Database, installed after {@link #INSTALL} only in a global emulation (a
     * client tells a global database from a regional one by their presence). Both derive from
     * {@code aurora_replica_status()} on the node they run on, so a reader's own lag is computed as there, joined with
     * each instance's {@code aws_region}:
     * <ul>
     *   <li>{@code aurora_global_db_instance_status()}: one row per instance; {@code visibility_lag_in_msec} is NULL for
     *       the writer ({@value #MASTER_SESSION_ID}) and {@code replica_lag_in_msec} for a reader;</li>
     *   <li>{@code aurora_global_db_status()}: one row per region, the writer's first; as on Aurora the writer's region
     *       shows lags of -1 and a {@code last_lag_calculation_time} of 1970-01-01, another region the highest LSN its
     *       instances received and the largest lag among them (durability and RPO lag alike), calculated now.</li>
     * </ul>
     * {@code feedback_epoch}, {@code feedback_xmin} and {@code oldest_read_view_lsn} are not emulated (NULL).
     */
    public static final String INSTALL_GLOBAL = String.join("\n",
            "CREATE OR REPLACE FUNCTION pg_catalog.aurora_global_db_instance_status()",
            "  RETURNS TABLE (server_id text, session_id text, aws_region text, durable_lsn numeric, highest_lsn_rcvd numeric,",
            "    feedback_epoch integer, feedback_xmin bigint, oldest_read_view_lsn numeric,",
            "    visibility_lag_in_msec double precision)",
            // SECURITY DEFINER: the table is private
            "  LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $f$",
            "  SELECT s.server_id, s.session_id, i.aws_region, s.durable_lsn, s.highest_lsn_rcvd, NULL::integer, NULL::bigint,",
            "    NULL::numeric, CASE WHEN s.session_id = '" + MASTER_SESSION_ID + "' THEN NULL ELSE s.replica_lag_in_msec END",
            "  FROM pg_catalog.aurora_replica_status() s JOIN haven_aurora.instances i ON i.server_id = s.server_id",
            "  ORDER BY s.session_id <> '" + MASTER_SESSION_ID + "', i.aws_region, s.server_id",
            "  $f$;",
            "CREATE OR REPLACE FUNCTION pg_catalog.aurora_global_db_status()",
            "  RETURNS TABLE (aws_region text, highest_lsn_written numeric, durability_lag_in_msec double precision,",
            "    rpo_lag_in_msec double precision, last_lag_calculation_time timestamptz, feedback_epoch integer,",
            "    feedback_xmin bigint)",
            "  LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $f$",
            "  WITH r AS (",
            "    SELECT g.aws_region, bool_or(g.session_id = '" + MASTER_SESSION_ID + "') AS home,",
            "      max(g.highest_lsn_rcvd) AS highest, max(g.visibility_lag_in_msec) AS lag",
            "    FROM pg_catalog.aurora_global_db_instance_status() g GROUP BY g.aws_region)",
            "  SELECT aws_region, highest,",
            "    CASE WHEN home THEN -1 ELSE coalesce(lag, 0) END, CASE WHEN home THEN -1 ELSE coalesce(lag, 0) END,",
            "    CASE WHEN home THEN 'epoch'::timestamptz ELSE clock_timestamp() END, NULL::integer, NULL::bigint",
            "  FROM r ORDER BY NOT home, aws_region",
            "  $f$;");

    /**
     * Run on the writer every status interval: the writer's own row (found by its instance id, not by the session
     * id, which a promotion in progress may not have rewritten yet) and the rows of the readers that stream from it
     * get the current time and the writer's view of their lag and positions. Other rows are left as they were.
     */
    public static final String REFRESH = String.join("\n",
            "UPDATE haven_aurora.instances i SET",
            "  last_update_timestamp = now(),",
            "  replica_lag_in_msec = CASE WHEN x.self THEN 0",
            "    ELSE coalesce((extract(epoch FROM x.replay_lag) * 1000)::float8, 0) END,",
            "  durable_lsn = CASE WHEN x.self THEN pg_current_wal_flush_lsn() - '0/0' ELSE x.replay_lsn - '0/0' END,",
            "  highest_lsn_rcvd = CASE WHEN x.self THEN pg_current_wal_flush_lsn() - '0/0' ELSE x.flush_lsn - '0/0' END,",
            "  current_read_lsn = CASE WHEN x.self THEN pg_current_wal_flush_lsn() - '0/0' ELSE x.replay_lsn - '0/0' END",
            "FROM (SELECT i2.server_id AS sid, i2.server_id = current_setting('" + INSTANCE_ID_SETTING + "') AS self,",
            "        r.pid, r.replay_lag, r.replay_lsn, r.flush_lsn",
            "      FROM haven_aurora.instances i2 LEFT JOIN pg_stat_replication r",
            "      ON r.application_name = i2.application_name AND r.state = 'streaming') x",
            "WHERE x.sid = i.server_id AND (x.self OR x.pid IS NOT NULL)");

    /** {@link #REFRESH}, then the CPU use the testkit measured per instance id (percent; may be empty). */
    public static String refresh(java.util.Map<String, Double> cpuPercentById) {
        if (cpuPercentById.isEmpty()) {
            return REFRESH;
        }
        StringBuilder values = new StringBuilder();
        cpuPercentById.forEach((id, pct) -> values.append(values.length() == 0 ? "" : ", ").append('(')
                .append(Quoting.sqlLiteral(id)).append(", ").append(String.format(java.util.Locale.ROOT, "%.3f", pct))
                .append("::float8)"));
        return REFRESH + ";\nUPDATE haven_aurora.instances i SET cpu = v.cpu FROM (VALUES " + values
                + ") v(id, cpu) WHERE i.server_id = v.id";
    }

    /** Registers (or re-registers) an instance of region {@code awsRegion} as a reader, or as the writer. */
    public static String register(String clusterId, String instanceId, String applicationName, String awsRegion, boolean writer) {
        String readerSession = readerSessionId(clusterId, instanceId);
        return "INSERT INTO haven_aurora.instances (server_id, session_id, reader_session_id, application_name, aws_region,"
                + " last_update_timestamp, replica_lag_in_msec) VALUES (" + Quoting.sqlLiteral(instanceId) + ", "
                + Quoting.sqlLiteral(writer ? MASTER_SESSION_ID : readerSession) + ", " + Quoting.sqlLiteral(readerSession)
                + ", " + Quoting.sqlLiteral(applicationName) + ", " + Quoting.sqlLiteral(awsRegion) + ", now(), 0)"
                + " ON CONFLICT (server_id) DO UPDATE SET session_id = excluded.session_id,"
                + " application_name = excluded.application_name, aws_region = excluded.aws_region";
    }

    /**
     * The control plane's part of a failover: the new writer's row becomes {@value #MASTER_SESSION_ID} (refreshed
     * now), every other row a reader's; the old writer's row keeps its last refresh time and so goes stale.
     */
    public static String promote(String newWriterId) {
        return "UPDATE haven_aurora.instances SET"
                + " session_id = CASE WHEN server_id = " + Quoting.sqlLiteral(newWriterId) + " THEN '" + MASTER_SESSION_ID
                + "' ELSE reader_session_id END,"
                + " last_update_timestamp = CASE WHEN server_id = " + Quoting.sqlLiteral(newWriterId)
                + " THEN now() ELSE last_update_timestamp END,"
                + " replica_lag_in_msec = CASE WHEN server_id = " + Quoting.sqlLiteral(newWriterId)
                + " THEN 0 ELSE replica_lag_in_msec END";
    }

    /** An instance deleted from the cluster leaves the status. */
    public static String delete(String instanceId) {
        return "DELETE FROM haven_aurora.instances WHERE server_id = " + Quoting.sqlLiteral(instanceId);
    }

    /** A reader's session id: a UUID, fixed per cluster and instance (Aurora shows the reader's UUID). */
    public static String readerSessionId(String clusterId, String instanceId) {
        return UUID.nameUUIDFromBytes((clusterId + "/" + instanceId).getBytes(StandardCharsets.UTF_8)).toString();
    }
}
