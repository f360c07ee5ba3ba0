package dev.haven.testkit.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The SQL side of the RDS Multi-AZ DB cluster (PostgreSQL) emulation: the {@code rds_tools} functions clients call,
 * and the statements by which the testkit plays RDS's control plane.
 *
 * <h2>Design</h2>
 * The topology lives in one table, {@code haven_rds.instances}, written only on the writer (so it replicates to every
 * reader): one row per instance with its DBI resource id, its instance endpoint, the port and whether it is the
 * writer. The testkit writes it at start, at promotion ({@link #promote}) and when instances join or leave.
 * <ul>
 *   <li>{@code rds_tools.show_topology(text DEFAULT NULL)} returns {@code (id, endpoint, port)} for every instance,
 *       ordered by endpoint; the argument (the AWS wrapper passes {@code 'aws_jdbc_driver-<version>'}) is ignored;</li>
 *   <li>{@code rds_tools.dbi_resource_id()} is the node's setting {@value #RESOURCE_ID_SETTING}, passed to each server
 *       on its command line;</li>
 *   <li>{@code rds_tools.multi_az_db_cluster_source_dbi_resource_id()} is, on the writer (a server not in recovery),
 *       its own resource id; on a reader, the writer's as the reader last received it from the table. A reader thus
 *       names the new writer once it replicates from it, as a Multi-AZ standby names its replication source. The
 *       AWS wrapper reads "no row" from its writer-id query (this function's value unless it equals
 *       {@code dbi_resource_id()}) as "connected to the writer".</li>
 * </ul>
 * {@code rds.extensions} lists {@code rds_tools} and not {@code aurora_stat_utils}: what the AWS wrapper's RDS
 * dialects check. Functions are executable by every role (on RDS a non-admin user needs
 * {@code GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA rds_tools}); the table is private.
 */
public final class MultiAzCatalog {

    public static final String RESOURCE_ID_SETTING = "haven_rds.dbi_resource_id";
    public static final String RDS_EXTENSIONS_SETTING = RdsExtensionsView.SETTING;
    /** A subset of RDS for PostgreSQL's list: {@code rds_tools}, no {@code aurora_stat_utils}. */
    public static final String RDS_EXTENSIONS = "amcheck, btree_gin, btree_gist, citext, hstore, pg_stat_statements, "
            + "pg_trgm, pgcrypto, plpgsql, postgres_fdw, rds_tools, tablefunc, uuid-ossp";

    private static final char[] BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".toCharArray();

    private MultiAzCatalog() {
    }

    /** Schemas, table and the three functions; idempotent. Run as superuser in every database clients use. */
    public static final String INSTALL = String.join("\n",
            "CREATE SCHEMA IF NOT EXISTS haven_rds;",
            "REVOKE ALL ON SCHEMA haven_rds FROM PUBLIC;",
            "CREATE TABLE IF NOT EXISTS haven_rds.instances (",
            "  id text PRIMARY KEY,",
            "  endpoint text NOT NULL,",
            "  port integer NOT NULL,",
            "  writer boolean NOT NULL);",
            "REVOKE ALL ON TABLE haven_rds.instances FROM PUBLIC;",
            "CREATE SCHEMA IF NOT EXISTS rds_tools;",
            "GRANT USAGE ON SCHEMA rds_tools TO PUBLIC;",
            "CREATE OR REPLACE FUNCTION rds_tools.dbi_resource_id() RETURNS text",
            "  LANGUAGE sql STABLE AS $f$ SELECT pg_catalog.current_setting('" + RESOURCE_ID_SETTING + "') $f$;",
            // VOLATILE: pg_is_in_recovery() changes at promotion
            "CREATE OR REPLACE FUNCTION rds_tools.multi_az_db_cluster_source_dbi_resource_id() RETURNS text",
            "  LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $f$",
            "  SELECT CASE WHEN NOT pg_is_in_recovery() THEN current_setting('" + RESOURCE_ID_SETTING + "')",
            "    ELSE (SELECT i.id FROM haven_rds.instances i WHERE i.writer ORDER BY i.id LIMIT 1) END",
            "  $f$;",
            "CREATE OR REPLACE FUNCTION rds_tools.show_topology(client_name text DEFAULT NULL)",
            "  RETURNS TABLE (id text, endpoint text, port integer)",
            "  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $f$",
            "  SELECT i.id, i.endpoint, i.port FROM haven_rds.instances i ORDER BY i.endpoint",
            "  $f$;",
            "GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA rds_tools TO PUBLIC;",
            RdsExtensionsView.INSTALL);

    /** Registers (or re-registers) an instance. */
    public static String register(String resourceId, String endpoint, int port, boolean writer) {
        return "INSERT INTO haven_rds.instances (id, endpoint, port, writer) VALUES (" + Quoting.sqlLiteral(resourceId) + ", "
                + Quoting.sqlLiteral(endpoint) + ", " + port + ", " + writer + ") ON CONFLICT (id) DO UPDATE SET"
                + " endpoint = excluded.endpoint, port = excluded.port, writer = excluded.writer";
    }

    /** The control plane's part of a failover: {@code newWriterId} is the writer, every other instance a reader. */
    public static String promote(String newWriterId) {
        return "UPDATE haven_rds.instances SET writer = (id = " + Quoting.sqlLiteral(newWriterId) + ")";
    }

    /** An instance deleted from the cluster leaves the topology. */
    public static String delete(String resourceId) {
        return "DELETE FROM haven_rds.instances WHERE id = " + Quoting.sqlLiteral(resourceId);
    }

    /**
     * A DBI resource id as RDS shows them, {@code db-} and 26 characters of base32 ({@code A-Z2-7}), fixed per
     * region, cluster and instance name (RDS's are random per instance and never reused).
     */
    public static String resourceId(String region, String clusterId, String instanceName) {
        byte[] hash;
        try {
            hash = MessageDigest.getInstance("SHA-256").digest((region + "/" + clusterId + "/" + instanceName).getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
        StringBuilder sb = new StringBuilder("db-");
        int buffer = 0;
        int bits = 0;
        for (byte b : hash) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5 && sb.length() < 29) {
                sb.append(BASE32[(buffer >>> (bits - 5)) & 31]);
                bits -= 5;
            }
        }
        return sb.toString();
    }
}
