package dev.haven.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.Consistency;
import dev.haven.event.HavenEvent;
import dev.haven.testkit.SecretScan;
import dev.haven.testkit.SettableClock;
import dev.haven.testkit.StderrCapture;
import dev.haven.testkit.redis.HavenRedis;
import dev.haven.testkit.redis.RedisNode;
import dev.haven.testkit.redis.RedisTopology;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.NestedMultiOutput;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * {@code auth=iam} against real Redis servers that check logins the way ElastiCache does: the IAM user's passwords are
 * the tokens ElastiCache would accept at the time. The test signs each token itself, with the SDK's signer but not Haven's
 * code, from the same static AWS keys and the same (virtual) signing clock, and installs it with {@code ACL SETUSER} before moving the clock; once Haven has
 * re-authenticated its open connections it removes the previous token. Under a load of 4 threads, 4 rotations: every
 * operation succeeds, every connection open before a rotation is still open after it and sent {@code AUTH} with the new
 * token, no login is ever refused ({@code ACL LOG}), and no token (nor the AWS secret key) appears in anything Haven
 * produced. The near cache is on, so its tracked connection is among those that log in and re-authenticate.
 */
@HavenRedis(replicas = 1, password = ElastiCacheIamIT.ADMIN_PASSWORD)
class ElastiCacheIamIT {

    static final String ADMIN_PASSWORD = "iam-admin-51c2";
    static final String USER = "orders-iam";
    static final String CACHE = "haven-it";
    static final String SECRET_KEY = "hAvEn/It+SecretKey0000000000000000EXAMPLE";
    private static final AwsCredentialsProvider KEYS = StaticCredentialsProvider.create(
            AwsBasicCredentials.create("AKIAHAVENIT0EXAMPLE", SECRET_KEY));
    private static final int ROTATIONS = 4;
    private static final int THREADS = 4;


    /**
     * The token ElastiCache accepts for {@code USER} of {@code CACHE} signed at {@code at}, signed here (the SDK's signer
     * with the documented request), not by Haven. Redis compares the password as a string, so the parameters are in the
     * order this signer writes them; ElastiCacheIamTokensTest checks they are the ones the legacy signer of AWS's sample
     * writes, with the same signature.
     */
    static String token(Instant at) {
        var request = software.amazon.awssdk.http.SdkHttpRequest.builder().method(software.amazon.awssdk.http.SdkHttpMethod.GET)
                .protocol("http").host(CACHE).encodedPath("/").putRawQueryParameter("Action", "connect")
                .putRawQueryParameter("User", USER).build();
        var signer = software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner.create();
        var signed = signer.sign(r -> r.identity(KEYS.resolveCredentials()).request(request)
                .putProperty(software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner.REGION_NAME, "us-east-1")
                .putProperty(software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner.SERVICE_SIGNING_NAME, "elasticache")
                .putProperty(software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner.AUTH_LOCATION,
                        software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner.AuthLocation.QUERY_STRING)
                .putProperty(software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner.EXPIRATION_DURATION, Duration.ofSeconds(900))
                .putProperty(software.amazon.awssdk.http.auth.spi.signer.HttpSigner.SIGNING_CLOCK, Clock.fixed(at, ZoneOffset.UTC)));
        return signed.request().getUri().toString().replace("http://", "");
    }

    /** Runs {@code f} as the admin on a plain Lettuce connection to the node's direct (unproxied) port. */
    static <T> T direct(RedisNode node, java.util.function.Function<StatefulRedisConnection<String, String>, T> f) {
        RedisClient c = RedisClient.create(RedisURI.builder().withHost("127.0.0.1").withPort(node.directPort())
                .withPassword(ADMIN_PASSWORD.toCharArray()).build());
        try (StatefulRedisConnection<String, String> conn = c.connect()) {
            return f.apply(conn);
        } finally {
            c.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        }
    }

    /** How many times AUTH ran on {@code n} ({@code INFO commandstats}); logins are HELLO, re-authentications AUTH. */
    private static long auths(RedisNode n) {
        Matcher m = Pattern.compile("cmdstat_auth:calls=(\\d+)").matcher(direct(n, c -> c.sync().info("commandstats")));
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    private static void acl(RedisTopology redis, String... args) {
        for (RedisNode n : redis.nodes()) {
            direct(n, c -> {
                CommandArgs<String, String> a = new CommandArgs<>(StringCodec.UTF8);
                for (String s : args) {
                    a.add(s);
                }
                return c.sync().dispatch(CommandType.ACL, new StatusOutput<>(StringCodec.UTF8), a);
            });
        }
    }

    /** Ids of the connections logged in as {@code USER} on {@code n} ({@code CLIENT LIST}). */
    private static Set<Long> userConnections(RedisNode n) {
        String list = direct(n, c -> c.sync().clientList());
        Set<Long> ids = new TreeSet<>();
        Matcher m = Pattern.compile("id=(\\d+) .* user=" + USER + "( |$)", Pattern.MULTILINE).matcher(list);
        while (m.find()) {
            ids.add(Long.parseLong(m.group(1)));
        }
        return ids;
    }

    /** Logins refused on {@code n} since it started ({@code ACL LOG} entries with reason auth, with their counts). */
    private static long refusedLogins(RedisNode n) {
        List<Object> log = direct(n, c -> c.sync().dispatch(CommandType.ACL, new NestedMultiOutput<>(StringCodec.UTF8),
                new CommandArgs<>(StringCodec.UTF8).add("LOG")));
        long refused = 0;
        for (Object entry : log) {
            List<?> fields = (List<?>) entry;
            Map<Object, Object> f = new HashMap<>();
            for (int i = 0; i + 1 < fields.size(); i += 2) {
                f.put(fields.get(i), fields.get(i + 1));
            }
            if ("auth".equals(f.get("reason"))) {
                refused += ((Number) f.get("count")).longValue();
            }
        }
        return refused;
    }

    @Test
    void tokensRotateUnderLoadWithoutAFailedOperationAndOpenConnectionsReauthenticate(RedisTopology redis) throws Exception {
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Duration refresh = Duration.ofMinutes(10);
        List<String> tokens = new ArrayList<>();
        List<String> secrets = new ArrayList<>();
        for (int k = 0; k <= ROTATIONS; k++) {
            String t = token(t0.plus(refresh.multipliedBy(k)));
            tokens.add(t);
            secrets.add(t);
            secrets.add(t.substring(t.indexOf("X-Amz-Signature=") + "X-Amz-Signature=".length()));
        }
        secrets.add(SECRET_KEY);
        SecretScan scan = new SecretScan(secrets.toArray(String[]::new));
        SettableClock clock = new SettableClock(t0);
        acl(redis, "SETUSER", USER, "reset", "on", ">" + tokens.get(0), "~*", "+@all");
        List<HavenEvent> events = new CopyOnWriteArrayList<>();
        List<String> log;
        AtomicLong ops = new AtomicLong();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<String> rotations = new ArrayList<>();
        int survived = 0;
        int before = 0;
        long reauths = 0;
        int newClients = 0;
        String nearCache;
        try (StderrCapture stderr = new StderrCapture()) {
            HavenRedisClient.Builder builder = ItSupport.sentinelClient(redis).username(USER).auth(RedisAuthentication.IAM)
                    .authRegion("us-east-1").authCacheName(CACHE).awsCredentials(KEYS).authClock(clock).listener(events::add)
                    .nearCache(NearCacheConfig.of(1_000, Duration.ofSeconds(5))); // its tracked connection logs in too
            try (HavenRedisClient client = ItSupport.ready(builder.build(), 1)) {
                scan.text(client.toString());
                scan.text(client.settings().toString());
                AtomicBoolean stop = new AtomicBoolean();
                List<Thread> load = new ArrayList<>();
                for (int i = 0; i < THREADS; i++) {
                    int id = i;
                    Thread th = new Thread(() -> {
                        try (HavenRedisConnection c = client.connect()) {
                            for (long n = 0; !stop.get(); n++) {
                                try {
                                    c.sync().set("iam:" + id + ":" + (n % 100), "v" + n);
                                    String v = c.reads(n % 2 == 0 ? Consistency.STRONG : Consistency.EVENTUAL).get("iam:" + id + ":" + (n % 100));
                                    ops.addAndGet(2);
                                    if (v == null) {
                                        failures.add(new AssertionError("read back null for iam:" + id));
                                    }
                                } catch (RuntimeException e) {
                                    failures.add(e);
                                }
                            }
                        }
                    }, "iam-load-" + i);
                    th.start();
                    load.add(th);
                }
                ItSupport.sleep(Duration.ofSeconds(2)); // every node's data and probe connections are open
                for (int k = 1; k <= ROTATIONS; k++) {
                    Map<RedisNode, Set<Long>> open = new HashMap<>();
                    Map<RedisNode, Long> authsBefore = new HashMap<>();
                    for (RedisNode n : redis.nodes()) {
                        open.put(n, userConnections(n));
                        authsBefore.put(n, auths(n));
                    }
                    acl(redis, "SETUSER", USER, ">" + tokens.get(k)); // ElastiCache accepts the new token from now on
                    long r0 = System.nanoTime();
                    clock.set(t0.plus(refresh.multipliedBy(k))); // Haven's next check makes it and sends it on every connection
                    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
                    boolean done = false;
                    while (!done && System.nanoTime() < deadline) {
                        done = true;
                        for (RedisNode n : redis.nodes()) {
                            done &= auths(n) - authsBefore.get(n) >= open.get(n).size();
                        }
                        if (!done) {
                            ItSupport.sleep(Duration.ofMillis(50));
                        }
                    }
                    long reauthMs = (System.nanoTime() - r0) / 1_000_000;
                    acl(redis, "SETUSER", USER, "<" + tokens.get(k - 1)); // the previous token is refused from now on
                    // a client started now logs in (data and its own connections) with the new token only
                    try (HavenRedisClient fresh = builder.build(); HavenRedisConnection c = fresh.connect()) {
                        c.sync().set("iam:fresh:" + k, "x");
                        newClients++;
                    }
                    ItSupport.sleep(Duration.ofSeconds(2)); // load goes on with only the new token valid
                    int stillOpen = 0;
                    int opened = 0;
                    long rotationAuths = 0;
                    for (RedisNode n : redis.nodes()) {
                        Set<Long> now = userConnections(n);
                        opened += open.get(n).size();
                        stillOpen += (int) open.get(n).stream().filter(now::contains).count();
                        rotationAuths += auths(n) - authsBefore.get(n);
                    }
                    before += opened;
                    survived += stillOpen;
                    reauths += rotationAuths;
                    rotations.add(String.format("rotation %d: %d of %d connections open before it still open, %d AUTH, "
                            + "re-authenticated within %d ms", k, stillOpen, opened, rotationAuths, reauthMs));
                }
                stop.set(true);
                for (Thread th : load) {
                    th.join(10_000);
                }
                scan.text(client.toString());
                scan.text(client.topology().toString());
                nearCache = client.nearCacheStats().orElseThrow().toString();
            }
            log = stderr.lines();
        }
        long refused = 0;
        for (RedisNode n : redis.nodes()) {
            refused += refusedLogins(n);
        }
        failures.forEach(scan::exception);
        events.forEach(scan::text);
        List<String> leaks = scan.leaks(log);
        rotations.forEach(System.out::println);
        System.out.println("near cache: " + nearCache);
        System.out.printf("ElastiCache IAM emulation: %d operations under %d threads across %d token rotations, %d failed; "
                + "%d of %d connections open before a rotation still open after it, %d AUTH (re-authentications); "
                + "%d clients started after a rotation; %d logins refused; %d log lines and %d texts scanned, %d contain a "
                + "token%n", ops.get(), THREADS, ROTATIONS, failures.size(), survived, before, reauths, newClients, refused,
                log.size(), scan.texts(), leaks.size());
        failures.stream().limit(3).forEach(Throwable::printStackTrace);
        assertThat(failures).as("failed operations").isEmpty();
        assertThat(ops.get()).as("operations").isGreaterThan(1_000);
        assertThat(before).as("connections open before the rotations (data + probes, per node)").isGreaterThanOrEqualTo(ROTATIONS * 2);
        assertThat(survived).as("connections open before a rotation and still open after it").isEqualTo(before);
        assertThat(reauths).as("AUTH sent on open connections").isGreaterThanOrEqualTo(before);
        assertThat(newClients).isEqualTo(ROTATIONS);
        assertThat(refused).as("logins refused (a token not accepted at the time)").isZero();
        assertThat(leaks).as("texts containing a token").isEmpty();
    }

    /**
     * A token the servers do not accept (e.g. signed with AWS credentials revoked since): every node refuses the login,
     * so commands fail at once naming the IAM login; the monitor's refusals make Haven sign anew (10 s after the refused
     * token, on the signing clock), and once the servers accept the new token the client works without a restart.
     */
    @Test
    void aRefusedTokenFailsFastAndANewOneIsSignedWithoutARestart(RedisTopology redis) {
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        SettableClock clock = new SettableClock(t0);
        acl(redis, "SETUSER", USER, "reset", "on", ">not-a-token-of-this-cache", "~*", "+@all");
        try (HavenRedisClient client = ItSupport.sentinelClient(redis).username(USER).auth(RedisAuthentication.IAM)
                .authRegion("us-east-1").authCacheName(CACHE).awsCredentials(KEYS).authClock(clock).build();
             HavenRedisConnection c = client.connect()) {
            long w0 = System.nanoTime();
            Throwable refused = org.assertj.core.api.Assertions.catchThrowable(() -> c.sync().set("iam:k", "v"));
            long refusedMs = (System.nanoTime() - w0) / 1_000_000;
            assertThat(refused).isInstanceOf(HavenRedisUnavailableException.class)
                    .hasMessageContaining("every node refused the login (haven.redis.auth=iam: user " + USER + ", cache " + CACHE
                            + " in us-east-1)").hasMessageContaining("WRONGPASS").hasMessageNotContaining("X-Amz-Signature");
            Instant later = t0.plusSeconds(10);
            acl(redis, "SETUSER", USER, "resetpass", ">" + token(later)); // the servers accept what Haven signs 10 s on
            clock.set(later);
            long r0 = System.nanoTime();
            String value = null;
            long deadline = r0 + Duration.ofSeconds(15).toNanos();
            while (value == null && System.nanoTime() < deadline) {
                try {
                    c.sync().set("iam:k", "v");
                    value = c.reads(Consistency.STRONG).get("iam:k");
                } catch (HavenRedisUnavailableException e) {
                    ItSupport.sleep(Duration.ofMillis(100));
                }
            }
            long recoveredMs = (System.nanoTime() - r0) / 1_000_000;
            System.out.printf("ElastiCache IAM, a refused token: the write failed after %d ms (writer-wait %s); with the "
                    + "servers accepting a token signed 10 s later, writes and reads work again after %d ms%n", refusedMs,
                    ItSupport.WRITER_WAIT, recoveredMs);
            assertThat(refusedMs).as("ms until a write fails with every login refused").isLessThan(1_000);
            assertThat(value).as("read back after the new token").isEqualTo("v");
            assertThat(recoveredMs).as("ms until the client works again").isLessThan(10_000);
        }
    }
}
