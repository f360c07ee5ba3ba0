package dev.haven.jdbc.internal;

import dev.haven.Endpoint;
import dev.haven.Role;
import dev.haven.spi.Probe;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

/**
 * Topology of an Aurora MySQL cluster, from two statements per endpoint on its probe connection:
 *
 * <ul>
 *   <li>which instance answered: {@code @@aurora_server_id}; its role: {@code @@innodb_read_only} (the instance's own
 *       word, which changes the moment it is promoted; the status rows follow later);</li>
 *   <li>the cluster's instances: {@code information_schema.replica_host_status}, a row per instance (the writer's
 *       {@code SESSION_ID} is {@code MASTER_SESSION_ID}; rows not updated for 5 minutes are instances gone, as the AWS
 *       JDBC wrapper also reads them), each reached on its instance endpoint (the host pattern with {@code ?} replaced
 *       by its identifier, on the port of the endpoint that reported it);</li>
 *   <li>a replica's lag: {@code REPLICA_LAG_IN_MILLISECONDS} plus the age of its row, reported as
 *       {@link Probe#reportedLagNanos()} (Aurora replicas share the writer's storage: there is no GTID position to
 *       compare);</li>
 *   <li>an endpoint that is not an instance endpoint (the cluster or reader endpoint) is only a way in, never routed
 *       to.</li>
 * </ul>
 *
 * <p>The three names it reads are a {@link Source}, so that tests can point it at an emulation of the table on a
 * server that is not Aurora ({@code AuroraMySqlEmulationIT}).
 */
public final class AuroraMySqlTopologyProvider extends SqlProbes {

    /**
     * Where the provider reads: the instance's identifier, whether it is read-only, the status table.
     *
     * @param selfId    an expression naming the instance that answers ({@code @@aurora_server_id})
     * @param readOnly  an expression, true on a reader ({@code @@innodb_read_only})
     * @param table     the status table ({@code information_schema.replica_host_status})
     */
    public record Source(String selfId, String readOnly, String table) {
        public static final Source AURORA = new Source("@@aurora_server_id", "@@innodb_read_only",
                "information_schema.replica_host_status");

        String selfSql() {
            return "SELECT " + selfId + ", " + readOnly;
        }

        String rowsSql() {
            return "SELECT SERVER_ID, SESSION_ID, REPLICA_LAG_IN_MILLISECONDS,"
                    + " TIMESTAMPDIFF(MICROSECOND, LAST_UPDATE_TIMESTAMP, NOW(6)) FROM " + table
                    + " WHERE SESSION_ID = 'MASTER_SESSION_ID' OR LAST_UPDATE_TIMESTAMP IS NULL"
                    + " OR LAST_UPDATE_TIMESTAMP > NOW() - INTERVAL 5 MINUTE";
        }
    }

    /** One row of the status table. */
    record Row(String serverId, String sessionId, Double lagMillis, Long ageMicros) {
    }

    private final Source source;
    private final BiFunction<String, Integer, Endpoint> instance;

    /**
     * @param instance the endpoint of an instance identifier, given the port of the endpoint that reported it (the
     *                 host pattern's; in tests, a map)
     */
    public AuroraMySqlTopologyProvider(JdbcUrl url, ConnectionCredentials credentials, Executor abortExecutor, Source source,
            BiFunction<String, Integer, Endpoint> instance) {
        super(url, credentials, abortExecutor);
        this.source = Objects.requireNonNull(source, "source");
        this.instance = Objects.requireNonNull(instance, "instance");
    }

    /** Instance endpoints from a host pattern with {@code ?} for the identifier (see {@link AuroraPostgresTopologyProvider#hostPattern}). */
    public static BiFunction<String, Integer, Endpoint> pattern(String hostPattern) {
        String p = hostPattern.toLowerCase(Locale.ROOT);
        return (id, port) -> Endpoint.of(p.replace("?", id.toLowerCase(Locale.ROOT)), port);
    }

    @Override
    String probeSql() {
        return source.selfSql();
    }

    @Override
    Probe read(Endpoint endpoint, ResultSet rs, long roundTripNanos) {
        throw new UnsupportedOperationException("asked by ask()");
    }

    @Override
    Probe ask(Endpoint endpoint, Statement st) throws SQLException {
        long start = System.nanoTime();
        String self;
        boolean readOnly;
        long roundTrip;
        try (ResultSet rs = st.executeQuery(source.selfSql())) {
            roundTrip = System.nanoTime() - start;
            rs.next();
            self = rs.getString(1);
            readOnly = rs.getBoolean(2);
        }
        List<Row> rows = new ArrayList<>();
        try (ResultSet rs = st.executeQuery(source.rowsSql())) {
            while (rs.next()) {
                double lag = rs.getDouble(3);
                Double lagMs = rs.wasNull() ? null : lag;
                long age = rs.getLong(4);
                Long ageUs = rs.wasNull() ? null : age;
                rows.add(new Row(rs.getString(1), rs.getString(2), lagMs, ageUs));
            }
        }
        return probe(endpoint, self, readOnly, rows, roundTrip, instance);
    }

    /** The probe of {@code endpoint} from what it answered: a pure function, unit-tested on recorded rows. */
    static Probe probe(Endpoint endpoint, String self, boolean readOnly, List<Row> rows, long roundTrip,
            BiFunction<String, Integer, Endpoint> instance) {
        List<Endpoint> instances = new ArrayList<>();
        long selfLagNanos = -1;
        for (Row r : rows) {
            if (r.serverId() == null || !AuroraPostgresTopologyProvider.INSTANCE_ID.matcher(r.serverId()).matches()) {
                continue; // not an identifier Haven could turn into a host name
            }
            instances.add(instance.apply(r.serverId(), endpoint.port()));
            if (r.serverId().equalsIgnoreCase(self) && r.lagMillis() != null && r.lagMillis() >= 0) {
                long ageMs = r.ageMicros() == null ? 0 : Math.max(0, r.ageMicros() / 1000);
                selfLagNanos = TimeUnit.MILLISECONDS.toNanos(Math.round(Math.ceil(r.lagMillis())) + ageMs);
            }
        }
        if (self == null || !AuroraPostgresTopologyProvider.INSTANCE_ID.matcher(self).matches()
                || !instance.apply(self, endpoint.port()).id().equalsIgnoreCase(endpoint.id())) {
            return new Probe(Role.UNKNOWN, 0, null, instances, roundTrip); // a way in, never a target
        }
        if (!readOnly) {
            return new Probe(Role.WRITER, 0, null, instances, roundTrip);
        }
        return new Probe(Role.READER, 0, null, instances, roundTrip, selfLagNanos);
    }
}
