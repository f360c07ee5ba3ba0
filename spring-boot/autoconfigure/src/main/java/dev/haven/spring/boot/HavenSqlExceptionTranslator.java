package dev.haven.spring.boot;

import dev.haven.HavenFailure;
import java.sql.SQLException;
import java.util.Objects;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.TransientDataAccessResourceException;
import org.springframework.jdbc.support.SQLErrorCodeSQLExceptionTranslator;
import org.springframework.jdbc.support.SQLExceptionTranslator;

/**
 * Translates Haven's JDBC failures to the Spring {@link DataAccessException} that says what a caller may do, and every
 * other {@link SQLException} as Spring would for PostgreSQL. Spring's own translators see only SQLState class 08 in
 * all three and make each a non-transient {@code DataAccessResourceFailureException}.
 *
 * <table>
 * <caption>Haven failure to Spring exception</caption>
 * <tr><th>Haven (SQLState)</th><th>Spring</th><th>retry?</th></tr>
 * <tr><td>{@code HavenTransactionRolledBackException} (08006)</td><td>{@link TransientDataAccessResourceException}</td>
 *     <td>yes: nothing was committed; run the whole unit of work again</td></tr>
 * <tr><td>{@code HavenUnavailableException} (08001)</td><td>{@link TransientDataAccessResourceException}</td>
 *     <td>yes, later: nothing was sent</td></tr>
 * <tr><td>{@code HavenWriteOutcomeUnknownException} (08007)</td><td>{@link WriteOutcomeUnknownDataAccessException}
 *     (a {@code DataAccessResourceFailureException}, non-transient)</td>
 *     <td>no: check the write's effect first, or make it idempotent</td></tr>
 * </table>
 *
 * <p>The auto-configuration makes it a bean, which Spring Boot's {@code JdbcTemplate} uses. By hand:
 * <pre>{@code
 * jdbcTemplate.setExceptionTranslator(new HavenSqlExceptionTranslator());
 * }</pre>
 */
public final class HavenSqlExceptionTranslator implements SQLExceptionTranslator {

    private final SQLExceptionTranslator others;

    /** Other exceptions as Spring translates PostgreSQL's (by SQLState; no connection needed to look the codes up). */
    public HavenSqlExceptionTranslator() {
        this(new SQLErrorCodeSQLExceptionTranslator("PostgreSQL"));
    }

    /** Other exceptions through {@code others}. */
    public HavenSqlExceptionTranslator(SQLExceptionTranslator others) {
        this.others = Objects.requireNonNull(others, "others");
    }

    @Override
    public DataAccessException translate(String task, String sql, SQLException ex) {
        HavenFailure failure = havenFailure(ex);
        if (failure == null) {
            return others.translate(task, sql, ex);
        }
        String message = task + "; " + (sql == null ? "" : "SQL [" + sql + "]; ") + ex.getMessage();
        return switch (failure.kind()) {
            case OUTCOME_UNKNOWN -> new WriteOutcomeUnknownDataAccessException(message, ex);
            case ROLLED_BACK, UNAVAILABLE -> new TransientDataAccessResourceException(message, ex);
        };
    }

    /** {@code ex} itself, or a Haven failure chained under it (a driver or pool that wrapped it), or {@code null}. */
    private static HavenFailure havenFailure(SQLException ex) {
        HavenFailure f = HavenFailure.find(ex).orElse(null);
        if (f == null && ex.getNextException() != null) {
            f = HavenFailure.find(ex.getNextException()).orElse(null);
        }
        return f;
    }
}
