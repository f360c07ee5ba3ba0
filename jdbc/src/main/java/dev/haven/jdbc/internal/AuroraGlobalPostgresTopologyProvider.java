package dev.haven.jdbc.internal;

import dev.haven.Endpoint;
import dev.haven.Role;
import dev.haven.spi.Probe;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Topology of an Aurora PostgreSQL Global Database: the instances of every region, from one query per endpoint on its
 * probe connection ({@code aurora_global_db_instance_status()}: instance id, {@code MASTER_SESSION_ID} for the writer,
 * its AWS region, a reader's {@code visibility_lag_in_msec}).
 *
 * <ul>
 *   <li>Each instance is reached on its instance endpoint, built from the host pattern of its region
 *       ({@code haven.jdbc.aurora.global-instance-host-patterns}; the home region's may also come from
 *       {@code aurora.instance-host-pattern} or an RDS endpoint in the URL), and is labelled with that region, so that
 *       reads stay in the home region ({@code haven.jdbc.local-region}) and only go elsewhere when
 *       {@code haven.jdbc.aurora.cross-region-reads} allows it.</li>
 *   <li>The writer is the instance that says it is not in recovery: after a switchover or a regional failover it is in
 *       another region, and writes follow it there.</li>
 *   <li>Lag is Aurora's {@code visibility_lag_in_msec} ({@link Probe#reportedLagNanos()}), as for a regional cluster.</li>
 *   <li>Configuration errors found at the first answers ({@link #configurationError()}): the home region is not a
 *       region of the database, or a region has no host pattern. Instances of a region without a pattern are never
 *       routed to (Haven does not guess a host name).</li>
 * </ul>
 */
public final class AuroraGlobalPostgresTopologyProvider extends SqlProbes {

    private static final Logger log = LoggerFactory.getLogger(AuroraGlobalPostgresTopologyProvider.class);

    static final String PROBE_SQL = "SELECT pg_catalog.aurora_db_instance_identifier(), pg_catalog.pg_is_in_recovery(),"
            + " (SELECT string_agg(s.server_id || '|' || CASE WHEN s.session_id = 'MASTER_SESSION_ID' THEN 'w' ELSE 'r' END"
            + "      || '|' || COALESCE(round(s.visibility_lag_in_msec::numeric)::bigint, -1) || '|' || s.aws_region, ',')"
            + "  FROM pg_catalog.aurora_global_db_instance_status() s)";

    /** AWS region names. */
    private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-[0-9]+");

    private final Map<String, String> patterns;
    private final String homeRegion;
    private final Set<String> reportedRegions = ConcurrentHashMap.newKeySet();
    private final Set<String> unmapped = ConcurrentHashMap.newKeySet();

    /**
     * @param patterns   instance host pattern per region ({@code ?} for the instance id)
     * @param homeRegion the region the application runs in ({@code ""}: unknown, a configuration error)
     */
    public AuroraGlobalPostgresTopologyProvider(JdbcUrl url, ConnectionCredentials credentials, Executor abortExecutor,
            Map<String, String> patterns, String homeRegion) {
        super(url, credentials, abortExecutor);
        this.patterns = Map.copyOf(patterns);
        this.homeRegion = homeRegion;
    }

    /**
     * The host patterns per region: those given as {@code region=pattern,...}, plus the home region's from
     * {@code aurora.instance-host-pattern} or the URL when not listed.
     *
     * @throws IllegalArgumentException naming the property when an entry is malformed
     */
    public static Map<String, String> patterns(String given, String homePattern, String homeRegion) {
        Map<String, String> out = new LinkedHashMap<>();
        if (given != null && !given.isBlank()) {
            for (String entry : given.split(",")) {
                String[] kv = entry.trim().split("=", 2);
                if (kv.length != 2 || !REGION.matcher(kv[0].trim()).matches() || !AuroraPostgresTopologyProvider.validPattern(kv[1].trim())) {
                    throw new IllegalArgumentException("haven.jdbc.aurora.global-instance-host-patterns must be "
                            + "<region>=<pattern>,... with a region like us-east-1 and a pattern with exactly one ? and no "
                            + "':' or '/' ('" + entry.trim() + "' is not): was '" + given + "'");
                }
                if (out.put(kv[0].trim(), kv[1].trim().toLowerCase(Locale.ROOT)) != null) {
                    throw new IllegalArgumentException("haven.jdbc.aurora.global-instance-host-patterns must name each "
                            + "region once ('" + kv[0].trim() + "' twice): was '" + given + "'");
                }
            }
        }
        if (homePattern != null && !homeRegion.isEmpty()) {
            out.putIfAbsent(homeRegion, homePattern.toLowerCase(Locale.ROOT));
        }
        return out;
    }

    /**
     * The AWS region in an RDS endpoint's name ({@code orders.cluster-c9akciq32.us-west-2.rds.amazonaws.com} gives
     * {@code us-west-2}), from the first seed that is one, or {@code ""}.
     */
    public static String regionOf(List<Endpoint> seeds) {
        for (Endpoint e : seeds) {
            String[] labels = e.host().toLowerCase(Locale.ROOT).split("\\.");
            for (int i = 1; i + 1 < labels.length; i++) { // <region>.rds.amazonaws.com, also .com.cn
                if (labels[i].equals("rds") && labels[i + 1].equals("amazonaws") && REGION.matcher(labels[i - 1]).matches()) {
                    return labels[i - 1];
                }
            }
        }
        return "";
    }

    /** The home region: {@code haven.jdbc.local-region} if set, else the region in an RDS endpoint of the URL, else "". */
    public String homeRegion() {
        return homeRegion;
    }

    @Override
    String probeSql() {
        return PROBE_SQL;
    }

    /** One instance of {@code aurora_global_db_instance_status()}. */
    record Row(String instanceId, boolean writer, long lagMs, String region) {
    }

    /** Parses the probe's aggregated rows ({@code id|w or r|lag ms or -1|region,...}); malformed rows are skipped. */
    static List<Row> parse(String rows) {
        List<Row> out = new ArrayList<>();
        if (rows == null) {
            return out;
        }
        for (String row : rows.split(",")) {
            String[] f = row.split("\\|");
            if (f.length != 4 || !AuroraPostgresTopologyProvider.INSTANCE_ID.matcher(f[0]).matches() || !REGION.matcher(f[3]).matches()) {
                continue;
            }
            try {
                out.add(new Row(f[0], f[1].equals("w"), Long.parseLong(f[2]), f[3]));
            } catch (NumberFormatException e) {
                // not a row Haven could read: skipped like a malformed one
            }
        }
        return out;
    }

    /** The instance endpoint of {@code instanceId} in {@code region}, labelled with it; null without a pattern. */
    Endpoint instance(String instanceId, String region, int port) {
        String pattern = patterns.get(region);
        if (pattern == null) {
            return null;
        }
        return Endpoint.of(pattern.replace("?", instanceId.toLowerCase(Locale.ROOT)), port).withLocation(region, "");
    }

    @Override
    Probe read(Endpoint endpoint, ResultSet rs, long roundTrip) throws SQLException {
        return read(endpoint, rs.getString(1), rs.getBoolean(2), rs.getString(3), roundTrip);
    }

    /** {@link #read(Endpoint, ResultSet, long)} on the three values of the probe's row. */
    Probe read(Endpoint endpoint, String self, boolean recovery, String rows, long roundTrip) {
        List<Endpoint> instances = new ArrayList<>();
        long selfLagNanos = -1;
        Endpoint selfEndpoint = null;
        for (Row r : parse(rows)) {
            reportedRegions.add(r.region());
            Endpoint e = instance(r.instanceId(), r.region(), endpoint.port());
            if (e == null) {
                if (unmapped.add(r.region())) {
                    log.error("Haven: the Aurora Global Database has instances in {} but haven.jdbc.aurora."
                            + "global-instance-host-patterns has no host pattern for that region (it has {}): they are "
                            + "not used", r.region(), patterns.keySet());
                }
                continue;
            }
            instances.add(e);
            if (r.instanceId().equalsIgnoreCase(self)) {
                selfEndpoint = e;
                selfLagNanos = r.lagMs() < 0 ? -1 : TimeUnit.MILLISECONDS.toNanos(r.lagMs());
            }
        }
        String error = configurationError();
        if (error != null) {
            throw new IllegalStateException(error); // nothing is routed on a home region the database does not have
        }
        if (selfEndpoint == null || !selfEndpoint.id().equals(endpoint.id())) {
            // the global writer endpoint, a cluster endpoint or another alias: a way in, never a target
            return new Probe(Role.UNKNOWN, 0, null, instances, roundTrip);
        }
        if (!recovery) {
            return new Probe(Role.WRITER, 0, null, instances, roundTrip);
        }
        return new Probe(Role.READER, 0, null, instances, roundTrip, selfLagNanos);
    }

    /**
     * What is wrong with the configuration given what the servers reported, or null: no home region, or one that is
     * not a region of the database. Known after the first answer.
     */
    @Override
    String configurationError() {
        if (reportedRegions.isEmpty()) {
            return null;
        }
        Set<String> regions = new TreeSet<>(reportedRegions);
        if (homeRegion.isEmpty()) {
            return "haven.jdbc.local-region is required with an Aurora Global Database (its regions are " + regions
                    + ") when no URL host is an RDS endpoint naming the region: was not set";
        }
        if (!regions.contains(homeRegion)) {
            return "haven.jdbc.local-region must be a region of the Aurora Global Database " + regions + ": was '"
                    + homeRegion + "'";
        }
        return null;
    }
}
