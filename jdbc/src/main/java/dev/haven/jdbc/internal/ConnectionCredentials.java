package dev.haven.jdbc.internal;

import com.zaxxer.hikari.util.Credentials;
import dev.haven.Endpoint;
import dev.haven.jdbc.JdbcAuthentication;
import dev.haven.jdbc.JdbcKeys;
import java.sql.SQLException;

/**
 * The user and password of each new connection to a server ({@code haven.jdbc.auth}), asked per connection by the
 * per-server pools (HikariCP's credentials provider) and by the probe connections, so that a rotated secret or an
 * expiring IAM token never needs a pool rebuilt. Never logs what it hands out.
 */
public abstract class ConnectionCredentials implements AutoCloseable {

    /** The credentials for a new connection to {@code endpoint}. */
    public abstract Credentials get(Endpoint endpoint) throws SQLException;

    /** The server {@code endpointId} refused a login made with what {@link #get} gave: the next may fetch anew. */
    public void refused(String endpointId) {
    }

    /** When the credentials {@link #get} hands out for {@code endpointId} were made, for those that expire; else null. */
    public java.time.Instant madeAt(String endpointId) {
        return null;
    }

    /** Whether the credentials never change (HikariCP then keeps its own). */
    public boolean fixed() {
        return false;
    }

    @Override
    public void close() {
    }

    /**
     * The source {@code settings} ask for. The AWS SDK classes are touched only by the kind that needs them, so an
     * application using passwords needs no SDK on its class path.
     *
     * @throws IllegalArgumentException naming the key when the kind needs an artifact that is missing
     */
    public static ConnectionCredentials of(JdbcSettings settings) {
        check(settings);
        return switch (settings.keys().get(JdbcKeys.AUTH)) {
            case PASSWORD -> new Fixed(settings.username(), settings.password());
            case IAM -> new IamTokens(settings);
            case SECRETS_MANAGER -> new SecretsManagerSecret(settings);
        };
    }

    /**
     * Checks what {@code haven.jdbc.auth} needs, without I/O: the artifact, the user, no password where none is used, the
     * secret's id, a region given or derivable.
     *
     * @throws IllegalArgumentException naming the key, the rule and the value
     */
    public static void check(JdbcSettings settings) {
        JdbcAuthentication kind = settings.keys().get(JdbcKeys.AUTH);
        if (kind == JdbcAuthentication.PASSWORD) {
            return;
        }
        String name = JdbcKeys.AUTH.format(kind);
        if (kind == JdbcAuthentication.IAM) {
            requireClass("software.amazon.awssdk.services.rds.RdsUtilities", name, "software.amazon.awssdk:rds");
            if (settings.username() == null || settings.username().isBlank()) {
                throw new IllegalArgumentException("haven.jdbc.auth=iam needs haven.jdbc.username (the database user granted"
                        + " rds_iam): was not set");
            }
        } else {
            requireClass("software.amazon.awssdk.services.secretsmanager.SecretsManagerClient", name,
                    "software.amazon.awssdk:secretsmanager");
            String id = settings.keys().get(JdbcKeys.AUTH_SECRET_ID);
            if (id == null || id.isBlank()) {
                throw new IllegalArgumentException("haven.jdbc.auth=secrets-manager needs haven.jdbc.auth.secret-id (the "
                        + "secret's name or ARN): was not set");
            }
        }
        if (settings.password() != null) {
            throw new IllegalArgumentException("haven.jdbc.password is not used with haven.jdbc.auth=" + name + " (each "
                    + "connection presents " + (kind == JdbcAuthentication.IAM ? "an IAM token" : "the secret's password")
                    + "): was set; remove it");
        }
        region(settings, name);
    }

    /** {@code haven.jdbc.auth=<kind>} needs {@code artifact}: fail at build time, naming both, when it is absent. */
    static void requireClass(String className, String kind, String artifact) {
        try {
            Class.forName(className, false, ConnectionCredentials.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("haven.jdbc.auth=" + kind + " needs " + artifact
                    + " on the class path (add it to the application's dependencies): " + className + " was not found");
        }
    }

    /** The region for {@code kind}: {@code auth.region}, else the region of an RDS host name among the seeds. */
    static String region(JdbcSettings settings, String kind) {
        String given = settings.keys().get(JdbcKeys.AUTH_REGION);
        if (given != null) {
            return given;
        }
        String derived = AuroraGlobalPostgresTopologyProvider.regionOf(settings.url().hosts());
        if (derived.isEmpty()) {
            throw new IllegalArgumentException("haven.jdbc.auth=" + kind + " needs haven.jdbc.auth.region: no RDS host name"
                    + " (<name>.<region>.rds.amazonaws.com) among the URL's servers to derive it from");
        }
        return derived;
    }

    /** A user and password that never change (tests, custom topology providers). */
    public static ConnectionCredentials fixed(String user, String password) {
        return new Fixed(user, password);
    }

    /** {@code auth=password}: what was configured. */
    static final class Fixed extends ConnectionCredentials {
        private final Credentials credentials;

        Fixed(String user, String password) {
            this.credentials = Credentials.of(user, password);
        }

        @Override
        public Credentials get(Endpoint endpoint) {
            return credentials;
        }

        @Override
        public boolean fixed() {
            return true;
        }
    }

    /** HikariCP's credentials provider for one server's pool: {@link #get}, a failure made unchecked. */
    public com.zaxxer.hikari.HikariCredentialsProvider forPool(Endpoint endpoint) {
        return () -> {
            try {
                return get(endpoint);
            } catch (SQLException e) {
                throw new IllegalStateException(e.getMessage(), e); // this connection attempt fails; HikariCP tries again
            }
        };
    }

    /** Whether {@code e} (or a cause) says the server refused the login: PostgreSQL {@code 28P01} / {@code 28000}. */
    public static boolean loginRefused(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && s.getSQLState() != null && s.getSQLState().startsWith("28")) {
                return true;
            }
        }
        return false;
    }
}
