package dev.haven.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A Haven exception never carries the database socket's exception in its cause chain (web frameworks take an
 * {@code EOFException} or a "Broken pipe" there for a client that hung up), but keeps it, suppressed, for the logs.
 */
class DriverCauseTest {

    /** What pgjdbc throws when the server dies under a statement: its I/O error over the socket's. */
    private static SQLException driverError(IOException socket) {
        return new SQLException("An I/O error occurred while sending to the backend.", "08006", 0, socket);
    }

    private static List<Throwable> causeChain(Throwable t) {
        List<Throwable> out = new ArrayList<>();
        for (; t != null && out.size() < 32; t = t.getCause()) {
            out.add(t);
        }
        return out;
    }

    @Test
    void noSocketErrorInTheCauseChainOfAnyHavenException() {
        List<IOException> sockets = List.of(new EOFException(), new SocketException("Broken pipe (Write failed)"),
                new SocketException("Connection reset by peer"), new SocketException("Connection reset"));
        int checked = 0;
        for (IOException socket : sockets) {
            for (SQLException haven : List.<SQLException>of(
                    new HavenWriteOutcomeUnknownException("Connection to db-1:5432 lost during commit.", "c", null, driverError(socket)),
                    new HavenTransactionRolledBackException("Connection to db-1:5432 lost inside a transaction.", "c", null,
                            driverError(socket)),
                    new HavenUnavailableException("Could not prepare a connection to db-1:5432", "c", null, driverError(socket)))) {
                List<Throwable> chain = causeChain(haven);
                assertThat(chain).as("cause chain of %s over %s", haven.getClass().getSimpleName(), socket)
                        .noneMatch(t -> t instanceof IOException);
                Throwable deepest = chain.get(chain.size() - 1);
                String text = String.valueOf(deepest.getMessage()).toLowerCase(Locale.ROOT);
                assertThat(text).doesNotContain("broken pipe").doesNotContain("connection reset");
                SQLException driver = (SQLException) haven.getCause();
                assertThat(driver.getSQLState()).isEqualTo("08006");
                assertThat(driver.getMessage()).contains("An I/O error occurred while sending to the backend.");
                assertThat(driver.getSuppressed()).hasSize(1);
                assertThat(driver.getSuppressed()[0].getCause()).as("the socket error, kept for the logs").isSameAs(socket);
                checked++;
            }
        }
        assertThat(checked).isEqualTo(12);
    }

    @Test
    void aDriverErrorWithoutSocketErrorIsKeptAsItIs() {
        SQLException plain = new SQLException("ERROR: cannot execute INSERT in a read-only transaction", "25006");
        HavenTransactionRolledBackException e = new HavenTransactionRolledBackException("Server db-1:5432 is no longer the writer.",
                "c", null, plain);
        assertThat(e.getCause()).isSameAs(plain);
        assertThat(new HavenUnavailableException("No writer", "c", null, null).getCause()).isNull();
    }

    @Test
    void connectionsStartReadOnlyWhileTheBuildersConditionHolds() throws SQLException {
        AtomicBoolean readOnlyWork = new AtomicBoolean();
        try (HavenDataSource ds = HavenDataSource.builder().url("jdbc:postgresql://127.0.0.1:1/db").username("u").password("p")
                .topologyProvider((e, t) -> new dev.haven.spi.Probe(dev.haven.Role.WRITER, 0, null, List.of()))
                .readOnlyWhen(readOnlyWork::get).build()) {
            int readOnly = 0;
            for (int i = 0; i < 10; i++) {
                readOnlyWork.set(i % 2 == 0);
                try (Connection c = ds.getConnection()) {
                    readOnly += c.isReadOnly() ? 1 : 0;
                    assertThat(c.isReadOnly()).isEqualTo(i % 2 == 0);
                }
            }
            assertThat(readOnly).isEqualTo(5);
        }
    }
}
