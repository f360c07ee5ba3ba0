package dev.haven.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.Endpoint;
import dev.haven.redis.internal.RedisSettings;
import java.time.Duration;
import java.util.Properties;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class HavenRedisClientBuilderTest {

    private static RedisSettings settings(UnaryOperator<HavenRedisClient.Builder> b) {
        return b.apply(HavenRedisClient.builder()).settings();
    }

    private static void fails(UnaryOperator<HavenRedisClient.Builder> b, String message) {
        assertThatThrownBy(() -> settings(b)).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }

    @Test
    void sentinelUriGivesSentinelsAndMasterName() {
        RedisSettings s = settings(b -> b.sentinel("redis-sentinel://127.0.0.1:26379,127.0.0.1:26380#mymaster").password("secret"));
        assertThat(s.sentinelMode()).isTrue();
        assertThat(s.sentinels()).extracting(Endpoint::id).containsExactly("127.0.0.1:26379", "127.0.0.1:26380");
        assertThat(s.masterName()).isEqualTo("mymaster");
        assertThat(s.commandTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(s.toString()).doesNotContain("secret").contains("password=***");
    }

    @Test
    void exactlyOneTopologySource() {
        String one = "haven.redis.sentinel, haven.redis.nodes, haven.redis.primary-endpoint and haven.redis.global-datastore.<region>: "
                + "exactly one must be given: was ";
        fails(b -> b, one + "0");
        fails(b -> b.nodes("a:1").elastiCache("b:2", null), one + "2");
        fails(b -> b.nodes("a:1").globalDatastoreRegion("r1", "b:2").globalDatastoreRegion("r2", "c:3"), one + "2");
        fails(b -> b.sentinel("redis://127.0.0.1:6379"),
                "haven.redis.sentinel must name Sentinels and a master (redis-sentinel://host:port#master): was redis://127.0.0.1:6379");
        fails(b -> b.nodes("localhost"), "haven.redis.nodes must be host:port: was 'localhost'");
        fails(b -> b.elastiCache("primary.cache.amazonaws.com:99999", null),
                "haven.redis.primary-endpoint port must be in 1..65535: was 'primary.cache.amazonaws.com:99999'");
    }

    @Test
    void globalDatastoreRegionsLocateTheirNodesAndTheLocalRegion() {
        RedisSettings s = settings(b -> b.globalDatastoreRegion("us-east-1", "10.0.1.10:6379", "10.0.1.11:6379")
                .globalDatastoreRegion("eu-west-1", "10.1.1.10:6379").localZone("eu-west-1", "eu-west-1a")
                .endpointLocation("10.1.1.10:6379", "", "eu-west-1b"));
        assertThat(s.globalDatastoreMode()).isTrue();
        assertThat(s.globalDatastore().keySet()).containsExactly("us-east-1", "eu-west-1");
        assertThat(s.globalDatastore().get("us-east-1")).extracting(Endpoint::id).containsExactly("10.0.1.10:6379", "10.0.1.11:6379");
        assertThat(s.endpointLocations().get("10.0.1.11:6379")).containsExactly("us-east-1", "");
        assertThat(s.endpointLocations().get("10.1.1.10:6379")).as("configured zone kept").containsExactly("eu-west-1", "eu-west-1b");
        assertThat(s.region()).isEqualTo("eu-west-1");
        assertThat(s.toString()).contains("global-datastore [us-east-1=[10.0.1.10:6379, 10.0.1.11:6379], eu-west-1=[10.1.1.10:6379]] local eu-west-1");

        Properties p = new Properties();
        p.setProperty("haven.redis.global-datastore.us-east-1", "10.0.1.10:6379, 10.0.1.11:6379");
        p.setProperty("haven.redis.global-datastore.eu-west-1", "10.1.1.10:6379");
        p.setProperty("haven.redis.region", "us-east-1");
        RedisSettings fromProps = HavenRedisClient.builder().properties(p).settings();
        assertThat(fromProps.globalDatastore().get("eu-west-1")).extracting(Endpoint::id).containsExactly("10.1.1.10:6379");
        assertThat(fromProps.region()).isEqualTo("us-east-1");
    }

    @Test
    void globalDatastoreMistakesNameThePropertyTheRuleAndTheValue() {
        fails(b -> b.globalDatastoreRegion("us-east-1", "a:1").localZone("us-east-1", ""),
                "haven.redis.global-datastore.<region> must name at least 2 regions (the primary region and a secondary one): was [us-east-1]");
        fails(b -> b.globalDatastoreRegion("us east", "a:1").globalDatastoreRegion("r2", "b:2"),
                "haven.redis.global-datastore.<region> region must match [A-Za-z0-9._-]{1,64}: was 'us east'");
        fails(b -> b.globalDatastoreRegion("r1", "a:1").globalDatastoreRegion("r2"),
                "haven.redis.global-datastore.r2 must list at least the region's primary as host:port: was empty");
        fails(b -> b.globalDatastoreRegion("r1", "a:1").globalDatastoreRegion("r2", "a"),
                "haven.redis.global-datastore.r2 must be host:port: was 'a'");
        fails(b -> b.globalDatastoreRegion("r1", "a:1").globalDatastoreRegion("r2", "a:1"),
                "haven.redis.global-datastore.r2 must not list a node twice: was 'a:1', already in haven.redis.global-datastore.r1");
        fails(b -> b.globalDatastoreRegion("r1", "a:1").globalDatastoreRegion("r2", "b:2"),
                "haven.redis.local-region must be one of the Global Datastore's regions [r1, r2] (reads stay in it): was ''");
        fails(b -> b.globalDatastoreRegion("r1", "a:1").globalDatastoreRegion("r2", "b:2").localZone("r3", ""),
                "haven.redis.local-region must be one of the Global Datastore's regions [r1, r2] (reads stay in it): was 'r3'");
        fails(b -> b.globalDatastoreRegion("r1", "a:1").globalDatastoreRegion("r2", "b:2").localZone("r1", "")
                        .endpointLocation("b:2", "r1", "z"),
                "haven.redis.endpoint.b:2 region must be r2 (its haven.redis.global-datastore.<region>): was r1");
        Properties empty = new Properties();
        empty.setProperty("haven.redis.global-datastore.r1", "a:1");
        empty.setProperty("haven.redis.global-datastore.r2", " ");
        empty.setProperty("haven.redis.region", "r1");
        assertThatThrownBy(() -> HavenRedisClient.builder().properties(empty).settings()).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("haven.redis.global-datastore.r2 must list at least the region's primary as host:port: was empty");
    }

    @Test
    void durationsAndNumbersAreValidatedWithPropertyRuleAndValue() {
        fails(b -> b.nodes("a:1").attemptTimeout(Duration.ofMillis(-1)), "haven.redis.attempt-timeout must be > 0: was -1ms");
        fails(b -> b.nodes("a:1").attemptTimeout(Duration.ofMillis(5)), "haven.redis.attempt-timeout must be >= 10ms: was 5ms");
        fails(b -> b.nodes("a:1").lagBound(Duration.ZERO), "haven.redis.lag-bound must be > 0: was 0s");
        fails(b -> b.nodes("a:1").fastProbeInterval(Duration.ofSeconds(2)),
                "haven.redis.fast-probe-interval must be <= haven.redis.probe-interval (1s): was 2s");
        fails(b -> b.nodes("a:1").retryMaxAttempts(0), "haven.redis.retry.max-attempts must be in 1..10: was 0");
        fails(b -> b.nodes("a:1").requestQueueSize(0), "haven.redis.request-queue-size must be in 1..1000000: was 0");
        fails(b -> b.nodes("a:1").retryBudget(1.5, 10), "haven.redis.retry.budget-ratio must be in [0, 1]: was 1.5");
        fails(b -> b.nodes("a:1").clusterName("has space"), "haven.redis.cluster-name must match [A-Za-z0-9._-]{1,64}: was has space");
    }

    @Test
    void propertiesUseTheSameNamesAndRejectUnknownKeys() {
        Properties p = new Properties();
        p.setProperty("haven.redis.nodes", "10.0.0.1:6379, 10.0.0.2:6379");
        p.setProperty("haven.redis.command-timeout", "300ms");
        p.setProperty("haven.redis.lag-bound", "500ms");
        p.setProperty("haven.redis.read-fallback", "fail");
        p.setProperty("other.key", "ignored");
        RedisSettings s = HavenRedisClient.builder().properties(p).settings();
        assertThat(s.nodes()).extracting(Endpoint::id).containsExactly("10.0.0.1:6379", "10.0.0.2:6379");
        assertThat(s.commandTimeout()).isEqualTo(Duration.ofMillis(300));
        assertThat(s.lagBound()).isEqualTo(Duration.ofMillis(500));
        assertThat(s.readFallbackToWriter()).isFalse();
        assertThat(s.defaultConsistency()).isEqualTo(dev.haven.Consistency.boundedStaleness(Duration.ofMillis(500)));

        // the current names, relaxed (camelCase, environment-variable form)
        RedisSettings relaxed = HavenRedisClient.builder().properties(java.util.Map.of("haven.redis.nodes", "10.0.0.1:6379",
                "HAVEN_REDIS_ATTEMPT_TIMEOUT", "400ms", "haven.redis.defaultConsistency", "eventual",
                "haven.redis.localRegion", "eu-west-1", "haven.redis.endpoint.10.0.0.1:6379.zone", "eu-west-1a")).settings();
        assertThat(relaxed.commandTimeout()).isEqualTo(Duration.ofMillis(400));
        assertThat(relaxed.defaultConsistency()).isEqualTo(dev.haven.Consistency.EVENTUAL);
        assertThat(relaxed.region()).isEqualTo("eu-west-1");
        assertThat(relaxed.endpointLocations().get("10.0.0.1:6379")).containsExactly("", "eu-west-1a");

        Properties typo = new Properties();
        typo.setProperty("haven.redis.lag-bund", "1s");
        assertThatThrownBy(() -> HavenRedisClient.builder().properties(typo)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("haven.redis.lag-bund is not a haven.redis.* setting");
        Properties bad = new Properties();
        bad.setProperty("haven.redis.command-timeout", "fast");
        assertThatThrownBy(() -> HavenRedisClient.builder().properties(bad)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("haven.redis.command-timeout must be a duration like 500ms, 1s, 2m or PT1S: was fast");
    }

    @Test
    void tlsKeysFromPropertiesAndTheirRules(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        Properties p = new Properties();
        p.setProperty("haven.redis.nodes", "a:1");
        p.setProperty("haven.redis.tls", "true");
        p.setProperty("haven.redis.tls-verify", "ca");
        RedisSettings s = HavenRedisClient.builder().properties(p).settings();
        assertThat(s.tls()).isTrue();
        assertThat(s.tlsVerify()).isEqualTo(io.lettuce.core.SslVerifyMode.CA);
        assertThat(s.tlsCaCertificate()).isNull(); // the JVM's trust store
        assertThat(s.toString()).contains("tls=ca");

        assertThat(settings(b -> b.nodes("a:1")).tls()).isFalse();
        RedisSettings secure = settings(b -> b.sentinel("rediss-sentinel://127.0.0.1:26379#m"));
        assertThat(secure.tls()).as("rediss-sentinel:// turns TLS on").isTrue();
        assertThat(secure.tlsVerify()).isEqualTo(io.lettuce.core.SslVerifyMode.FULL);

        String needs = " needs haven.redis.tls=true (or a rediss-sentinel:// haven.redis.sentinel): was tls=false with ";
        fails(b -> b.nodes("a:1").tlsVerify(io.lettuce.core.SslVerifyMode.NONE), "haven.redis.tls-verify" + needs + "tls-verify given");
        fails(b -> b.nodes("a:1").set(RedisKeys.TLS_CA_CERTIFICATE, "/ca.pem"), "haven.redis.tls-ca-certificate" + needs
                + "tls-ca-certificate given");

        java.nio.file.Path missing = dir.resolve("missing.pem");
        assertThatThrownBy(() -> settings(b -> b.nodes("a:1").tls(missing))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("haven.redis.tls-ca-certificate must be a readable PEM file of X.509 certificates: was "
                        + missing + " (cannot read it: NoSuchFileException");
        java.nio.file.Path notPem = java.nio.file.Files.writeString(dir.resolve("key.pem"), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        assertThatThrownBy(() -> settings(b -> b.nodes("a:1").tls(notPem))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("haven.redis.tls-ca-certificate must be a readable PEM file of X.509 certificates: was " + notPem);
    }

    @Test
    void iamNeedsUserRegionCacheNameAndNoPassword() {
        String ec = "master.orders.abc123.use1.cache.amazonaws.com:6379";
        RedisSettings s = settings(b -> b.elastiCache(ec, null).username("orders-app").auth(RedisAuthentication.IAM)
                .authRegion("us-east-1").authCacheName("orders").tls());
        assertThat(s.iam()).isTrue();
        assertThat(s.keys().get(RedisKeys.AUTH_REFRESH)).isEqualTo(Duration.ofMinutes(10));
        assertThat(s.toString()).contains("auth=iam user orders-app of orders in us-east-1").doesNotContain("password");

        fails(b -> b.elastiCache(ec, null).auth(RedisAuthentication.IAM).authRegion("us-east-1").authCacheName("orders"),
                "haven.redis.auth=iam needs haven.redis.username (the IAM-enabled ElastiCache user, whose user id and name are "
                        + "the same): was not set");
        fails(b -> b.elastiCache(ec, null).username("orders-app").auth(RedisAuthentication.IAM).authCacheName("orders"),
                "haven.redis.auth=iam needs haven.redis.auth.region (the cache's AWS region, e.g. us-east-1, which signs the "
                        + "tokens): was not set");
        fails(b -> b.elastiCache(ec, null).username("orders-app").auth(RedisAuthentication.IAM).authRegion("us-east-1"),
                "haven.redis.auth=iam needs haven.redis.auth.cache-name (the replication group id or serverless cache name "
                        + "the tokens are signed for): was not set");
        fails(b -> b.elastiCache(ec, null).credentials("orders-app", "pw").auth(RedisAuthentication.IAM).authRegion("us-east-1")
                .authCacheName("orders"), "haven.redis.password is not used with haven.redis.auth=iam (each connection "
                        + "presents an IAM token): was set; remove it");
        fails(b -> b.elastiCache(ec, null).authCacheName("orders"),
                "haven.redis.auth.cache-name needs haven.redis.auth=iam: was auth=password with auth.cache-name given");
        assertThatThrownBy(() -> HavenRedisClient.builder().authRegion("use1")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("haven.redis.auth.region must be an AWS region name like us-east-1").hasMessageContaining("use1");
        assertThatThrownBy(() -> HavenRedisClient.builder().authRefresh(Duration.ofMinutes(15)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("haven.redis.auth.refresh must be <= 14m")
                .hasMessageContaining("15m");
        assertThatThrownBy(() -> HavenRedisClient.builder().authCacheName("orders.prod"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("haven.redis.auth.cache-name must be an ElastiCache")
                .hasMessageContaining("orders.prod");
        Properties p = new Properties();
        p.setProperty("haven.redis.primary-endpoint", ec);
        p.setProperty("haven.redis.username", "orders-app");
        p.setProperty("haven.redis.auth", "iam");
        p.setProperty("haven.redis.auth.region", "eu-west-1");
        p.setProperty("haven.redis.auth.cache-name", "orders-serverless");
        p.setProperty("haven.redis.auth.serverless", "true");
        p.setProperty("haven.redis.auth.refresh", "5m");
        RedisSettings fromProperties = HavenRedisClient.builder().properties(p).settings();
        assertThat(fromProperties.iam()).isTrue();
        assertThat(fromProperties.keys().get(RedisKeys.AUTH_SERVERLESS)).isTrue();
        assertThat(fromProperties.keys().get(RedisKeys.AUTH_REFRESH)).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void iamWithoutTheSdkNamesTheArtifactToAdd() {
        dev.haven.config.Settings keys = HavenRedisClient.builder().elastiCache("e:6379", null).username("u")
                .auth(RedisAuthentication.IAM).authRegion("us-east-1").authCacheName("orders").settings().keys();
        ClassLoader withoutSdk = new ClassLoader(getClass().getClassLoader()) {
            @Override
            protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
                if (name.startsWith("software.amazon.awssdk.")) {
                    throw new ClassNotFoundException(name);
                }
                return super.loadClass(name, resolve);
            }
        };
        assertThatThrownBy(() -> HavenRedisClient.Builder.checkAuth(keys, withoutSdk)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("haven.redis.auth=iam needs software.amazon.awssdk:http-auth-aws on the class path (add it to the "
                        + "application's dependencies): software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner was not found");
        ClassLoader withoutAuth = new ClassLoader(getClass().getClassLoader()) {
            @Override
            protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
                if (name.startsWith("software.amazon.awssdk.auth.")) {
                    throw new ClassNotFoundException(name);
                }
                return super.loadClass(name, resolve);
            }
        };
        assertThatThrownBy(() -> HavenRedisClient.Builder.checkAuth(keys, withoutAuth))
                .hasMessageStartingWith("haven.redis.auth=iam needs software.amazon.awssdk:auth on the class path");
    }
}
