package dev.haven.jdbc.internal;

import java.io.IOException;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;

/**
 * Classifies SQL errors into what Haven does about them. Pure functions of the exception.
 *
 * <ul>
 *   <li>connection errors (SQLState class 08, 57P01..57P03 admin/crash shutdown, I/O and timeouts):
 *       the endpoint may be gone; the monitor is woken and, where safe, the work moves elsewhere;</li>
 *   <li>read-only violations (PostgreSQL 25006, MySQL/MariaDB 1290 for {@code --read-only} or
 *       {@code --super-read-only}, 1836) on the writer: it was demoted; the statement was rejected before running, so it
 *       is safe to send to the new writer;</li>
 *   <li>serialization failures and deadlocks (40001, 40P01; MySQL/MariaDB deadlock 1213 is 40001): the transaction may
 *       be run again ({@code transaction(work)}); no failover, nothing signalled;</li>
 *   <li>MySQL/MariaDB's own connection ends: 1053 (shutdown), 1927 (killed); both drivers' lost connections are
 *       class 08 ({@code CommunicationsException} 08S01, MariaDB's {@code SQLNonTransientConnectionException} 08000)
 *       or {@code SQLRecoverableException}s;</li>
 *   <li>a lock wait timeout (1205, HY000) is the application's: InnoDB rolled back the statement only;</li>
 *   <li>everything else belongs to the application and is passed through untouched.</li>
 * </ul>
 */
public final class SqlErrors {

    public enum Kind { CONNECTION, READ_ONLY, SERIALIZATION, APPLICATION }

    /**
     * MySQL/MariaDB: "running with the --read-only (--super-read-only) option"; the same code also reports
     * {@code --secure-file-priv} and {@code --skip-grant-tables}, which are the application's business.
     */
    static final int ER_OPTION_PREVENTS_STATEMENT = 1290;
    /** MySQL/MariaDB: {@code innodb_read_only} ("Running in read-only mode"). */
    static final int ER_READ_ONLY_MODE = 1836;
    /** MySQL: server shutdown in progress (SQLState 08S01 from MySQL, 70100 from some MariaDB versions). */
    static final int ER_SERVER_SHUTDOWN = 1053;
    /** MariaDB: "Connection was killed" (SQLState 70100): the server ended the session. */
    static final int ER_CONNECTION_KILLED = 1927;

    private SqlErrors() {
    }

    public static Kind classify(SQLException e) {
        for (SQLException s = e; s != null; s = s.getNextException()) {
            Kind k = classifyOne(s);
            if (k != Kind.APPLICATION) {
                return k;
            }
            if (s.getNextException() == s) {
                break;
            }
        }
        return Kind.APPLICATION;
    }

    private static boolean readOnlyOption(String message) {
        if (message == null) {
            return true; // no message to tell the options apart: the code's first meaning
        }
        String m = message.toLowerCase(java.util.Locale.ROOT);
        return m.contains("read-only") || m.contains("read_only");
    }

    private static Kind classifyOne(SQLException e) {
        String state = e.getSQLState();
        if (state != null) {
            if (state.startsWith("08") || state.equals("57P01") || state.equals("57P02") || state.equals("57P03")) {
                return Kind.CONNECTION;
            }
            if (state.equals("25006")) {
                return Kind.READ_ONLY;
            }
            if (state.equals("40001") || state.equals("40P01")) {
                return Kind.SERIALIZATION;
            }
        }
        int code = e.getErrorCode();
        if (code == ER_READ_ONLY_MODE || (code == ER_OPTION_PREVENTS_STATEMENT && readOnlyOption(e.getMessage()))) {
            return Kind.READ_ONLY;
        }
        if (code == ER_CONNECTION_KILLED || code == ER_SERVER_SHUTDOWN) {
            return Kind.CONNECTION;
        }
        if (e instanceof SQLTransientConnectionException || e instanceof SQLRecoverableException) {
            return Kind.CONNECTION;
        }
        for (Throwable t = e.getCause(); t != null && t != t.getCause(); t = t.getCause()) {
            if (t instanceof IOException) {
                return Kind.CONNECTION;
            }
        }
        return Kind.APPLICATION;
    }
}
