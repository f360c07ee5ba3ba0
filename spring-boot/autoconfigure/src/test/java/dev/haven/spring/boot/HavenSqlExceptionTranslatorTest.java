package dev.haven.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.jdbc.HavenTransactionRolledBackException;
import dev.haven.jdbc.HavenUnavailableException;
import dev.haven.jdbc.HavenWriteOutcomeUnknownException;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketException;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.NonTransientDataAccessException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.dao.TransientDataAccessResourceException;
import org.springframework.jdbc.BadSqlGrammarException;
import org.springframework.jdbc.support.SQLExceptionSubclassTranslator;
import org.springframework.web.util.DisconnectedClientHelper;

/**
 * Haven's three failures become the Spring exceptions that say whether to run the work again, and none of them looks
 * like a client that hung up to Spring's web layer, whatever socket error the database connection died with.
 */
class HavenSqlExceptionTranslatorTest {

    private final HavenSqlExceptionTranslator translator = new HavenSqlExceptionTranslator();

    private static final List<IOException> SOCKET_ERRORS = List.of(new EOFException(),
            new SocketException("Broken pipe (Write failed)"), new SocketException("Connection reset by peer"));

    /** What pgjdbc throws when the server dies under a statement. */
    private static SQLException driverError(IOException socket) {
        return new SQLException("An I/O error occurred while sending to the backend.", "08006", 0, socket);
    }

    private static List<SQLException> havenFailures(IOException socket) {
        return List.of(
                new HavenTransactionRolledBackException("Connection to db-1:5432 lost inside a transaction.", "orders", null,
                        driverError(socket)),
                new HavenUnavailableException("Could not prepare a connection to db-1:5432", "orders", null, driverError(socket)),
                new HavenWriteOutcomeUnknownException("Connection to db-1:5432 lost during commit.", "orders", null,
                        driverError(socket)));
    }

    @Test
    void rolledBackAndUnavailableAreTransientOutcomeUnknownIsNot() {
        int transientCount = 0;
        int outcomeUnknown = 0;
        for (IOException socket : SOCKET_ERRORS) {
            for (SQLException e : havenFailures(socket)) {
                DataAccessException d = translator.translate("insert order", "INSERT INTO orders VALUES (?)", e);
                assertThat(d.getCause()).isSameAs(e);
                assertThat(d.getMessage()).startsWith("insert order; SQL [INSERT INTO orders VALUES (?)]; ");
                if (e instanceof HavenWriteOutcomeUnknownException) {
                    assertThat(d).isInstanceOf(WriteOutcomeUnknownDataAccessException.class)
                            .isInstanceOf(DataAccessResourceFailureException.class)
                            .isInstanceOf(NonTransientDataAccessException.class)
                            .isNotInstanceOf(TransientDataAccessException.class);
                    outcomeUnknown++;
                } else {
                    assertThat(d).isExactlyInstanceOf(TransientDataAccessResourceException.class);
                    transientCount++;
                }
            }
        }
        assertThat(transientCount).isEqualTo(6);
        assertThat(outcomeUnknown).isEqualTo(3);
    }

    @Test
    void noTranslatedHavenFailureLooksLikeAClientDisconnect() {
        int checked = 0;
        for (IOException socket : SOCKET_ERRORS) {
            for (SQLException e : havenFailures(socket)) {
                DataAccessException d = translator.translate("task", null, e);
                assertThat(DisconnectedClientHelper.isClientDisconnectedException(d)).as("%s over %s", e.getClass().getSimpleName(),
                        socket).isFalse();
                assertThat(DisconnectedClientHelper.isClientDisconnectedException(e)).isFalse();
                checked++;
            }
            // the hazard itself: the driver's own error is taken for a client disconnect (Spring 7 no longer looks under a
            // DataAccessException, Spring 6.2 of Boot 3.5 does: there only Haven's detached causes keep it apart)
            assertThat(DisconnectedClientHelper.isClientDisconnectedException(driverError(socket))).isTrue();
        }
        assertThat(checked).isEqualTo(9);
    }

    @Test
    void springsDefaultTranslatorMakesAllThreeTheSameNonTransientFailure() {
        // Why the starter has its own translator: by SQLState class 08 (Haven's exceptions are plain SQLExceptions, not
        // the JDBC 4 subclasses), Spring's default makes rolled back, unavailable and outcome unknown indistinguishable.
        SQLExceptionSubclassTranslator spring = new SQLExceptionSubclassTranslator();
        for (SQLException e : havenFailures(new EOFException())) {
            assertThat(spring.translate("task", null, e)).isExactlyInstanceOf(DataAccessResourceFailureException.class);
        }
    }

    @Test
    void otherErrorsAreTranslatedAsSpringDoesForPostgres() {
        DataAccessException d = translator.translate("select", "SELEC 1", new SQLException("syntax error", "42601"));
        assertThat(d).isInstanceOf(BadSqlGrammarException.class);
    }
}
