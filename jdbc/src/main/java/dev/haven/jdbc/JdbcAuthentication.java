package dev.haven.jdbc;

/**
 * How each new connection of a {@link HavenDataSource} authenticates ({@code haven.jdbc.auth}): pools and probe
 * connections alike, on every server the topology reveals (a new writer after a failover, a replica added later).
 *
 * <pre>{@code
 * HavenDataSource ds = HavenDataSource.builder()
 *         .url("jdbc:postgresql://orders.cluster-c9akciq32.us-east-1.rds.amazonaws.com:5432/orders?sslmode=verify-full")
 *         .username("app")
 *         .auth(JdbcAuthentication.IAM)   // region us-east-1 from the host name; AWS credentials from the SDK's chain
 *         .build();
 * }</pre>
 */
public enum JdbcAuthentication {
    /** The configured {@code username} and {@code password}. */
    PASSWORD,
    /**
     * RDS / Aurora IAM database authentication: a token per server from the AWS SDK v2
     * ({@code RdsUtilities.generateAuthenticationToken}, signed locally, no network call) with the SDK's default
     * credentials (or {@link HavenDataSource.Builder#awsCredentials}), made anew after {@code auth.refresh} (tokens
     * expire after 15 minutes) and when a login is refused. Needs {@code software.amazon.awssdk:rds} on the class path
     * and TLS to the server ({@code sslmode=require} or stricter), as RDS does.
     */
    IAM,
    /**
     * Username and password from an AWS Secrets Manager secret ({@code auth.secret-id}, JSON with {@code username} and
     * {@code password}, as RDS-managed secrets are): cached, fetched anew after {@code auth.refresh}, and when a server
     * refuses a login (a rotation), at most once a second whatever the number of connections refused. Needs
     * {@code software.amazon.awssdk:secretsmanager} on the class path.
     */
    SECRETS_MANAGER
}
