package dev.haven.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.haven.testkit.HavenPostgres;
import dev.haven.testkit.PostgresCluster;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * {@code haven.jdbc.auth=secrets-manager} through a password rotation under load: the database user's password and the
 * secret change while 8 threads read and write, new connections are made after the change (pools growing, probe
 * connections cut, a new data source), and nothing fails; Secrets Manager is asked a handful of times, not once per
 * connection. Secrets Manager is a small fake on loopback speaking its JSON protocol to the real SDK client.
 */
@HavenPostgres(replicas = 1)
class SecretRotationIT {

    private static final String SECRET_ID = "prod/orders/app";

    /** GetSecretValue on loopback: answers the current secret, counts the calls. */
    static final class FakeSecretsManager implements AutoCloseable {
        final HttpServer server;
        final AtomicInteger calls = new AtomicInteger();
        volatile String password;
        /** The secret's JSON, when set: instead of one made from {@link #password}. */
        volatile String secretJson;

        FakeSecretsManager(String password) throws IOException {
            this.password = password;
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/", exchange -> {
                String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
                exchange.getRequestBody().readAllBytes();
                byte[] body;
                int status;
                if ("secretsmanager.GetSecretValue".equals(target)) {
                    calls.incrementAndGet();
                    String secret = secretJson != null ? secretJson
                            : "{\"username\":\"app\",\"password\":\"" + this.password + "\",\"engine\":\"postgres\"}";
                    body = ("{\"ARN\":\"arn:aws:secretsmanager:us-east-1:123456789012:secret:" + SECRET_ID + "-AbCdEf\","
                            + "\"Name\":\"" + SECRET_ID + "\",\"SecretString\":" + quote(secret) + ",\"VersionId\":\"v"
                            + calls.get() + "\",\"VersionStages\":[\"AWSCURRENT\"],\"CreatedDate\":1.7E9}")
                            .getBytes(StandardCharsets.UTF_8);
                    status = 200;
                } else {
                    body = "{\"__type\":\"UnknownOperationException\"}".getBytes(StandardCharsets.UTF_8);
                    status = 400;
                }
                exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.1");
                exchange.sendResponseHeaders(status, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            server.start();
        }

        private static String quote(String s) {
            return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        }

        String endpoint() {
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    @Test
    void aRotationUnder8ThreadsFailsNothingAndCostsAFewSecretReads(PostgresCluster cluster) throws Exception {
        try (Connection admin = cluster.connect(cluster.primary())) {
            admin.createStatement().execute("CREATE ROLE app LOGIN PASSWORD 'first-Pa55' IN ROLE pg_monitor");
            admin.createStatement().execute("CREATE TABLE rotation (id bigserial PRIMARY KEY, by_thread int)");
            admin.createStatement().execute("GRANT ALL ON rotation TO app");
            admin.createStatement().execute("GRANT USAGE ON SEQUENCE rotation_id_seq TO app");
        }
        cluster.awaitReplicated(Duration.ofSeconds(10));
        try (FakeSecretsManager secrets = new FakeSecretsManager("first-Pa55");
                HavenDataSource ds = ItSupport.ready(builder(cluster, secrets), cluster)) {
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger active = new AtomicInteger(2); // threads beyond this wait: the pools grow after the rotation
            AtomicLong ops = new AtomicLong();
            List<Throwable> failures = new CopyOnWriteArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int id = t;
                Thread th = new Thread(() -> {
                    long until = System.nanoTime() + Duration.ofSeconds(60).toNanos(); // bounded whatever happens
                    while (!stop.get() && System.nanoTime() < until) {
                        if (id >= active.get()) {
                            ItSupport.sleepQuietly(10);
                            continue;
                        }
                        try (Connection c = ds.getConnection()) {
                            if (id % 2 == 0) {
                                try (PreparedStatement ps = c.prepareStatement("INSERT INTO rotation (by_thread) VALUES (?)")) {
                                    ps.setInt(1, id);
                                    ps.executeUpdate();
                                }
                            } else {
                                c.setReadOnly(true);
                                try (ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM rotation")) {
                                    rs.next();
                                }
                            }
                            ops.incrementAndGet();
                        } catch (Exception e) {
                            failures.add(e);
                        }
                    }
                }, "rotation-" + t);
                th.start();
                threads.add(th);
            }
            try {
                ItSupport.sleep(Duration.ofSeconds(2));
                int callsBefore = secrets.calls.get();
                long rotatedAt = System.currentTimeMillis();
                // The rotation: the database first, then the secret, as Secrets Manager's rotation function does.
                try (Connection admin = cluster.connect(cluster.primary())) {
                    admin.createStatement().execute("ALTER ROLE app PASSWORD 'second-Pa55'");
                }
                secrets.password = "second-Pa55";
                // New connections from now on: 6 more threads (the pools grow), and the probe connections cut.
                active.set(8);
                try (Connection admin = cluster.connect(cluster.primary())) {
                    admin.createStatement().execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            + "WHERE usename = 'app' AND application_name = 'haven-probe'");
                }
                ItSupport.sleep(Duration.ofSeconds(4));
                // A data source started after the rotation logs in with the new password at once.
                try (HavenDataSource fresh = ItSupport.ready(builder(cluster, secrets).clusterName("fresh")
                        .writerWait(Duration.ofSeconds(10)), cluster);
                        Connection c = fresh.getConnection()) {
                    c.createStatement().executeUpdate("INSERT INTO rotation (by_thread) VALUES (-1)");
                }
                stop.set(true);
                for (Thread th : threads) {
                    th.join(30_000);
                }
                long newLogins = ItSupport.count(cluster, cluster.primary(), "SELECT count(*) FROM pg_stat_activity WHERE "
                        + "usename = 'app' AND backend_start > to_timestamp(" + rotatedAt / 1000.0 + ")");
                int callsAfter = secrets.calls.get() - callsBefore;
                System.out.printf("secret rotation: %d operations, %d failed; connections logged in with the new password "
                        + "on the primary %d; secret reads %d before the rotation, %d after (two data sources)%n", ops.get(),
                        failures.size(), newLogins, callsBefore, callsAfter);
                assertThat(failures).as("operations failed across the rotation").isEmpty();
                assertThat(ops.get()).isGreaterThan(100);
                assertThat(newLogins).as("connections made after the rotation, with the new password").isGreaterThan(0);
                assertThat(callsAfter).as("secret reads after the rotation (no storm)").isBetween(1, 8);
            } finally {
                stop.set(true);
                for (Thread th : threads) {
                    th.join(30_000);
                }
            }
        }
    }

    /**
     * A secret without the fields Haven needs (here: no {@code password}): the first statement fails within the
     * writer-wait with Haven's "unavailable", naming the secret and what it must hold; the secret's text (here a stray
     * key that stands for whatever it held) appears in no message.
     */
    @Test
    void aSecretWithoutUsernameAndPasswordFailsSayingWhatItMustHold(PostgresCluster cluster) throws Exception {
        try (FakeSecretsManager secrets = new FakeSecretsManager("unused")) {
            secrets.secretJson = "{\"username\":\"app\",\"pass\":\"Typo-In-Key-77\"}";
            try (HavenDataSource ds = builder(cluster, secrets).build()) {
                long t0 = System.nanoTime();
                Throwable failed = org.assertj.core.api.Assertions.catchThrowable(() -> {
                    try (Connection c = ds.getConnection()) {
                        c.createStatement().execute("SELECT 1");
                    }
                });
                long millis = ItSupport.ms(System.nanoTime() - t0);
                System.err.printf("SecretRotationIT: a secret without a password field failed after %d ms: %s%n", millis, failed);
                assertThat(failed).as("what the application got").isInstanceOf(HavenUnavailableException.class)
                        .hasMessageContaining(SECRET_ID).hasMessageContaining("must hold string fields username and password")
                        .hasMessageNotContaining("Typo-In-Key-77");
                assertThat(millis).as("ms until it failed (writer-wait 3 s)").isLessThan(3_000 + 3_000);
            }
        }
    }

    private static HavenDataSource.Builder builder(PostgresCluster cluster, FakeSecretsManager secrets) {
        return HavenDataSource.builder()
                .url(cluster.jdbcUrl())
                .clusterName("rotation")
                .auth(JdbcAuthentication.SECRETS_MANAGER)
                .authSecretId(SECRET_ID)
                .authRegion("us-east-1")
                .authSecretsManagerEndpoint(secrets.endpoint())
                .awsCredentials(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "not-a-secret")))
                .deadline(ItSupport.STATEMENT_DEADLINE)
                .writerWait(Duration.ofSeconds(3))
                .probeTimeout(Duration.ofSeconds(1)) // a loaded 2-core machine: the test is about logins, not detection
                .poolProperty("connectionTimeout", "2000")
                .poolProperty("maximumPoolSize", "12");
    }
}
