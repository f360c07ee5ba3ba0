package dev.haven.redis;

/**
 * How every connection a {@link HavenRedisClient} opens to a data node logs in ({@code haven.redis.auth}): the data
 * connections, the near cache's and the topology monitor's probes alike, on every node the topology reveals (a new
 * primary after a failover, a replica added later). Sentinels are reached without a password either way.
 *
 * <pre>{@code
 * HavenRedisClient client = HavenRedisClient.builder()
 *         .elastiCache("master.orders.abc123.use1.cache.amazonaws.com:6379", null)
 *         .username("orders-app")                 // the IAM-enabled ElastiCache user (user id = user name)
 *         .auth(RedisAuthentication.IAM)
 *         .authRegion("us-east-1")
 *         .authCacheName("orders")                // the replication group id
 *         .tls()                                  // ElastiCache IAM needs in-transit encryption
 *         .build();
 * }</pre>
 */
public enum RedisAuthentication {
    /** The configured {@code username} (optional) and {@code password} (optional: none for a server without AUTH). */
    PASSWORD,
    /**
     * ElastiCache IAM authentication: the password of {@code username} is a SigV4-presigned {@code connect} request
     * for {@code auth.cache-name} in {@code auth.region}, signed locally (no network call) by the AWS SDK v2 with its
     * default credentials (or {@link HavenRedisClient.Builder#awsCredentials}). Tokens are valid 15 minutes and made
     * anew after {@code auth.refresh}; each new token is also sent ({@code AUTH}) on the connections already open, so
     * that none reaches ElastiCache's 12-hour limit for a connection authenticated with IAM. Needs
     * {@code software.amazon.awssdk:http-auth-aws} and {@code software.amazon.awssdk:auth} on the class path, and TLS.
     */
    IAM
}
