package dev.haven.jdbc;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * A unit of work on one transaction, declared safe to repeat from its start: it has no effect outside
 * the database that a second run would duplicate. Used by {@link HavenDataSource#transaction(SqlWork)}.
 *
 * @param <T> what the work returns
 */
@FunctionalInterface
public interface SqlWork<T> {

    T run(Connection connection) throws SQLException;
}
