package dev.haven.jdbc;

import dev.haven.config.CommonKeys;
import dev.haven.config.Setting;
import dev.haven.config.SettingsSpec;
import java.time.Duration;
import java.util.List;

/**
 * The {@code haven.jdbc.*} keys of a {@link HavenDataSource}: each builder method sets one of them, and
 * {@link HavenDataSource.Builder#properties} reads them with relaxed names ({@code haven.jdbc.retry.maxAttempts},
 * {@code HAVEN_JDBC_RETRY_MAX_ATTEMPTS}). The defaults are the constants' {@link Setting#defaultValue()}s; the README's
 * settings table is {@link #SPEC}{@code .markdown()}.
 */
public final class JdbcKeys {

    private JdbcKeys() {
    }

    public static final Setting<String> URL = Setting.text("url", null,
            "the seed servers: `jdbc:postgresql://host1:port1,host2:port2/db?params` (or `jdbc:mariadb://`, `jdbc:mysql://`); "
                    + "required; not logged (it may carry a password)")
            .secret();
    public static final Setting<String> USERNAME = Setting.text("username", null, "the database user");
    public static final Setting<String> PASSWORD = Setting.text("password", null, "never logged, never in a message").secret();
    public static final Setting<JdbcAuthentication> AUTH = Setting.choice("auth", JdbcAuthentication.class,
            JdbcAuthentication.PASSWORD, "how new connections (pools and probes) log in: `password`; `iam` (an RDS IAM "
                    + "token per server, needs `software.amazon.awssdk:rds`); `secrets-manager` (username and password from "
                    + "`auth.secret-id`, fetched again when a login is refused; needs `software.amazon.awssdk:secretsmanager`)");
    public static final Setting<String> AUTH_REGION = Setting.text("auth.region", null,
            "the AWS region that signs IAM tokens and serves the secret; by default the region of an RDS host name in "
                    + "the URL").defaultShownAs("derived").rule("be an AWS region name like us-east-1",
                    v -> v.matches("[a-z]{2}(-[a-z]+)+-\\d+"));
    public static final Setting<String> AUTH_SECRET_ID = Setting.text("auth.secret-id", null,
            "`auth=secrets-manager`: the secret's name or ARN; its JSON holds `username` and `password`");
    public static final Setting<String> AUTH_SECRETS_MANAGER_ENDPOINT = Setting.text("auth.secrets-manager-endpoint", null,
            "`auth=secrets-manager`: an endpoint URL other than the region's (a VPC endpoint)")
            .rule("be an absolute http(s) URL", v -> v.matches("https?://[^\\s/]+(/.*)?"));
    public static final Setting<Duration> AUTH_REFRESH = Setting.duration("auth.refresh", Duration.ofMinutes(10),
            "IAM tokens are made anew, and the secret fetched anew, after this (IAM tokens expire after 15 minutes)")
            .atLeast(Duration.ofSeconds(1)).atMost(Duration.ofMinutes(14));
    public static final Setting<JdbcProvider> PROVIDER = Setting.choice("provider", JdbcProvider.class, JdbcProvider.AUTO,
            "the kind of database and deployment (`auto`, `postgres`, `aurora-postgres`, `aurora-global-postgres`, "
                    + "`rds-multi-az-postgres`, `mysql`, `mariadb`, `aurora-mysql`); `auto` "
                    + "detects it at the first "
                    + "contact and logs what it chose; a kind the server does not match fails every connection with a "
                    + "message naming it");
    public static final Setting<String> AURORA_INSTANCE_HOST_PATTERN = Setting.text("aurora.instance-host-pattern", null,
            "host name of an Aurora instance, `?` standing for its instance identifier "
                    + "(`?.c9akciq32.us-east-1.rds.amazonaws.com`); by default derived from an RDS cluster endpoint in the URL")
            .defaultShownAs("derived")
            .rule("contain exactly one `?` and no `:` or `/`",
                    dev.haven.jdbc.internal.AuroraPostgresTopologyProvider::validPattern);
    public static final Setting<String> AURORA_GLOBAL_INSTANCE_HOST_PATTERNS = Setting.text(
            "aurora.global-instance-host-patterns", "",
            "Aurora Global Database: the instance host pattern of each region, `<region>=<pattern>,...` "
                    + "(`us-east-1=?.c9akciq32.us-east-1.rds.amazonaws.com,us-west-2=?.x7bd2kq1.us-west-2.rds.amazonaws.com`); "
                    + "the home region's may come from `aurora.instance-host-pattern` or the URL instead; instances of a "
                    + "region without a pattern are not used")
            .rule("be `<region>=<pattern>,...` (regions like `us-east-1`, each once), each pattern with exactly one `?` "
                    + "and no `:` or `/`", JdbcKeys::globalPatternsValid);
    public static final Setting<Boolean> AURORA_CROSS_REGION_READS = Setting.flag("aurora.cross-region-reads", false,
            "Aurora Global Database: whether reads may go to replicas outside the home region (`local-region`) when none "
                    + "there qualifies (within the read's lag bound); off: they fall back to the writer or fail, per "
                    + "`read-fallback`");
    public static final Setting<String> CLUSTER_NAME = CommonKeys.CLUSTER_NAME;
    public static final Setting<dev.haven.Consistency> DEFAULT_CONSISTENCY = CommonKeys.DEFAULT_CONSISTENCY.describedAs(
            "consistency of read-only connections that do not choose one (`strong`, `session` (needs a `HavenSession` on "
                    + "the connection, else the writer), `eventual`, `bounded-staleness:<duration>`)");
    public static final Setting<Duration> LAG_BOUND = CommonKeys.LAG_BOUND;
    public static final Setting<dev.haven.ReadFallback> READ_FALLBACK = CommonKeys.READ_FALLBACK;
    public static final Setting<String> LOCAL_REGION = CommonKeys.LOCAL_REGION.formerly("region");
    public static final Setting<String> LOCAL_ZONE = CommonKeys.LOCAL_ZONE.formerly("zone");
    public static final Setting<Duration> PROBE_INTERVAL = CommonKeys.PROBE_INTERVAL;
    public static final Setting<Duration> FAST_PROBE_INTERVAL = CommonKeys.FAST_PROBE_INTERVAL;
    public static final Setting<Duration> PROBE_TIMEOUT = CommonKeys.PROBE_TIMEOUT;
    public static final Setting<Duration> DEADLINE = Setting.duration("deadline", Duration.ofSeconds(30),
            "no statement blocks its thread longer, retries included (driver network timeout, and an abort when its server "
                    + "is declared down)").atLeast(Duration.ofMillis(100)).atMost(Duration.ofDays(24))
            .formerly("statement-deadline");
    public static final Setting<Duration> WRITER_WAIT = CommonKeys.WRITER_WAIT;
    public static final Setting<Duration> SESSION_WAIT = Setting.duration("session-wait", Duration.ZERO,
            "how long a `SESSION` read waits for a replica to replay the session's last write before it goes to the "
                    + "writer (replica positions are sampled finely meanwhile); 0: to the writer at once")
            .atMost(Duration.ofSeconds(10));
    public static final Setting<Integer> RETRY_MAX_ATTEMPTS = CommonKeys.RETRY_MAX_ATTEMPTS;
    public static final Setting<Duration> RETRY_BASE_BACKOFF = CommonKeys.RETRY_BASE_BACKOFF;
    public static final Setting<Duration> RETRY_MAX_BACKOFF = CommonKeys.RETRY_MAX_BACKOFF;
    public static final Setting<Double> RETRY_BUDGET_RATIO = CommonKeys.RETRY_BUDGET_RATIO;
    public static final Setting<Integer> RETRY_BUDGET_RESERVE = CommonKeys.RETRY_BUDGET_RESERVE;
    public static final Setting<Integer> TRANSACTION_MAX_ATTEMPTS = Setting.integer("transaction.max-attempts", 3,
            "runs of `transaction(work)` when a failover or a serialization failure rolls it back").range(1, 20);

    /** Open-ended keys: {@code pool.<hikari property>} and {@code endpoint.<host:port>.region|zone}. */
    public static final SettingsSpec.Family POOL = new SettingsSpec.Family("pool", "<hikari property>",
            "a HikariCP property for every per-server pool (defaults `minimumIdle=2`, `connectionTimeout=2000`)");
    public static final SettingsSpec.Family ENDPOINT = new SettingsSpec.Family("endpoint", "<host:port>.region|zone",
            "labels a server with its region and zone");

    public static final Setting<Double> BREAKER_FAILURE_RATE = CommonKeys.BREAKER_FAILURE_RATE;
    public static final Setting<Integer> BREAKER_WINDOW = CommonKeys.BREAKER_WINDOW;
    public static final Setting<Integer> BREAKER_MINIMUM_CALLS = CommonKeys.BREAKER_MINIMUM_CALLS;
    public static final Setting<Duration> BREAKER_WAIT_IN_OPEN = CommonKeys.BREAKER_WAIT_IN_OPEN;

    public static final SettingsSpec SPEC = SettingsSpec.of("haven.jdbc.", List.of(URL, USERNAME, PASSWORD, AUTH, AUTH_REGION,
            AUTH_SECRET_ID, AUTH_SECRETS_MANAGER_ENDPOINT, AUTH_REFRESH, PROVIDER,
            AURORA_INSTANCE_HOST_PATTERN, AURORA_GLOBAL_INSTANCE_HOST_PATTERNS, AURORA_CROSS_REGION_READS, CLUSTER_NAME,
            DEFAULT_CONSISTENCY, READ_FALLBACK, LOCAL_REGION, LOCAL_ZONE, PROBE_INTERVAL, FAST_PROBE_INTERVAL, PROBE_TIMEOUT,
            DEADLINE, WRITER_WAIT, SESSION_WAIT, RETRY_MAX_ATTEMPTS, RETRY_BASE_BACKOFF, RETRY_MAX_BACKOFF, RETRY_BUDGET_RATIO,
            RETRY_BUDGET_RESERVE, TRANSACTION_MAX_ATTEMPTS, LAG_BOUND, BREAKER_FAILURE_RATE, BREAKER_WINDOW, BREAKER_MINIMUM_CALLS, BREAKER_WAIT_IN_OPEN), List.of(POOL, ENDPOINT));

    private static boolean globalPatternsValid(String v) {
        try {
            dev.haven.jdbc.internal.AuroraGlobalPostgresTopologyProvider.patterns(v, null, "");
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
