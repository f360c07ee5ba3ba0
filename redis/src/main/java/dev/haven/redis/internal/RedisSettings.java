package dev.haven.redis.internal;

import dev.haven.Endpoint;
import dev.haven.Ticker;
import dev.haven.config.Settings;
import dev.haven.engine.Durations;
import dev.haven.engine.ReplicatedStoreSettings;
import dev.haven.engine.RetryPolicy;
import dev.haven.event.HavenEventListener;
import dev.haven.redis.NearCacheConfig;
import dev.haven.redis.RedisKeys;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Validated settings of a {@code HavenRedisClient}: the {@link RedisKeys} values and what is not a key. Exactly one of the
 * four topology sources is set: Sentinels + master name, static nodes, an ElastiCache primary endpoint (+ optional reader
 * endpoint), or the regions of a Global Datastore ({@code globalDatastore}: region to its configured nodes, in
 * configuration order; {@code region} is then one of them, and {@code endpointLocations} holds every configured node's
 * region).
 */
public final class RedisSettings extends ReplicatedStoreSettings {

    private final List<Endpoint> sentinels;
    private final String masterName;
    private final List<Endpoint> nodes;
    private final Endpoint primaryEndpoint;
    private final Endpoint readerEndpoint;
    private final char[] password;
    private final NearCacheConfig nearCache;
    private final Map<String, List<Endpoint>> globalDatastore;
    private final Object awsCredentials;
    private final Clock authClock;

    public RedisSettings(Settings keys, List<Endpoint> sentinels, String masterName, List<Endpoint> nodes,
            Endpoint primaryEndpoint, Endpoint readerEndpoint, Map<String, String[]> endpointLocations,
            List<HavenEventListener> listeners, Ticker ticker, Clock clock, NearCacheConfig nearCache,
            Map<String, List<Endpoint>> globalDatastore) {
        this(keys, sentinels, masterName, nodes, primaryEndpoint, readerEndpoint, endpointLocations, listeners, ticker, clock,
                nearCache, globalDatastore, null, null);
    }

    /**
     * @param awsCredentials an {@code AwsCredentialsProvider} given by the application for {@code auth=iam}, or null for
     *                       the SDK's default chain ({@code Object}: no SDK class is needed without IAM)
     * @param authClock      the clock IAM tokens are signed with and aged by; null: {@code clock}
     */
    public RedisSettings(Settings keys, List<Endpoint> sentinels, String masterName, List<Endpoint> nodes,
            Endpoint primaryEndpoint, Endpoint readerEndpoint, Map<String, String[]> endpointLocations,
            List<HavenEventListener> listeners, Ticker ticker, Clock clock, NearCacheConfig nearCache,
            Map<String, List<Endpoint>> globalDatastore, Object awsCredentials, Clock authClock) {
        // No backoff keys (a read moves to another node) and no deadline of its own: a read is bounded by its attempts,
        // each by attempt-timeout, and by writer-wait only while it waits for a qualifying node (writer-wait may be 0).
        super(keys, listeners, ticker, clock,
                new RetryPolicy(keys.get(RedisKeys.RETRY_MAX_ATTEMPTS), Duration.ZERO, Duration.ZERO, Durations.MAX),
                endpointLocations);
        this.sentinels = sentinels;
        this.masterName = masterName;
        this.nodes = nodes;
        this.primaryEndpoint = primaryEndpoint;
        this.readerEndpoint = readerEndpoint;
        String pw = keys.get(RedisKeys.PASSWORD);
        this.password = pw == null ? null : pw.toCharArray();
        this.nearCache = nearCache;
        this.globalDatastore = globalDatastore;
        this.awsCredentials = awsCredentials;
        this.authClock = authClock == null ? clock : authClock;
    }

    /** {@code auth=iam}: connections to data nodes log in with ElastiCache IAM tokens. */
    public boolean iam() {
        return keys().get(RedisKeys.AUTH) == dev.haven.redis.RedisAuthentication.IAM;
    }

    /** The application's {@code AwsCredentialsProvider} for IAM tokens, or null for the SDK's default chain. */
    public Object awsCredentials() {
        return awsCredentials;
    }

    /** How data nodes are logged in to, for messages (never the password or a token). */
    public String loginDescription() {
        if (iam()) {
            return "haven.redis.auth=iam: user " + username() + ", cache " + keys().get(RedisKeys.AUTH_CACHE_NAME) + " in "
                    + keys().get(RedisKeys.AUTH_REGION);
        }
        return password == null ? "no password" + (username() == null ? "" : ", user " + username())
                : "haven.redis.password" + (username() == null ? "" : ", user " + username());
    }

    /** The clock IAM tokens are signed with and aged by. */
    public Clock authClock() {
        return authClock;
    }

    public List<Endpoint> sentinels() {
        return sentinels;
    }

    public String masterName() {
        return masterName;
    }

    public List<Endpoint> nodes() {
        return nodes;
    }

    public Endpoint primaryEndpoint() {
        return primaryEndpoint;
    }

    public Endpoint readerEndpoint() {
        return readerEndpoint;
    }

    public String username() {
        return keys().get(RedisKeys.USERNAME);
    }

    /** A copy of the password, or {@code null}. */
    public char[] password() {
        return password == null ? null : password.clone();
    }

    /** {@code attempt-timeout}: one attempt of a command. */
    public Duration commandTimeout() {
        return keys().get(RedisKeys.ATTEMPT_TIMEOUT);
    }

    public Duration connectTimeout() {
        return keys().get(RedisKeys.CONNECT_TIMEOUT);
    }

    public int requestQueueSize() {
        return keys().get(RedisKeys.REQUEST_QUEUE_SIZE);
    }

    public Duration keepAliveIdle() {
        return keys().get(RedisKeys.KEEPALIVE_IDLE);
    }

    /** TLS on every connection: {@code tls=true}, or a {@code rediss-sentinel://} Sentinel URI. */
    public boolean tls() {
        return TlsOptions.on(keys());
    }

    /** The PEM file of the CAs to trust, or {@code null}: the JVM's trust store. */
    public java.nio.file.Path tlsCaCertificate() {
        String p = keys().get(RedisKeys.TLS_CA_CERTIFICATE);
        return p == null ? null : java.nio.file.Path.of(p);
    }

    public io.lettuce.core.SslVerifyMode tlsVerify() {
        return keys().get(RedisKeys.TLS_VERIFY);
    }

    public NearCacheConfig nearCache() {
        return nearCache;
    }

    public Map<String, List<Endpoint>> globalDatastore() {
        return globalDatastore;
    }

    public boolean sentinelMode() {
        return !sentinels.isEmpty();
    }

    public boolean elastiCacheMode() {
        return primaryEndpoint != null;
    }

    public boolean globalDatastoreMode() {
        return !globalDatastore.isEmpty();
    }

    @Override
    public String toString() {
        String source = sentinelMode() ? "sentinel " + masterName + "@" + sentinels.stream().map(Endpoint::id).toList()
                : elastiCacheMode() ? "elasticache " + primaryEndpoint.id() + (readerEndpoint == null ? "" : " reader " + readerEndpoint.id())
                : globalDatastoreMode() ? "global-datastore " + globalDatastore.entrySet().stream()
                        .map(e -> e.getKey() + "=" + e.getValue().stream().map(Endpoint::id).toList()).toList() + " local " + region()
                : "nodes " + nodes.stream().map(Endpoint::id).toList();
        return "haven.redis{cluster=" + clusterName() + ", " + source + ", attempt-timeout=" + Durations.format(commandTimeout())
                + ", default-consistency=" + defaultConsistency()
                + (tls() ? ", tls=" + tlsVerify().name().toLowerCase(java.util.Locale.ROOT) : "") + (iam() ? ", auth=iam user " + username() + " of " + keys().get(RedisKeys.AUTH_CACHE_NAME) + " in "
                        + keys().get(RedisKeys.AUTH_REGION) : ", password=" + (password == null ? "none" : "***")) + "}";
    }
}
