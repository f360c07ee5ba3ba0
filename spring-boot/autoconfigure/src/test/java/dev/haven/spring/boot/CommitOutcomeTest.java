package dev.haven.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.haven.jdbc.HavenTransactionRolledBackException;
import dev.haven.jdbc.HavenWriteOutcomeUnknownException;
import java.io.EOFException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.dao.TransientDataAccessResourceException;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A commit that fails inside Spring's {@link JdbcTransactionManager} reaches the application as the same Spring
 * exception as a failed statement, once the manager has Haven's translator (the auto-configuration sets it).
 */
class CommitOutcomeTest {

    /** A data source whose connections fail at commit with {@code failure}. */
    private static DataSource failingAtCommit(SQLException failure) {
        return (DataSource) Proxy.newProxyInstance(CommitOutcomeTest.class.getClassLoader(), new Class<?>[] {DataSource.class},
                (p, m, a) -> switch (m.getName()) {
                    case "getConnection" -> Proxy.newProxyInstance(CommitOutcomeTest.class.getClassLoader(),
                            new Class<?>[] {Connection.class}, (cp, cm, ca) -> switch (cm.getName()) {
                                case "commit" -> throw failure;
                                case "getAutoCommit" -> true;
                                case "isReadOnly", "isClosed" -> false;
                                case "getTransactionIsolation" -> Connection.TRANSACTION_READ_COMMITTED;
                                case "hashCode" -> System.identityHashCode(cp);
                                case "equals" -> cp == ca[0];
                                case "toString" -> "connection failing at commit";
                                default -> null;
                            });
                    case "isWrapperFor" -> false;
                    case "hashCode" -> System.identityHashCode(p);
                    case "equals" -> p == a[0];
                    case "toString" -> "data source failing at commit";
                    default -> null;
                });
    }

    private static TransactionTemplate tx(SQLException failure) {
        JdbcTransactionManager tm = new JdbcTransactionManager(failingAtCommit(failure));
        tm.setExceptionTranslator(new HavenSqlExceptionTranslator());
        return new TransactionTemplate(tm);
    }

    @Test
    void commitOutcomeUnknownIsNeverTransient() {
        SQLException driver = new SQLException("An I/O error occurred while sending to the backend.", "08006", new EOFException());
        assertThatThrownBy(() -> tx(new HavenWriteOutcomeUnknownException("Connection to db-1:5432 lost during commit.",
                "orders", null, driver)).executeWithoutResult(s -> { }))
                .isInstanceOf(WriteOutcomeUnknownDataAccessException.class)
                .hasMessageContaining("JDBC commit");
        assertThatThrownBy(() -> tx(new HavenTransactionRolledBackException("Connection to db-1:5432 lost inside a transaction.",
                "orders", null, driver)).executeWithoutResult(s -> { }))
                .isExactlyInstanceOf(TransientDataAccessResourceException.class);
        assertThat(HavenJdbcAutoConfiguration.isHaven(failingAtCommit(driver))).isFalse();
    }
}
