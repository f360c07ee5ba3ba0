package dev.haven.benchmarks;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.haven.Endpoint;
import dev.haven.HavenSession;

import dev.haven.Role;
import dev.haven.benchmarks.stub.StubDriver;
import dev.haven.jdbc.HavenConnection;
import dev.haven.jdbc.HavenDataSource;
import dev.haven.spi.Probe;
import dev.haven.testkit.PgNode;
import dev.haven.testkit.PostgresCluster;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What Haven adds to one autocommit statement, against the same HikariCP pool without Haven, in the same
 * run. One operation = borrow a connection, prepare {@code SELECT ?}, bind an int, execute, read the row,
 * close everything.
 *
 * <ul>
 *   <li>{@code rawHikari}, {@code havenWrite}, {@code havenRead}: over {@link StubDriver} (no I/O), so the
 *       difference is Haven's own CPU and allocation: routing, proxies, per-server bookkeeping.</li>
 *   <li>{@code pgRawHikari}, {@code pgHavenWrite}, {@code pgHavenRead}: the same against a local PostgreSQL
 *       primary + 1 streaming replica from the testkit, on the servers' direct ports (no fault proxy), to
 *       show the overhead next to a real round trip.</li>
 * </ul>
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar JdbcOverheadBenchmark -prof gc
 * }</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
        // The stub driver is deliberately not in DriverManager; HikariCP instantiates it and says so at WARN.
        "-Dorg.slf4j.simpleLogger.log.com.zaxxer.hikari.util.DriverDataSource=error"})
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 8, time = 2)
@Threads(1)
public class JdbcOverheadBenchmark {

    static final String SQL = "SELECT ?";
    /** Pool settings shared by the baseline and Haven's per-server pools (Haven's defaults, made explicit). */
    static final int POOL_SIZE = 16; // >= the most threads measured (16): threads wait for the server, not the pool

    /** Stub driver: a plain HikariCP pool and a Haven data source over two stub "servers" (port 1 writer, 2 reader). */
    @State(Scope.Benchmark)
    public static class Stub {
        HikariDataSource raw;
        HavenDataSource haven;
        /** The AWS Advanced JDBC Wrapper over the same stub, in a pool like the raw one: its default plugins. */
        HikariDataSource awsDefault;

        @Setup(Level.Trial)
        public void setUp() throws SQLException {
            raw = rawPool("jdbc:postgresql://127.0.0.1:1/db", "u", "p", StubDriver.class.getName());
            haven = HavenDataSource.builder()
                    .url("jdbc:postgresql://127.0.0.1:1,127.0.0.1:2/db")
                    .username("u").password("p")
                    .clusterName("bench-stub")
                    .poolProperty("driverClassName", StubDriver.class.getName())
                    .poolProperty("maximumPoolSize", Integer.toString(POOL_SIZE))
                    .topologyProvider((endpoint, timeout) -> new Probe(endpoint.port() == 1 ? Role.WRITER : Role.READER,
                            1, dev.haven.Position.offset(0), List.of()))
                    .build();
            requireRoute(haven, false, 1);
            requireRoute(haven, true, 2);
            requireOne(query(raw, false));
            awsDefault = awsWrapperPool(null);
            requireOne(query(awsDefault, false));
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            closeQuietly(haven);
            closeQuietly(raw);
            closeQuietly(awsDefault);
        }
    }

    /** Real servers: a testkit cluster (primary + 1 replica), reached on the direct ports. */
    @State(Scope.Benchmark)
    public static class Postgres {
        PostgresCluster cluster;
        HikariDataSource raw;
        HikariDataSource rawReplica;
        HavenDataSource haven;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            cluster = PostgresCluster.builder().replicas(1).discoverDirectPorts().start();
            try {
                // start() returns once the replica streams, not once it replayed CREATE DATABASE: without this
                // Haven's first probe of the replica can fail with "database does not exist".
                cluster.awaitReplicated(Duration.ofSeconds(30));
                PgNode primary = cluster.primary();
                PgNode replica = cluster.replicas().get(0);
                raw = rawPool(primary.directJdbcUrl(), cluster.user(), cluster.password(), null);
                rawReplica = rawPool(replica.directJdbcUrl(), cluster.user(), cluster.password(), null);
                String seeds = cluster.nodes().stream().map(n -> n.host() + ":" + n.directPort())
                        .collect(Collectors.joining(","));
                haven = HavenDataSource.builder()
                        .url("jdbc:postgresql://" + seeds + "/" + cluster.database())
                        .username(cluster.user()).password(cluster.password())
                        .clusterName("bench-pg")
                        .poolProperty("maximumPoolSize", Integer.toString(POOL_SIZE))
                        .build();
                requireRoute(haven, false, primary.directPort());
                requireRoute(haven, true, replica.directPort());
                requireOne(query(raw, false));
                try (Connection c = raw.getConnection()) {
                    c.createStatement().execute("CREATE TABLE IF NOT EXISTS bench_counter (id int PRIMARY KEY, v bigint NOT NULL)");
                    c.createStatement().execute("INSERT INTO bench_counter SELECT g, 0 FROM generate_series(1, " + COUNTER_ROWS
                            + ") g ON CONFLICT DO NOTHING");
                }
            } catch (Exception | Error e) {
                tearDown();
                throw e;
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            closeQuietly(haven);
            closeQuietly(raw);
            closeQuietly(rawReplica);
            if (cluster != null) {
                cluster.close();
            }
        }
    }

    // ------------------------------------------------------------------------------------------ stub driver

    @Benchmark
    public int rawHikari(Stub s) throws SQLException {
        return query(s.raw, false);
    }

    @Benchmark
    public int havenWrite(Stub s) throws SQLException {
        return query(s.haven, false);
    }

    @Benchmark
    public int havenRead(Stub s) throws SQLException {
        return query(s.haven, true);
    }

    /** Peer: the AWS Advanced JDBC Wrapper's default plugin chain on the same stub, a write. */
    @Benchmark
    public int awsWrapperWrite(Stub s) throws SQLException {
        return query(s.awsDefault, false);
    }

    // No read peer on the stub: the wrapper's readWriteSplitting needs a topology with readers, which the plain
    // PostgreSQL dialect does not discover on a stub; with none it logs a WARNING per read and uses the writer.

    // ------------------------------------------------------------------------------------------ PostgreSQL

    @Benchmark
    public int pgRawHikari(Postgres s) throws SQLException {
        return query(s.raw, false);
    }

    @Benchmark
    public int pgHavenWrite(Postgres s) throws SQLException {
        return query(s.haven, false);
    }

    /** Baseline for {@code pgHavenRead}: the same read-only query through a plain pool on the replica. */
    @Benchmark
    public int pgRawReplica(Postgres s) throws SQLException {
        return query(s.rawReplica, true);
    }

    @Benchmark
    public int pgHavenRead(Postgres s) throws SQLException {
        return query(s.haven, true);
    }

    // The cost of read-your-writes per commit: an autocommit UPDATE through the raw pool, through Haven, through Haven
    // with a HavenSession attached (the commit's mark is learnt only when needed: nothing per commit), and the same
    // followed by the session's token(), as a request that hands its token on does (one query when no probe of the
    // writer ran since the commit, none otherwise).

    @Benchmark
    public int pgRawCommit(Postgres s) throws SQLException {
        return commit(s.raw, null);
    }

    @Benchmark
    public int pgHavenCommit(Postgres s) throws SQLException {
        return commit(s.haven, null);
    }

    @Benchmark
    public int pgHavenSessionCommit(Postgres s) throws SQLException {
        return commit(s.haven, HavenSession.create());
    }

    @Benchmark
    public int pgHavenSessionCommitToken(Postgres s) throws SQLException {
        HavenSession session = HavenSession.create();
        int n = commit(s.haven, session);
        return n + session.token().length();
    }

    // ------------------------------------------------------------------------------------------ the operation

    static final int COUNTER_ROWS = 1_000;

    /** One autocommit UPDATE of a random row of {@code bench_counter}, recorded in {@code session} if not null. */
    static int commit(DataSource ds, HavenSession session) throws SQLException {
        try (Connection c = ds.getConnection()) {
            if (session != null) {
                c.unwrap(HavenConnection.class).session(session);
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE bench_counter SET v = v + 1 WHERE id = ?")) {
                ps.setInt(1, 1 + java.util.concurrent.ThreadLocalRandom.current().nextInt(COUNTER_ROWS));
                return ps.executeUpdate();
            }
        }
    }

    static int query(DataSource ds, boolean readOnly) throws SQLException {
        try (Connection c = ds.getConnection()) {
            if (readOnly) {
                c.setReadOnly(true);
            }
            try (PreparedStatement ps = c.prepareStatement(SQL)) {
                ps.setInt(1, 1);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
        }
    }

    /**
     * A pool like the baseline's over the AWS Advanced JDBC Wrapper 3.2.0 on the stub driver ({@link
     * dev.haven.benchmarks.stub.StubDataSource} as its target data source), with the plain PostgreSQL dialect (the stub is
     * no Aurora); {@code plugins} null: the wrapper's default chain.
     */
    static HikariDataSource awsWrapperPool(String plugins) {
        software.amazon.jdbc.ds.AwsWrapperDataSource wrapper = new software.amazon.jdbc.ds.AwsWrapperDataSource();
        wrapper.setJdbcProtocol("jdbc:postgresql:");
        wrapper.setServerName("127.0.0.1");
        wrapper.setServerPort("1");
        wrapper.setDatabase("db");
        wrapper.setTargetDataSourceClassName(dev.haven.benchmarks.stub.StubDataSource.class.getName());
        Properties target = new Properties();
        target.setProperty("wrapperDialect", "pg");
        if (plugins != null) {
            target.setProperty("wrapperPlugins", plugins);
        }
        wrapper.setTargetDataSourceProperties(target);
        HikariConfig config = baselineConfig();
        config.setDataSource(wrapper);
        config.setUsername("u");
        config.setPassword("p");
        config.setPoolName(plugins == null ? "aws-wrapper" : "aws-wrapper-" + plugins);
        return new HikariDataSource(config);
    }

    /** HikariCP settings like those of one of Haven's per-server pools: every baseline and peer pool's. */
    static HikariConfig baselineConfig() {
        Properties props = new Properties();
        props.setProperty("minimumIdle", "2");
        props.setProperty("connectionTimeout", "2000");
        props.setProperty("validationTimeout", "500");
        props.setProperty("initializationFailTimeout", "-1");
        props.setProperty("maximumPoolSize", Integer.toString(POOL_SIZE));
        return new HikariConfig(props);
    }

    /** The baseline pool, configured like one of Haven's per-server pools. */
    static HikariDataSource rawPool(String url, String user, String password, String driverClassName) {
        HikariConfig config = baselineConfig();
        if (driverClassName != null) {
            config.setDriverClassName(driverClassName);
        }
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        config.setPoolName("raw");
        config.addDataSourceProperty("tcpKeepAlive", "true");
        return new HikariDataSource(config);
    }

    /** Fails the trial unless a connection with {@code readOnly} runs on the server listening on {@code port}. */
    static void requireRoute(HavenDataSource ds, boolean readOnly, int port) throws SQLException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        Endpoint on = null;
        while (System.nanoTime() < deadline) {
            try (Connection c = ds.getConnection()) {
                c.setReadOnly(readOnly);
                try (PreparedStatement ps = c.prepareStatement(SQL)) {
                    ps.setInt(1, 1);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        requireOne(rs.getInt(1));
                    }
                }
                on = c.unwrap(HavenConnection.class).endpoint().orElse(null);
            }
            if (on != null && on.port() == port) {
                return;
            }
            sleep(100); // e.g. the replica's freshness is not known yet: reads fall back to the writer
        }
        throw new IllegalStateException((readOnly ? "Reads" : "Writes") + " should run on port " + port
                + " but ran on " + on + "; topology " + ds.topology());
    }

    static void requireOne(int value) {
        if (value != 1) {
            throw new IllegalStateException("SELECT ? with 1 returned " + value);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            System.err.println("close failed: " + e);
        }
    }
}
