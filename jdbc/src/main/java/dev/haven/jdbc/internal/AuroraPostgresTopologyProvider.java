package dev.haven.jdbc.internal;

import dev.haven.Endpoint;
import dev.haven.Role;
import dev.haven.spi.Probe;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Topology of an Aurora PostgreSQL cluster, from one query per endpoint on its probe connection:
 *
 * <ul>
 *   <li>which instance answered: {@code aurora_db_instance_identifier()}; its role: {@code pg_is_in_recovery()} (the
 *       instance's own word, which changes the moment it is promoted; the topology rows follow later);</li>
 *   <li>the cluster's instances: {@code aurora_replica_status()}, the rows Aurora keeps for every instance (the writer's
 *       {@code session_id} is {@code MASTER_SESSION_ID}; rows not updated for 5 minutes are instances gone, as the AWS
 *       JDBC wrapper also reads them). Each instance is reached on its instance endpoint, the host pattern with
 *       {@code ?} replaced by its identifier, on the port of the endpoint that reported it;</li>
 *   <li>a replica's lag: Aurora's {@code replica_lag_in_msec} plus the age of that row
 *       ({@code now() - last_update_timestamp}), reported as {@link Probe#reportedLagNanos()}: Aurora replicas share
 *       the writer's storage and replay no WAL Haven could compare, so the bound is Aurora's figure, not Haven's own
 *       measurement;</li>
 *   <li>an endpoint that is not an instance endpoint (the cluster or reader endpoint, a custom DNS name) is only a way
 *       in: it reports the instances and is never routed to, so a cluster endpoint whose DNS still names the old
 *       writer after a failover never receives a write.</li>
 * </ul>
 *
 * <p>No epoch: Aurora's shared storage admits one writer, and an old writer comes back as a reader.
 */
public final class AuroraPostgresTopologyProvider extends SqlProbes {

    static final String PROBE_SQL = "SELECT pg_catalog.aurora_db_instance_identifier(), pg_catalog.pg_is_in_recovery(),"
            + " (SELECT string_agg(s.server_id || '|' || CASE WHEN s.session_id = 'MASTER_SESSION_ID' THEN 'w' ELSE 'r' END"
            + "      || '|' || COALESCE(round(s.replica_lag_in_msec::numeric)::bigint, -1)"
            + "      || '|' || COALESCE(round(EXTRACT(EPOCH FROM (now() - s.last_update_timestamp)) * 1000)::bigint, -1), ',')"
            + "  FROM pg_catalog.aurora_replica_status() s"
            + "  WHERE s.session_id = 'MASTER_SESSION_ID' OR s.last_update_timestamp IS NULL"
            + "     OR s.last_update_timestamp > now() - interval '5 minutes')";

    /** Aurora instance identifiers: letters, digits and hyphens (also in a Global Database's status rows). */
    static final Pattern INSTANCE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9-]{0,62}");

    private final String hostPattern;

    /**
     * @param hostPattern instance host name with {@code ?} for the identifier (see {@link #hostPattern})
     */
    public AuroraPostgresTopologyProvider(JdbcUrl url, ConnectionCredentials credentials, Executor abortExecutor,
            String hostPattern) {
        super(url, credentials, abortExecutor);
        this.hostPattern = hostPattern.toLowerCase(Locale.ROOT);
    }

    /**
     * The instance host pattern: the one given ({@code haven.jdbc.aurora.instance-host-pattern}), else derived from an
     * RDS cluster, reader or instance endpoint among the seeds ({@code orders.cluster-c9akciq32.us-east-1.rds.amazonaws.com}
     * gives {@code ?.c9akciq32.us-east-1.rds.amazonaws.com}, as RDS names instance endpoints).
     *
     * @throws IllegalArgumentException when none was given and no seed is an RDS endpoint
     */
    public static String hostPattern(String given, List<Endpoint> seeds) {
        return hostPattern(given, seeds, "aurora-postgres");
    }

    /** {@link #hostPattern(String, List)} for {@code haven.jdbc.provider=<provider>} (named in the message). */
    public static String hostPattern(String given, List<Endpoint> seeds, String provider) {
        if (given != null) {
            return given;
        }
        for (Endpoint e : seeds) {
            String[] labels = e.host().toLowerCase(Locale.ROOT).split("\\.", 3);
            if (labels.length == 3 && labels[2].contains(".rds.amazonaws.")) {
                String cluster = labels[1].replaceFirst("^cluster-(ro-|custom-)?", "");
                return "?." + cluster + "." + labels[2];
            }
        }
        throw new IllegalArgumentException("haven.jdbc.aurora.instance-host-pattern is required with haven.jdbc.provider="
                + provider + " when no URL host is an RDS endpoint (*.rds.amazonaws.com): was not set, hosts "
                + seeds.stream().map(Endpoint::host).toList());
    }

    /** {@link #hostPattern}, or null where it cannot be known (no pattern given, no RDS endpoint among the seeds). */
    public static String hostPatternIfKnown(String given, List<Endpoint> seeds) {
        try {
            return hostPattern(given, seeds);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Whether {@code p} is an instance host pattern: exactly one {@code ?} (the instance id), no {@code :} or {@code /}. */
    public static boolean validPattern(String p) {
        return p.chars().filter(c -> c == '?').count() == 1 && p.indexOf(':') < 0 && p.indexOf('/') < 0;
    }

    /** The instance endpoint of {@code instanceId}, on {@code port}. */
    Endpoint instance(String instanceId, int port) {
        return Endpoint.of(hostPattern.replace("?", instanceId.toLowerCase(Locale.ROOT)), port);
    }

    @Override
    String probeSql() {
        return PROBE_SQL;
    }

    @Override
    Probe read(Endpoint endpoint, ResultSet rs, long roundTrip) throws SQLException {
        String self = rs.getString(1);
        boolean recovery = rs.getBoolean(2);
        String rows = rs.getString(3);
        List<Endpoint> instances = new ArrayList<>();
        long selfLagNanos = -1;
        if (rows != null) {
            for (String row : rows.split(",")) {
                String[] f = row.split("\\|");
                if (f.length != 4 || !INSTANCE_ID.matcher(f[0]).matches()) {
                    continue; // not an instance identifier Haven could turn into a host name
                }
                instances.add(instance(f[0], endpoint.port()));
                if (f[0].equalsIgnoreCase(self)) {
                    long lagMs = Long.parseLong(f[2]);
                    long ageMs = Long.parseLong(f[3]);
                    selfLagNanos = lagMs < 0 ? -1 : TimeUnit.MILLISECONDS.toNanos(lagMs + Math.max(0, ageMs));
                }
            }
        }
        if (self == null || !instance(self, endpoint.port()).id().equals(endpoint.id())) {
            // the cluster endpoint or another alias: a way to the instances, never a target
            return new Probe(Role.UNKNOWN, 0, null, instances, roundTrip);
        }
        if (!recovery) {
            return new Probe(Role.WRITER, 0, null, instances, roundTrip);
        }
        return new Probe(Role.READER, 0, null, instances, roundTrip, selfLagNanos);
    }
}
