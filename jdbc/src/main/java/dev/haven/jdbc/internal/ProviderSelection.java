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
            + " WHERE n.nspname = 'pg_catalog' AND p.proname = 'aurora_replica_status'), pg_catalog.version()";

    private final String cluster;
    private final JdbcProvider configured;
    private final Supplier<PgProbes> postgres;
    private final Supplier<PgProbes> aurora;
    private final PgProbes detector;
    private volatile PgProbes chosen;
    private volatile String mismatch;

    /**
     * @param postgres  builds the plain PostgreSQL provider
     * @param aurora    builds the Aurora provider (it may throw for a missing host pattern: then Aurora is not an option)
     * @param detector  opens the detection connections (a provider whose probe connections are not used)
     */
    public ProviderSelection(String cluster, JdbcProvider configured, Supplier<PgProbes> postgres, Supplier<PgProbes> aurora,
            PgProbes detector) {
        this.cluster = cluster;
        this.configured = configured;
        this.postgres = postgres;
        this.aurora = aurora;
        this.detector = detector;
    }

    /** The provider in use, or {@code null} before the first server answered. */
    public TopologyProvider chosen() {
        return chosen;
    }

    /** The kind in use: the configured one, or the one {@code auto} detected; {@code AUTO} before the first contact. */
    public JdbcProvider kind() {
        PgProbes p = chosen;
        return p instanceof AuroraPostgresTopologyProvider ? JdbcProvider.AURORA_POSTGRES
                : p instanceof PostgresTopologyProvider ? JdbcProvider.POSTGRES : JdbcProvider.AUTO;
    }

    /** Why the configured provider does not fit the server, or {@code null}. */
    public String mismatch() {
        return mismatch;
    }

    @Override
    public Probe probe(Endpoint endpoint, Duration timeout) throws Exception {
        PgProbes p = chosen;
        if (p == null) {
            p = choose(endpoint, timeout);
        }
        return p.probe(endpoint, timeout);
    }

    private synchronized PgProbes choose(Endpoint endpoint, Duration timeout) throws SQLException {
        if (chosen != null) {
            return chosen;
        }
        if (mismatch != null) {
            throw new IllegalStateException(mismatch);
        }
        boolean isAurora;
        String version;
        try (Connection c = detector.open(endpoint, timeout); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(DETECT_SQL)) {
            rs.next();
            isAurora = rs.getBoolean(1);
            version = rs.getString(2);
        }
        String server = (isAurora ? "Aurora PostgreSQL (" : "PostgreSQL without aurora_replica_status() (")
                + shortVersion(version) + ")";
        JdbcProvider kind = isAurora ? JdbcProvider.AURORA_POSTGRES : JdbcProvider.POSTGRES;
        if (configured != JdbcProvider.AUTO && configured != kind) {
            mismatch = "haven.jdbc.provider=" + name(configured) + " does not match the server: " + endpoint.id() + " is "
                    + server + "; use haven.jdbc.provider=" + name(kind) + " or auto";
            log.error("Haven {}: {}", cluster, mismatch);
            throw new IllegalStateException(mismatch);
        }
        try {
            chosen = kind == JdbcProvider.AURORA_POSTGRES ? aurora.get() : postgres.get();
        } catch (IllegalArgumentException e) {
            mismatch = e.getMessage() + " (" + endpoint.id() + " is " + server + ")";
            log.error("Haven {}: {}", cluster, mismatch);
            throw new IllegalStateException(mismatch, e);
        }
        log.info("Haven {}: haven.jdbc.provider={}: {} is {}", cluster,
                configured == JdbcProvider.AUTO ? "auto chose " + name(kind) : name(kind), endpoint.id(), server);
        return chosen;
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
        PgProbes p = chosen;
        return p != null && p.monotonicEpochs();
    }

    @Override
    public void discard(Endpoint endpoint) {
        PgProbes p = chosen;
        if (p != null) {
            p.discard(endpoint);
        }
    }

    @Override
    public void close() {
        PgProbes p = chosen;
        if (p != null) {
            p.close();
        }
        detector.close();
    }
}
