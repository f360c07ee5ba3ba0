package dev.haven.benchmarks.stub;

import java.sql.*;

/**
 * A statement of {@link StubConnection}: every query returns the same {@link StubResultSet} instance,
 * rewound to its single row, so executing allocates nothing.
 */
@SuppressWarnings("deprecation")
public class StubStatement implements Statement {

    private final StubConnection connection;
    private final StubResultSet resultSet = new StubResultSet(this);
    private boolean closed = true;
    private int queryTimeout;
    private int fetchSize;
    private int maxRows;

    StubStatement(StubConnection connection) {
        this.connection = connection;
    }

    static SQLFeatureNotSupportedException unsupported(String what) {
        return new SQLFeatureNotSupportedException("StubStatement does not support " + what);
    }

    /** Makes this (closed) instance usable again for the connection's next statement. */
    void open() {
        closed = false;
        queryTimeout = 0;
        fetchSize = 0;
        maxRows = 0;
        resultSet.close();
    }

    final void ensureOpen() throws SQLException {
        if (closed) {
            throw new SQLException("Statement is closed", "HY010");
        }
    }

    final ResultSet query() throws SQLException {
        ensureOpen();
        resultSet.rewind();
        return resultSet;
    }

    @Override
    public ResultSet executeQuery(String sql) throws SQLException {
        return query();
    }

    @Override
    public boolean execute(String sql) throws SQLException {
        query();
        return true;
    }

    @Override
    public ResultSet getResultSet() throws SQLException {
        ensureOpen();
        return resultSet.isClosed() ? null : resultSet;
    }

    @Override
    public int getUpdateCount() throws SQLException {
        ensureOpen();
        return -1;
    }

    @Override
    public boolean getMoreResults() throws SQLException {
        ensureOpen();
        resultSet.close();
        return false;
    }

    @Override
    public void close() {
        closed = true;
        resultSet.close();
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public Connection getConnection() throws SQLException {
        ensureOpen();
        return connection;
    }

    @Override
    public void setQueryTimeout(int seconds) throws SQLException {
        ensureOpen();
        this.queryTimeout = seconds;
    }

    @Override
    public int getQueryTimeout() throws SQLException {
        ensureOpen();
        return queryTimeout;
    }

    @Override
    public void setFetchSize(int rows) throws SQLException {
        ensureOpen();
        this.fetchSize = rows;
    }

    @Override
    public int getFetchSize() throws SQLException {
        ensureOpen();
        return fetchSize;
    }

    @Override
    public void setMaxRows(int max) throws SQLException {
        ensureOpen();
        this.maxRows = max;
    }

    @Override
    public int getMaxRows() throws SQLException {
        ensureOpen();
        return maxRows;
    }

    @Override
    public SQLWarning getWarnings() throws SQLException {
        ensureOpen();
        return null;
    }

    @Override
    public void clearWarnings() throws SQLException {
        ensureOpen();
    }

    @Override
    public void setEscapeProcessing(boolean enable) throws SQLException {
        ensureOpen();
    }

    @Override
    public void closeOnCompletion() throws SQLException {
        ensureOpen();
    }

    @Override
    public boolean isCloseOnCompletion() throws SQLException {
        ensureOpen();
        return false;
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        throw new SQLException(getClass().getSimpleName() + " does not wrap " + iface.getName());
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }

    // ---- not needed by the benchmarks (generated from Statement)

    @Override
    public void addBatch(String p0) throws SQLException {
        throw unsupported("addBatch");
    }

    @Override
    public void cancel() throws SQLException {
        throw unsupported("cancel");
    }

    @Override
    public void clearBatch() throws SQLException {
        throw unsupported("clearBatch");
    }

    @Override
    public boolean execute(String p0, int[] p1) throws SQLException {
        throw unsupported("execute");
    }

    @Override
    public boolean execute(String p0, String[] p1) throws SQLException {
        throw unsupported("execute");
    }

    @Override
    public boolean execute(String p0, int p1) throws SQLException {
        throw unsupported("execute");
    }

    @Override
    public int[] executeBatch() throws SQLException {
        throw unsupported("executeBatch");
    }

    @Override
    public int executeUpdate(String p0, int[] p1) throws SQLException {
        throw unsupported("executeUpdate");
    }

    @Override
    public int executeUpdate(String p0, String[] p1) throws SQLException {
        throw unsupported("executeUpdate");
    }

    @Override
    public int executeUpdate(String p0, int p1) throws SQLException {
        throw unsupported("executeUpdate");
    }

    @Override
    public int executeUpdate(String p0) throws SQLException {
        throw unsupported("executeUpdate");
    }

    @Override
    public int getFetchDirection() throws SQLException {
        throw unsupported("getFetchDirection");
    }

    @Override
    public ResultSet getGeneratedKeys() throws SQLException {
        throw unsupported("getGeneratedKeys");
    }

    @Override
    public int getMaxFieldSize() throws SQLException {
        throw unsupported("getMaxFieldSize");
    }

    @Override
    public boolean getMoreResults(int p0) throws SQLException {
        throw unsupported("getMoreResults");
    }

    @Override
    public int getResultSetConcurrency() throws SQLException {
        throw unsupported("getResultSetConcurrency");
    }

    @Override
    public int getResultSetHoldability() throws SQLException {
        throw unsupported("getResultSetHoldability");
    }

    @Override
    public int getResultSetType() throws SQLException {
        throw unsupported("getResultSetType");
    }

    @Override
    public boolean isPoolable() throws SQLException {
        throw unsupported("isPoolable");
    }

    @Override
    public void setCursorName(String p0) throws SQLException {
        throw unsupported("setCursorName");
    }

    @Override
    public void setFetchDirection(int p0) throws SQLException {
        throw unsupported("setFetchDirection");
    }

    @Override
    public void setMaxFieldSize(int p0) throws SQLException {
        throw unsupported("setMaxFieldSize");
    }

    @Override
    public void setPoolable(boolean p0) throws SQLException {
        throw unsupported("setPoolable");
    }
}
