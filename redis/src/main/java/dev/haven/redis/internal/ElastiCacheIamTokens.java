package dev.haven.redis.internal;

import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisCredentialsProvider;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;

/**
 * {@code auth=iam}: ElastiCache IAM authentication tokens for one user and one cache, as a Lettuce credentials provider
 * with streaming credentials.
 *
 * <p>A token is AWS's documented form: the request {@code GET http://<cache-name>/?Action=connect&User=<user>} (plus
 * {@code &ResourceType=ServerlessCache} for a serverless cache) presigned with SigV4 in the query string for the service
 * {@code elasticache} in the cache's region, valid 900 seconds, without its {@code http://}. It is signed locally by the
 * SDK's {@link AwsV4HttpSigner} (no network call), with the application's {@link AwsCredentialsProvider} or the SDK's
 * default chain (owned and closed here).
 *
 * <p>Lifetimes: a token is kept until {@code auth.refresh} (at most 14 minutes) has passed, so every new connection
 * presents one that is still valid. ElastiCache closes a connection authenticated with IAM after 12 hours unless it is
 * authenticated again; so each token made anew is also published on {@link #credentials()}, which Lettuce's
 * {@code ReauthenticateBehavior.ON_NEW_CREDENTIALS} turns into an {@code AUTH} on every open connection. A check every
 * second ({@link #start}) makes the new token when it is due, whether or not anything connects, or when a node refused a
 * login ({@link #refused()}, at most every 10 s). A failure to sign (no
 * AWS credentials at the moment) keeps the previous token, which is valid for at least another minute, and is retried
 * at the next check.
 *
 * <p>The token is a secret: never logged, never in a message or a {@code toString()}.
 */
final class ElastiCacheIamTokens implements RedisCredentialsProvider, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ElastiCacheIamTokens.class);

    /** How long a token is valid (ElastiCache accepts at most 15 minutes). */
    static final Duration EXPIRY = Duration.ofSeconds(900);

    private record Token(String value, Instant made) {
        @Override
        public String toString() {
            return "Token[made=" + made + "]";
        }
    }

    private final String user;
    private final String cacheName;
    private final String region;
    private final boolean serverless;
    private final Duration refresh;
    private final Clock clock;
    private final AwsCredentialsProvider credentials;
    private final DefaultCredentialsProvider owned; // closed here; a provider the application gave is its own
    private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();
    private final Sinks.Many<RedisCredentials> renewed = Sinks.many().multicast().directBestEffort();
    /** A token refused by a server is made anew, but not more often than this (each new one is sent on every connection). */
    static final Duration REFUSED_REMAKE = Duration.ofSeconds(10);

    private Token current; // guarded by this
    private boolean refused; // guarded by this: a server refused a login since the current token was made
    private ScheduledFuture<?> checks;
    private volatile boolean closed;
    private long made; // guarded by this: tokens made, for tests

    /**
     * @param given the application's {@code AwsCredentialsProvider}, or null for the SDK's default chain
     */
    ElastiCacheIamTokens(String user, String cacheName, String region, boolean serverless, Duration refresh, Clock clock,
            Object given) {
        this.user = user;
        this.cacheName = cacheName;
        this.region = region;
        this.serverless = serverless;
        this.refresh = refresh;
        this.clock = clock;
        this.owned = given instanceof AwsCredentialsProvider ? null : DefaultCredentialsProvider.builder().build();
        this.credentials = owned != null ? owned : (AwsCredentialsProvider) given;
    }

    static ElastiCacheIamTokens of(RedisSettings s) {
        return new ElastiCacheIamTokens(s.username(), s.keys().get(dev.haven.redis.RedisKeys.AUTH_CACHE_NAME),
                s.keys().get(dev.haven.redis.RedisKeys.AUTH_REGION), s.keys().get(dev.haven.redis.RedisKeys.AUTH_SERVERLESS),
                s.keys().get(dev.haven.redis.RedisKeys.AUTH_REFRESH), s.authClock(), s.awsCredentials());
    }

    /** Checks every second on {@code executor} whether a new token is due, and publishes it when one is made. */
    synchronized void start(ScheduledExecutorService executor) {
        if (checks == null && !closed) {
            checks = executor.scheduleWithFixedDelay(this::check, 1, 1, TimeUnit.SECONDS);
        }
    }

    /** Makes the next token if it is due (publishing it to the open connections); never throws. */
    void check() {
        try {
            token();
        } catch (RuntimeException e) {
            // the message is the SDK's (no token in it); the current token stays valid for a while
            log.warn("Haven: could not sign an ElastiCache IAM token for user {} of {} (the previous one is used until it "
                    + "expires): {}", user, cacheName, e.toString());
        }
    }

    /** The current token, made anew when {@code auth.refresh} has passed since it was made. */
    String token() {
        Instant now = clock.instant();
        RedisCredentials publish = null;
        String value;
        synchronized (this) {
            Token t = current;
            if (t == null || !now.isBefore(t.made().plus(refresh)) || now.isBefore(t.made())
                    || (refused && !now.isBefore(t.made().plus(REFUSED_REMAKE)))) {
                refused = false;
                boolean first = t == null;
                t = new Token(sign(now), now);
                current = t;
                made++;
                if (!first) {
                    publish = new Login(user, t.value());
                }
            }
            value = t.value();
            if (publish != null && !closed) {
                renewed.tryEmitNext(publish); // serialized by this lock; each open connection sends AUTH
            }
        }
        return value;
    }

    /** The token AWS documents, signed at {@code at}; visible for tests (they sign again with the same clock). */
    String sign(Instant at) {
        SdkHttpRequest.Builder request = SdkHttpRequest.builder().method(SdkHttpMethod.GET).protocol("http").host(cacheName)
                .encodedPath("/").putRawQueryParameter("Action", "connect").putRawQueryParameter("User", user);
        if (serverless) {
            request.putRawQueryParameter("ResourceType", "ServerlessCache");
        }
        Clock fixed = Clock.fixed(at, java.time.ZoneOffset.UTC);
        var signed = signer.sign(r -> r.identity(credentials.resolveCredentials()).request(request.build())
                .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                .putProperty(AwsV4FamilyHttpSigner.SERVICE_SIGNING_NAME, "elasticache")
                .putProperty(AwsV4FamilyHttpSigner.AUTH_LOCATION, AwsV4FamilyHttpSigner.AuthLocation.QUERY_STRING)
                .putProperty(AwsV4FamilyHttpSigner.EXPIRATION_DURATION, EXPIRY)
                .putProperty(HttpSigner.SIGNING_CLOCK, fixed));
        String uri = signed.request().getUri().toString();
        return uri.startsWith("http://") ? uri.substring("http://".length()) : uri;
    }

    /**
     * A node refused a login (the monitor saw {@code WRONGPASS} on a probe): the next check makes a new token, at least
     * {@link #REFUSED_REMAKE} after the current one was made, in case the AWS credentials that signed it were rotated or
     * revoked since.
     */
    synchronized void refused() {
        refused = true;
    }

    /** How many tokens were made so far. */
    synchronized long made() {
        return made;
    }

    /** When the current token was made, or null before the first. */
    synchronized Instant madeAt() {
        return current == null ? null : current.made();
    }

    @Override
    public Mono<RedisCredentials> resolveCredentials() {
        return Mono.fromSupplier(() -> new Login(user, token()));
    }

    @Override
    public boolean supportsStreaming() {
        return true;
    }

    /** Each token made after the first, for the connections open when it is made (Lettuce sends AUTH on each). */
    @Override
    public Flux<RedisCredentials> credentials() {
        return renewed.asFlux();
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            if (checks != null) {
                checks.cancel(false);
            }
        }
        renewed.tryEmitComplete();
        if (owned != null) {
            owned.close();
        }
    }

    @Override
    public String toString() {
        return "ElastiCache IAM tokens for user " + user + " of " + cacheName + " in " + region;
    }

    /** A user and token whose {@code toString()} shows no token. */
    record Login(String user, String token) implements RedisCredentials {
        @Override
        public String getUsername() {
            return user;
        }

        @Override
        public boolean hasUsername() {
            return true;
        }

        @Override
        public char[] getPassword() {
            return token.toCharArray();
        }

        @Override
        public boolean hasPassword() {
            return true;
        }

        @Override
        public String toString() {
            return "Login[user=" + user + ", token=****]";
        }
    }
}
