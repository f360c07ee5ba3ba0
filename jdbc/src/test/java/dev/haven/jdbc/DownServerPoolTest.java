package dev.haven.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.Position;
import dev.haven.Role;
import dev.haven.spi.Probe;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * A server that is down gets no connection attempts from its pool: HikariCP would otherwise keep connecting to it in the
 * background for as long as it is down (and log a WARN per attempt after a minute), although Haven's probes already
 * watch it and no thread is routed there. Once it is up again, its pool serves at once. A driver without I/O stands in
 * for the servers (port 1 the writer, port 2 a replica), and the topology comes from a provider the test steers, so
 * every connection the driver sees is the pools'.
 */
class DownServerPoolTest {

    static final AtomicInteger attemptsOnReplica = new AtomicInteger();
    static volatile boolean replicaDown;
    /** Statements created through the isolation guard Haven puts on a pool's first connections (see below). */
    static final AtomicInteger guardedStatements = new AtomicInteger();
    static final AtomicInteger statements = new AtomicInteger();

    /**
     * The guard Haven puts on a pool's first connection (so that a timed-out read of the isolation level cannot break
     * the pool for good) costs a reflective call per {@code Connection} method: it must not stay on a connection that
     * serves the application for its whole life. The guarded connection is retired when it first comes back.
     */
    @Test
    void aPoolsFirstConnectionDropsTheIsolationGuardAfterItsFirstUse() throws Exception {
        try (HavenDataSource ds = HavenDataSource.builder().url("jdbc:postgresql://127.0.0.1:1,127.0.0.1:2/db")
                .username("u").password("p").clusterName("guard-retired")
                .poolProperty("driverClassName", NoIoDriver.class.getName())
                .topologyProvider((endpoint, timeout) -> new Probe(endpoint.port() == 1 ? Role.WRITER : Role.READER, 1,
                        Position.offset(0), List.of())).build()) {
            int guardedBefore = guardedStatements.get();
            int before = statements.get();
            for (int i = 0; i < 100; i++) {
                try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
                    st.execute("SELECT 1");
                }
            }
            int guarded = guardedStatements.get() - guardedBefore;
            System.out.printf("isolation guard: %d of %d statements went through it%n", guarded, statements.get() - before);
            assertThat(statements.get() - before).isEqualTo(100);
            assertThat(guarded).as("statements through the guard, of 100 on one thread").isLessThanOrEqualTo(1);
        }
    }

    @Test
    void aServerThatIsDownGetsNoConnectionAttemptsFromItsPoolAndServesOnceUp() throws Exception {
        replicaDown = false;
        try (HavenDataSource ds = HavenDataSource.builder().url("jdbc:postgresql://127.0.0.1:1,127.0.0.1:2/db")
                .username("u").password("p").clusterName("down-pool")
                .poolProperty("driverClassName", NoIoDriver.class.getName())
                .probeInterval(Duration.ofMillis(100))
                .topologyProvider((endpoint, timeout) -> {
                    if (endpoint.port() == 2 && replicaDown) {
                        throw new SQLException("Connection refused", "08001");
                    }
                    return new Probe(endpoint.port() == 1 ? Role.WRITER : Role.READER, 1, Position.offset(0), List.of());
                }).build()) {
            assertThat(readOn(ds)).as("a read before the replica goes down runs on it").isEqualTo(2);

            replicaDown = true;
            ItSupport.await("the replica declared down", Duration.ofSeconds(10),
                    () -> ds.topology().readers().stream().noneMatch(e -> e.port() == 2));
            ItSupport.sleep(Duration.ofSeconds(1)); // an attempt already under way when it was declared down ends
            int before = attemptsOnReplica.get();
            ItSupport.sleep(Duration.ofSeconds(4));
            int during = attemptsOnReplica.get() - before;
            System.out.printf("pool of a server that is down: %d connection attempts in 4 s%n", during);
            assertThat(during).as("connection attempts to the down replica by its pool in 4 s").isZero();

            replicaDown = false;
            ItSupport.await("the replica back in the topology", Duration.ofSeconds(10),
                    () -> ds.topology().readers().stream().anyMatch(e -> e.port() == 2));
            int onReplica = 0;
            for (int i = 0; i < 20; i++) {
                onReplica += readOn(ds) == 2 ? 1 : 0;
            }
            assertThat(onReplica).as("reads on the replica once it is up again, of 20").isEqualTo(20);
        } finally {
            replicaDown = false;
        }
    }

    private static int readOn(HavenDataSource ds) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            try (Connection c = ds.getConnection()) {
                c.setReadOnly(true);
                try (Statement st = c.createStatement()) {
                    st.execute("SELECT 1");
                }
                int port = c.unwrap(HavenConnection.class).endpoint().map(e -> e.port()).orElse(0);
                if (port == 2 || System.nanoTime() > deadline) {
                    return port;
                }
            }
            Thread.sleep(50); // e.g. the replica's freshness not known yet: the read fell back to the writer
        }
    }

    /** A driver without I/O: connections to port 2 fail while {@link #replicaDown}; every attempt there is counted. */
    public static final class NoIoDriver implements Driver {

        @Override
        public Connection connect(String url, Properties info) throws SQLException {
            if (!acceptsURL(url)) {
                return null;
            }
            if (url.contains(":2/")) {
                attemptsOnReplica.incrementAndGet();
                if (replicaDown) {
                    throw new SQLException("Connection to 127.0.0.1:2 refused", "08001");
                }
            }
            return connection();
        }

        private static Connection connection() {
            boolean[] state = {true, false, false}; // autoCommit, readOnly, closed
            return (Connection) Proxy.newProxyInstance(NoIoDriver.class.getClassLoader(), new Class<?>[] {Connection.class},
                    (proxy, m, args) -> switch (m.getName()) {
                        case "getAutoCommit" -> state[0];
                        case "setAutoCommit" -> {
                            state[0] = (Boolean) args[0];
                            yield null;
                        }
                        case "isReadOnly" -> state[1];
                        case "setReadOnly" -> {
                            state[1] = (Boolean) args[0];
                            yield null;
                        }
                        case "isClosed" -> state[2];
                        case "close", "abort" -> {
                            state[2] = true;
                            yield null;
                        }
                        case "isValid" -> !state[2];
                        case "getTransactionIsolation" -> Connection.TRANSACTION_READ_COMMITTED;
                        case "getNetworkTimeout" -> 0;
                        case "createStatement" -> {
                            statements.incrementAndGet();
                            if (java.util.Arrays.stream(Thread.currentThread().getStackTrace())
                                    .anyMatch(f -> f.getClassName().endsWith("ConnectFailureSignal"))) {
                                guardedStatements.incrementAndGet();
                            }
                            yield statement();
                        }
                        case "unwrap" -> null;
                        case "isWrapperFor" -> false;
                        case "hashCode" -> System.identityHashCode(proxy);
                        case "equals" -> proxy == args[0];
                        case "toString" -> "NoIoConnection";
                        default -> defaultValue(m.getReturnType());
                    });
        }

        private static Statement statement() {
            return (Statement) Proxy.newProxyInstance(NoIoDriver.class.getClassLoader(), new Class<?>[] {Statement.class},
                    (proxy, m, args) -> switch (m.getName()) {
                        case "execute" -> false;
                        case "getUpdateCount" -> -1;
                        case "hashCode" -> System.identityHashCode(proxy);
                        case "equals" -> proxy == args[0];
                        case "toString" -> "NoIoStatement";
                        default -> defaultValue(m.getReturnType());
                    });
        }

        private static Object defaultValue(Class<?> type) {
            if (type == boolean.class) {
                return false;
            }
            if (type == int.class) {
                return 0;
            }
            if (type == long.class) {
                return 0L;
            }
            return null;
        }

        @Override
        public boolean acceptsURL(String url) {
            return url != null && url.startsWith("jdbc:postgresql:");
        }

        @Override
        public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) {
            return new DriverPropertyInfo[0];
        }

        @Override
        public int getMajorVersion() {
            return 1;
        }

        @Override
        public int getMinorVersion() {
            return 0;
        }

        @Override
        public boolean jdbcCompliant() {
            return false;
        }

        @Override
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            throw new SQLFeatureNotSupportedException("no logging");
        }
    }
}
