package dev.haven.spring.boot.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.jdbc.HavenDataSource;
import dev.haven.spring.boot.HavenSessionFilter;
import dev.haven.testkit.HavenPostgres;
import dev.haven.testkit.PgNode;
import dev.haven.testkit.PostgresCluster;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Read-your-writes across HTTP requests with the starter alone ({@code haven.web.session.enabled=true} and
 * {@code @HavenConsistency("session")} on a read-only service method), on Boot 3.5.7 and 4.0.7: with the replica's
 * replay paused, a client that sends back each response's {@code X-Haven-Session} token reads every order it just
 * created (the writer serves those reads), while an {@code eventual} read of the same order on the replica misses it;
 * once the replica has replayed, the same session's reads go to the replica.
 */
@HavenPostgres(replicas = 1)
class SessionHttpIT {

    static final int PAIRS = 30;
    static final String HEADER = "X-Haven-Session";

    @Test
    void aClientReadsItsOwnWritesAcrossRequestsWhileTheReplicaLags(PostgresCluster cluster) throws Exception {
        Duration probeInterval = Duration.ofMillis(200);
        try (ConfigurableApplicationContext app = new SpringApplicationBuilder(OrdersApplication.class)
                .properties("server.port=0", "spring.main.banner-mode=off",
                        "haven.datasource.url=" + cluster.jdbcUrl(), "haven.datasource.username=" + cluster.user(),
                        "haven.datasource.password=" + cluster.password(), "haven.datasource.cluster-name=session-it",
                        "haven.datasource.probe-interval=" + probeInterval.toMillis() + "ms",
                        "haven.datasource.pool.maximum-pool-size=4", "haven.web.session.enabled=true",
                        // a shared 2-core machine at load 6-15: a 500 ms probe timeout took healthy servers for dead ones
                        // while HikariCP set up a pool's first connection, and HikariCP then poisoned the pool for its life
                        "haven.datasource.probe-timeout=2s")
                .run()) {
            assertThat(SpringBootVersion.getVersion()).startsWith(HttpFailoverIT.expectedBootVersion());
            assertThat(app.getBeansOfType(HavenSessionFilter.class)).hasSize(1);
            HavenDataSource ds = app.getBean(HavenDataSource.class);
            HttpFailoverIT.await("writer and replica", Duration.ofSeconds(15),
                    () -> ds.topology().writer().isPresent() && ds.topology().readers().size() == 1);
            app.getBean(JdbcTemplate.class).execute("create table orders(id text primary key)");
            cluster.awaitReplicated(Duration.ofSeconds(30));
            String base = "http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port");
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

            PgNode replica = cluster.replicas().get(0);
            cluster.pauseReplay(replica);
            String token = null;
            int created = 0;
            int sessionStale = 0;
            int sessionOnReplica = 0;
            int eventualStale = 0;
            try {
                for (int i = 0; i < PAIRS; i++) {
                    HttpResponse<String> post = send(http, base + "/orders?id=s-" + i, token, true);
                    created += post.statusCode() == 200 ? 1 : 0;
                    token = post.headers().firstValue(HEADER).orElse(null);
                    String[] session = send(http, base + "/orders/s-" + i + "?consistency=session", token, false).body().split(" ");
                    sessionStale += session[0].equals("1") ? 0 : 1;
                    sessionOnReplica += session[1].equals("true") ? 1 : 0;
                    String[] eventual = send(http, base + "/orders/s-" + i + "?consistency=eventual", null, false).body().split(" ");
                    eventualStale += eventual[0].equals("1") ? 0 : 1;
                }
            } finally {
                cluster.resumeReplay(replica);
            }

            cluster.awaitReplicated(Duration.ofSeconds(30));
            // Haven learns the replica's position from its probes: within a few probe rounds, reads of the session go there.
            String last = token;
            int[] afterReplay = new int[2]; // reads, of which on the replica
            HttpFailoverIT.await("a session read served by the replica after replay", probeInterval.multipliedBy(100), () -> {
                String[] r = send(http, base + "/orders/s-" + (PAIRS - 1) + "?consistency=session", last, false).body().split(" ");
                assertThat(r[0]).as("a session read after replay finds the order").isEqualTo("1");
                afterReplay[0]++;
                return r[1].equals("true") && ++afterReplay[1] > 0;
            });
            HttpResponse<String> bad = send(http, base + "/orders/s-0?consistency=session", "not-a-token", false);

            System.out.printf("Spring Boot %s, replica replay paused: %d of %d orders created; session reads with the "
                    + "token: %d stale, %d on the replica; eventual reads without it: %d of %d stale; after replay: "
                    + "%d session reads until one was served by the replica; token %s; a forged token: HTTP %d%n",
                    SpringBootVersion.getVersion(), created, PAIRS, sessionStale, sessionOnReplica, eventualStale, PAIRS,
                    afterReplay[0], token, bad.statusCode());
            assertThat(created).isEqualTo(PAIRS);
            assertThat(sessionStale).as("session reads that missed the client's own order").isZero();
            assertThat(sessionOnReplica).as("session reads served by the replica that lacks the order").isZero();
            assertThat(eventualStale).as("eventual reads of the paused replica miss orders (the control)").isPositive();
            assertThat(afterReplay[1]).isEqualTo(1);
            assertThat(token).startsWith("hs1;session-it@");
            assertThat(bad.statusCode()).isEqualTo(400);
        }
    }

    static HttpResponse<String> send(HttpClient http, String uri, String token, boolean post) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(30));
        if (token != null) {
            b.header(HEADER, token);
        }
        b = post ? b.POST(HttpRequest.BodyPublishers.noBody()) : b.GET();
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
