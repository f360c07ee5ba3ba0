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
 *   <li>read-only violations (PostgreSQL 25006, MySQL 1290/1836) on the writer: it was demoted; the
 *       statement was rejected before running, so it is safe to send to the new writer;</li>
 *   <li>serialization failures and deadlocks (40001, 40P01): the transaction may be run again;</li>
 *   <li>everything else belongs to the application and is passed through untouched.</li>
 * </ul>
 */
public final class SqlErrors {

    public enum Kind { CONNECTION, READ_ONLY, SERIALIZATION, APPLICATION }

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
        if (code == 1290 || code == 1836) { // MySQL/MariaDB --read-only / super-read-only
            return Kind.READ_ONLY;
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
