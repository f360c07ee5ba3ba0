package dev.haven.jdbc.internal;

import com.zaxxer.hikari.SQLExceptionOverride;
import java.sql.SQLException;

/**
 * HikariCP's verdict on a failed call on one of Haven's pooled connections ({@code HikariConfig.setExceptionOverride}).
 *
 * <p>HikariCP consults it in {@code ProxyConnection.checkException}, on every {@code SQLException} a call on the
 * connection, its statements or result sets throws, before the application (here: Haven) sees it, once per exception
 * of the chain: {@code DO_NOT_EVICT} ends the check, {@code MUST_EVICT} evicts, {@code CONTINUE_EVICT} applies its own
 * rule (SQLState class 08, 0A000, 57P01..57P03, ...). Its own eviction logs a WARN with the whole stack trace
 * ("Connection ... marked as broken because of SQLSTATE(08006)") for a failure Haven handles: the read was re-run
 * elsewhere, or the application got a typed Haven exception.
 *
 * <p>So a lost connection (as {@link SqlErrors} classifies it, the one classification Haven acts on) is
 * {@code DO_NOT_EVICT}, and Haven evicts the connection itself, quietly, where it classifies the failure
 * ({@code ConnectionHandler.failed}, and whenever it lets go of a connection whose call failed so or whose physical
 * connection is closed: {@code RoutingDataSource.giveBack}, {@code RoutingDataSource.discard}). Everything else is
 * HikariCP's rule, unchanged. While Haven gives a connection back ({@link #returning}), HikariCP's rule applies to
 * every failure: one it meets rolling back or resetting the connection on {@code close()} was not seen by Haven, and
 * the connection must not go back to the pool.
 */
final class LostConnectionOverride implements SQLExceptionOverride {

    static final LostConnectionOverride INSTANCE = new LostConnectionOverride();

    private static final ThreadLocal<boolean[]> RETURNING = ThreadLocal.withInitial(() -> new boolean[1]);

    private LostConnectionOverride() {
    }

    @java.lang.Override
    public Override adjudicate(SQLException e) {
        if (RETURNING.get()[0]) {
            return Override.CONTINUE_EVICT;
        }
        return SqlErrors.classify(e) == SqlErrors.Kind.CONNECTION ? Override.DO_NOT_EVICT : Override.CONTINUE_EVICT;
    }

    /** Marks the calling thread as giving a connection back until {@link #returned}. */
    static boolean[] returning() {
        boolean[] flag = RETURNING.get();
        flag[0] = true;
        return flag;
    }

    static void returned(boolean[] flag) {
        flag[0] = false;
    }
}
