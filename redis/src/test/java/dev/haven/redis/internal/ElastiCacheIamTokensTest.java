package dev.haven.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisCredentials;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * ElastiCache IAM tokens: AWS's documented shape, a signature that an independent SigV4 implementation (the SDK's
 * legacy {@code Aws4Signer.presign}, which AWS's ElastiCache sample uses) reproduces, and an hour of refreshes on a
 * virtual clock in which no login and no re-authentication presents an expired token.
 */
class ElastiCacheIamTokensTest {

    private static final Instant T0 = Instant.parse("2026-12-01T06:30:15Z");
    private static final AwsCredentialsProvider KEYS = StaticCredentialsProvider.create(
            AwsBasicCredentials.create("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"));


    private static ElastiCacheIamTokens tokens(Clock clock, boolean serverless, Duration refresh) {
        return new ElastiCacheIamTokens("orders-app", "orders", "us-east-1", serverless, refresh, clock, KEYS);
    }

    static Map<String, String> query(String token) {
        Map<String, String> q = new LinkedHashMap<>();
        for (String kv : URI.create("http://" + token).getRawQuery().split("&")) {
            int eq = kv.indexOf('=');
            q.put(kv.substring(0, eq), URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return q;
    }

    /** When {@code token} expires: its X-Amz-Date plus X-Amz-Expires. */
    static Instant expiry(String token) {
        Map<String, String> q = query(token);
        Instant signed = Instant.from(DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssX").parse(q.get("X-Amz-Date")));
        return signed.plusSeconds(Long.parseLong(q.get("X-Amz-Expires")));
    }

    static Instant signedAt(String token) {
        return expiry(token).minusSeconds(Long.parseLong(query(token).get("X-Amz-Expires")));
    }

    @Test
    void theTokenIsTheDocumentedPresignedConnectRequest() {
        try (ElastiCacheIamTokens t = tokens(Clock.fixed(T0, ZoneOffset.UTC), false, Duration.ofMinutes(10))) {
            String token = t.token();
            Map<String, String> q = query(token);
            System.out.printf("IAM token: %d chars, host %s, parameters %s%n", token.length(),
                    token.substring(0, token.indexOf('/')), q.keySet());
            assertThat(token).as("no scheme, host = cache name").startsWith("orders/?").doesNotContain("http://");
            assertThat(q).containsEntry("Action", "connect").containsEntry("User", "orders-app")
                    .containsEntry("X-Amz-Algorithm", "AWS4-HMAC-SHA256").containsEntry("X-Amz-Expires", "900")
                    .containsEntry("X-Amz-Date", "20261201T063015Z").containsEntry("X-Amz-SignedHeaders", "host")
                    .containsEntry("X-Amz-Credential", "AKIDEXAMPLE/20261201/us-east-1/elasticache/aws4_request")
                    .doesNotContainKey("ResourceType");
            assertThat(q.get("X-Amz-Signature")).matches("[0-9a-f]{64}");
            assertThat(expiry(token)).isEqualTo(T0.plusSeconds(900));
            assertThat(t.token()).as("kept until auth.refresh").isSameAs(token);
            assertThat(t.toString()).doesNotContain(q.get("X-Amz-Signature"));
            assertThat(new ElastiCacheIamTokens.Login("orders-app", token).toString()).doesNotContain(token).contains("****");
        }
    }

    @Test
    @SuppressWarnings("deprecation")
    void theSignatureIsWhatAnIndependentSigV4SignerMakesWithTheSameClock() {
        for (boolean serverless : new boolean[] {false, true}) {
            try (ElastiCacheIamTokens t = tokens(Clock.fixed(T0, ZoneOffset.UTC), serverless, Duration.ofMinutes(10))) {
                String token = t.token();
                assertThat(t.sign(T0)).as("signed again with the same clock").isEqualTo(token);
                assertThat(t.sign(T0.plusSeconds(1))).as("a second later").isNotEqualTo(token);
                // AWS's ElastiCache IAM sample: the SDK's legacy Aws4Signer presigns the same request
                var request = software.amazon.awssdk.http.SdkHttpFullRequest.builder()
                        .method(software.amazon.awssdk.http.SdkHttpMethod.GET).protocol("http").host("orders").encodedPath("/")
                        .putRawQueryParameter("Action", "connect").putRawQueryParameter("User", "orders-app");
                if (serverless) {
                    request.putRawQueryParameter("ResourceType", "ServerlessCache");
                }
                var params = software.amazon.awssdk.auth.signer.params.Aws4PresignerParams.builder()
                        .expirationTime(T0.plusSeconds(900)).awsCredentials(KEYS.resolveCredentials()).signingName("elasticache")
                        .signingRegion(software.amazon.awssdk.regions.Region.US_EAST_1)
                        .signingClockOverride(Clock.fixed(T0, ZoneOffset.UTC)).build();
                String legacy = software.amazon.awssdk.auth.signer.Aws4Signer.create().presign(request.build(), params).getUri()
                        .toString().replace("http://", "");
                assertThat(query(token)).as("serverless=" + serverless).isEqualTo(query(legacy));
                assertThat(query(token).get("ResourceType")).isEqualTo(serverless ? "ServerlessCache" : null);
            }
        }
    }

    /**
     * An hour on a virtual clock, second by second, as the client runs it: the check every second, a new connection
     * every 7 s (a login with the current token), and 20 long-lived connections that receive every new token (the
     * re-authentication). Emulated server: a token is accepted while {@code signed <= now < signed + 900 s}.
     */
    @Test
    void anHourOfRefreshesNeverPresentsAnExpiredToken() {
        dev.haven.testkit.SettableClock clock = new dev.haven.testkit.SettableClock(T0);
        try (ElastiCacheIamTokens t = tokens(clock, false, Duration.ofMinutes(10))) {
            List<Instant> lastAuth = new ArrayList<>();
            int[] reauths = {0};
            int[] failed = {0};
            int logins = 0;
            List<reactor.core.Disposable> connections = new ArrayList<>();
            for (int c = 0; c < 20; c++) {
                int id = c;
                String first = t.resolveCredentials().map(ElastiCacheIamTokensTest::password).block();
                failed[0] += accepted(first, clock.instant()) ? 0 : 1;
                lastAuth.add(clock.instant());
                connections.add(t.credentials().subscribe(cred -> {
                    reauths[0]++;
                    failed[0] += accepted(password(cred), clock.instant()) ? 0 : 1;
                    lastAuth.set(id, clock.instant());
                }));
            }
            long longestUnauthenticated = 0;
            for (int s = 0; s < 3600; s++) {
                clock.advance(Duration.ofSeconds(1));
                t.check();
                if (s % 7 == 0) {
                    logins++;
                    failed[0] += accepted(t.resolveCredentials().map(ElastiCacheIamTokensTest::password).block(), clock.instant()) ? 0 : 1;
                }
                for (Instant a : lastAuth) {
                    longestUnauthenticated = Math.max(longestUnauthenticated, Duration.between(a, clock.instant()).toSeconds());
                }
            }
            connections.forEach(reactor.core.Disposable::dispose);
            System.out.printf("IAM tokens over a simulated hour (refresh 10m): %d tokens made, %d logins, %d re-authentications"
                    + " of 20 open connections, %d failed; longest time since a connection's last AUTH %d s%n", t.made(),
                    logins + 20, reauths[0], failed[0], longestUnauthenticated);
            assertThat(failed[0]).as("logins and re-authentications with an expired token").isZero();
            assertThat(t.made()).as("tokens made in an hour at refresh 10m").isEqualTo(7);
            assertThat(reauths[0]).as("re-authentications: each new token on each open connection").isEqualTo(6 * 20);
            assertThat(longestUnauthenticated).as("s since a connection's last AUTH (token refresh 600 s)").isLessThanOrEqualTo(600);
        }
    }

    @Test
    void aSigningFailureKeepsThePreviousTokenAndIsRetried() {
        dev.haven.testkit.SettableClock clock = new dev.haven.testkit.SettableClock(T0);
        boolean[] down = {false};
        AwsCredentialsProvider flaky = () -> {
            if (down[0]) {
                throw software.amazon.awssdk.core.exception.SdkClientException.create("Unable to load credentials (test)");
            }
            return KEYS.resolveCredentials();
        };
        try (ElastiCacheIamTokens t = new ElastiCacheIamTokens("orders-app", "orders", "us-east-1", false,
                Duration.ofMinutes(10), clock, flaky)) {
            String first = t.token();
            clock.advance(Duration.ofMinutes(11));
            down[0] = true;
            t.check(); // logs, does not throw
            assertThat(t.madeAt()).isEqualTo(T0);
            down[0] = false;
            t.check();
            assertThat(t.madeAt()).isEqualTo(T0.plus(Duration.ofMinutes(11)));
            assertThat(t.token()).isNotEqualTo(first);
        }
    }

    @Test
    void aRefusedLoginMakesANewTokenAtMostEveryTenSeconds() {
        dev.haven.testkit.SettableClock clock = new dev.haven.testkit.SettableClock(T0);
        try (ElastiCacheIamTokens t = tokens(clock, false, Duration.ofMinutes(10))) {
            List<String> published = new ArrayList<>();
            reactor.core.Disposable d = t.credentials().subscribe(c -> published.add(password(c)));
            t.token();
            t.refused();
            clock.advance(Duration.ofSeconds(5));
            t.check();
            assertThat(t.made()).as("5 s after the token was made: not yet").isEqualTo(1);
            clock.advance(Duration.ofSeconds(5));
            t.check();
            assertThat(t.made()).as("10 s after: made anew").isEqualTo(2);
            assertThat(published).as("sent on the open connections").hasSize(1);
            for (int s = 0; s < 60; s++) { // refused on every probe round (1 s) for a minute
                t.refused();
                clock.advance(Duration.ofSeconds(1));
                t.check();
            }
            assertThat(t.made()).as("tokens in a minute of refusals").isEqualTo(2 + 6);
            clock.advance(Duration.ofSeconds(30));
            t.check();
            assertThat(t.made()).as("no refusal since: kept until auth.refresh").isEqualTo(8);
            d.dispose();
        }
    }

    private static String password(RedisCredentials c) {
        return new String(c.getPassword());
    }

    private static boolean accepted(String token, Instant now) {
        return !now.isBefore(signedAt(token)) && now.isBefore(expiry(token))
                && "orders-app".equals(query(token).get("User")) && "connect".equals(query(token).get("Action"));
    }
}
