package dev.haven.redis;

import dev.haven.Consistency;
import dev.haven.ReadFallback;
import dev.haven.config.CommonKeys;
import dev.haven.config.Setting;
import dev.haven.config.SettingsSpec;
import io.lettuce.core.SslVerifyMode;
import java.time.Duration;
import java.util.List;

/**
 * The {@code haven.redis.*} keys of a {@link HavenRedisClient}: each builder method sets one of them, and
 * {@link HavenRedisClient.Builder#properties} reads them with relaxed names. The defaults are the constants'
 * {@link Setting#defaultValue()}s; the README's settings table is {@link #SPEC}{@code .markdown()}.
 */
public final class RedisKeys {

    private RedisKeys() {
    }

    public static final Setting<String> SENTINEL = Setting.text("sentinel", null,
            "Lettuce's `redis-sentinel://host1:port1,host2:port2#master` (exactly one of `sentinel`, `nodes`, "
                    + "`primary-endpoint`, `global-datastore.*`)");
    public static final Setting<List<String>> NODES = Setting.list("nodes",
            "`host:port,host:port`: the primary and replicas, roles discovered with `INFO replication`");
    public static final Setting<String> PRIMARY_ENDPOINT = Setting.text("primary-endpoint", null,
            "ElastiCache (cluster mode disabled) primary endpoint `host:port`; replicas are discovered from it");
    public static final Setting<String> READER_ENDPOINT = Setting.text("reader-endpoint", null,
            "ElastiCache reader endpoint `host:port` (with `primary-endpoint`)");
    public static final Setting<String> USERNAME = Setting.text("username", null,
            "ACL user of the data nodes (with `auth=iam`, the IAM-enabled ElastiCache user)");
    public static final Setting<String> PASSWORD = Setting.text("password", null,
            "of the data nodes (Sentinels are reached without; not with `auth=iam`); never logged").secret();
    public static final Setting<RedisAuthentication> AUTH = Setting.choice("auth", RedisAuthentication.class,
            RedisAuthentication.PASSWORD, "how connections to data nodes (data, near cache, probes) log in: `password` "
                    + "(`username` and `password`); `iam` (ElastiCache IAM: a token signed for `username`, "
                    + "`auth.cache-name` and `auth.region`; needs `software.amazon.awssdk:http-auth-aws` and "
                    + "`software.amazon.awssdk:auth`)");
    public static final Setting<String> AUTH_REGION = Setting.text("auth.region", null,
            "`auth=iam`: the AWS region of the cache, which signs the tokens")
            .rule("be an AWS region name like us-east-1", v -> v.matches("[a-z]{2}(-[a-z]+)+-\\d+"));
    public static final Setting<String> AUTH_CACHE_NAME = Setting.text("auth.cache-name", null,
            "`auth=iam`: the replication group id (or serverless cache name) the tokens are signed for")
            .rule("be an ElastiCache replication group id or cache name (a letter, then letters, digits and hyphens, "
                    + "at most 50)", v -> v.matches("[A-Za-z][A-Za-z0-9-]{0,49}"));
    public static final Setting<Boolean> AUTH_SERVERLESS = Setting.flag("auth.serverless", false,
            "`auth=iam`: `auth.cache-name` is an ElastiCache Serverless cache (the token says `ResourceType=ServerlessCache`)");
    public static final Setting<Duration> AUTH_REFRESH = Setting.duration("auth.refresh", Duration.ofMinutes(10),
            "`auth=iam`: tokens are made anew after this (they expire after 15 minutes), and each new one re-authenticates "
                    + "the open connections").atLeast(Duration.ofSeconds(1)).atMost(Duration.ofMinutes(14));
    public static final Setting<Boolean> TLS = Setting.flag("tls", false,
            "TLS (ElastiCache in-transit encryption) on every connection: data nodes, the monitor's probes and Sentinels "
                    + "(also on with a `rediss-sentinel://` `sentinel` URI)");
    public static final Setting<String> TLS_CA_CERTIFICATE = Setting.text("tls-ca-certificate", null,
            "PEM file of the CA certificate(s) the servers' certificates must chain to (with `tls`)")
            .defaultShownAs("the JVM's trust store");
    public static final Setting<SslVerifyMode> TLS_VERIFY = Setting.choice("tls-verify", SslVerifyMode.class, SslVerifyMode.FULL,
            "`full`: the certificate chains to a trusted CA and names the host connected to; `ca`: the chain only (e.g. "
                    + "nodes announced by IP address); `none`: no check (encrypted, not authenticated)");
    public static final Setting<String> CLUSTER_NAME = CommonKeys.CLUSTER_NAME;
    public static final Setting<Duration> ATTEMPT_TIMEOUT = Setting.duration("attempt-timeout", Duration.ofSeconds(2),
            "one attempt of a command not answered within this fails (a read moves to another node, a write surfaces as "
                    + "outcome unknown); a node the monitor declares down fails its commands at once, so this only has to "
                    + "bound a healthy server's slowest answer").atLeast(Duration.ofMillis(10)).formerly("command-timeout");
    public static final Setting<Duration> CONNECT_TIMEOUT = Setting.duration("connect-timeout", Duration.ofSeconds(1),
            "TCP connect and handshake");
    public static final Setting<Consistency> DEFAULT_CONSISTENCY = CommonKeys.DEFAULT_CONSISTENCY.describedAs(
            "consistency of `sync()`/`async()` reads that do not choose one (`strong`, `session`, `eventual`, "
                    + "`bounded-staleness:<duration>`)");
    public static final Setting<Duration> LAG_BOUND = CommonKeys.LAG_BOUND;
    public static final Setting<ReadFallback> READ_FALLBACK = CommonKeys.READ_FALLBACK;
    public static final Setting<String> LOCAL_REGION = CommonKeys.LOCAL_REGION.formerly("region");
    public static final Setting<String> LOCAL_ZONE = CommonKeys.LOCAL_ZONE.formerly("zone");
    public static final Setting<Duration> PROBE_INTERVAL = CommonKeys.PROBE_INTERVAL;
    public static final Setting<Duration> FAST_PROBE_INTERVAL = CommonKeys.FAST_PROBE_INTERVAL;
    public static final Setting<Duration> PROBE_TIMEOUT = CommonKeys.PROBE_TIMEOUT;
    public static final Setting<Duration> WRITER_WAIT = CommonKeys.WRITER_WAIT;
    public static final Setting<Integer> RETRY_MAX_ATTEMPTS = CommonKeys.RETRY_MAX_ATTEMPTS.describedAs(
            "attempts of a read that reached a server, the first included");
    public static final Setting<Double> RETRY_BUDGET_RATIO = CommonKeys.RETRY_BUDGET_RATIO;
    public static final Setting<Integer> RETRY_BUDGET_RESERVE = CommonKeys.RETRY_BUDGET_RESERVE;
    public static final Setting<Integer> REQUEST_QUEUE_SIZE = Setting.integer("request-queue-size", 10_000,
            "commands queued per node connection before new ones are rejected (Lettuce's request queue)").range(1, 1_000_000);
    public static final Setting<Duration> KEEPALIVE_IDLE = Setting.duration("keepalive-idle", Duration.ofSeconds(5),
            "TCP keepalive idle time (then probes every 1s, 3 tries)").atLeast(Duration.ofSeconds(1));

    /** Open-ended keys: {@code global-datastore.<region>} and {@code endpoint.<host:port>.region|zone}. */
    public static final SettingsSpec.Family GLOBAL_DATASTORE = new SettingsSpec.Family("global-datastore", "<region>",
            "`host:port,...` of one Global Datastore region (its primary at least); >= 2 regions; `local-region` names one");
    public static final SettingsSpec.Family ENDPOINT = new SettingsSpec.Family("endpoint", "<host:port>.region|zone",
            "labels a node (`host:port` as the servers announce it) with its region and zone");

    public static final Setting<Double> BREAKER_FAILURE_RATE = CommonKeys.BREAKER_FAILURE_RATE;
    public static final Setting<Integer> BREAKER_WINDOW = CommonKeys.BREAKER_WINDOW;
    public static final Setting<Integer> BREAKER_MINIMUM_CALLS = CommonKeys.BREAKER_MINIMUM_CALLS;
    public static final Setting<Duration> BREAKER_WAIT_IN_OPEN = CommonKeys.BREAKER_WAIT_IN_OPEN;

    public static final SettingsSpec SPEC = SettingsSpec.of("haven.redis.", List.of(SENTINEL, NODES, PRIMARY_ENDPOINT,
            READER_ENDPOINT, USERNAME, PASSWORD, AUTH, AUTH_REGION, AUTH_CACHE_NAME, AUTH_SERVERLESS, AUTH_REFRESH, TLS, TLS_CA_CERTIFICATE, TLS_VERIFY, CLUSTER_NAME, ATTEMPT_TIMEOUT, CONNECT_TIMEOUT, DEFAULT_CONSISTENCY,
            READ_FALLBACK, LOCAL_REGION, LOCAL_ZONE, PROBE_INTERVAL, FAST_PROBE_INTERVAL, PROBE_TIMEOUT, WRITER_WAIT,
            RETRY_MAX_ATTEMPTS, RETRY_BUDGET_RATIO, RETRY_BUDGET_RESERVE, REQUEST_QUEUE_SIZE, KEEPALIVE_IDLE, LAG_BOUND, BREAKER_FAILURE_RATE, BREAKER_WINDOW, BREAKER_MINIMUM_CALLS, BREAKER_WAIT_IN_OPEN),
            List.of(GLOBAL_DATASTORE, ENDPOINT));
}
