package dev.haven.benchmarks.stub;

import java.sql.*;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executor;

/**
 * A connection of {@link StubDriver}: settings are only stored (HikariCP sets and resets several of them
 * on every borrow and return), and statements answer with a canned single row. One statement object is
 * reused while the previous one is closed, so the steady state of "prepare, execute, close" allocates
 * nothing here.
 */
@SuppressWarnings("deprecation")
public final class StubConnection implements Connection {

    private final String url;
    private final Properties clientInfo = new Properties();
    private StubPreparedStatement cached;
    private boolean autoCommit = true;
    private boolean readOnly;
    private int isolation = TRANSACTION_READ_COMMITTED;
    private String catalog;
    private String schema;
    private int holdability = ResultSet.HOLD_CURSORS_OVER_COMMIT;
    private int networkTimeout;
    private boolean closed;

    StubConnection(String url) {
        this.url = url;
    }

    /** The URL this connection was opened with (the server it "talks" to). */
    public String url() {
        return url;
    }

    static SQLFeatureNotSupportedException unsupported(String what) {
        return new SQLFeatureNotSupportedException("StubConnection does not support " + what);
    }

    private void ensureOpen() throws SQLException {
        if (closed) {
            throw new SQLException("Connection is closed", "08003");
        }
    }

    private StubPreparedStatement statement() throws SQLException {
        ensureOpen();
        StubPreparedStatement s = cached;
        if (s == null || !s.isClosed()) {
            s = new StubPreparedStatement(this); // the first, or a second one open at the same time
            cached = s;
        }
        s.open();
        return s;
    }

    @Override
    public Statement createStatement() throws SQLException {
        return statement();
    }

    @Override
    public PreparedStatement prepareStatement(String sql) throws SQLException {
        return statement();
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int resultSetType, int resultSetConcurrency) throws SQLException {
        return statement();
    }

    @Override
    public void setAutoCommit(boolean autoCommit) throws SQLException {
        ensureOpen();
        this.autoCommit = autoCommit;
    }

    @Override
    public boolean getAutoCommit() throws SQLException {
        ensureOpen();
        return autoCommit;
    }

    @Override
    public void commit() throws SQLException {
        ensureOpen();
    }

    @Override
    public void rollback() throws SQLException {
        ensureOpen();
    }

    @Override
    public void close() {
        closed = true;
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public void setReadOnly(boolean readOnly) throws SQLException {
        ensureOpen();
        this.readOnly = readOnly;
    }

    @Override
    public boolean isReadOnly() throws SQLException {
        ensureOpen();
        return readOnly;
    }

    @Override
    public void setCatalog(String catalog) throws SQLException {
        ensureOpen();
        this.catalog = catalog;
    }

    @Override
    public String getCatalog() throws SQLException {
        ensureOpen();
        return catalog;
    }

    @Override
    public void setTransactionIsolation(int level) throws SQLException {
        ensureOpen();
        this.isolation = level;
    }

    @Override
    public int getTransactionIsolation() throws SQLException {
        ensureOpen();
        return isolation;
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
    public void setHoldability(int holdability) throws SQLException {
        ensureOpen();
        this.holdability = holdability;
    }

    @Override
    public int getHoldability() throws SQLException {
        ensureOpen();
        return holdability;
    }

    @Override
    public boolean isValid(int timeout) {
        return !closed;
    }

    @Override
    public void setClientInfo(String name, String value) {
        clientInfo.setProperty(name, value);
    }

    @Override
    public void setClientInfo(Properties properties) {
        clientInfo.putAll(properties);
    }

    @Override
    public String getClientInfo(String name) {
        return clientInfo.getProperty(name);
    }

    @Override
    public Properties getClientInfo() {
        return clientInfo;
    }

    @Override
    public void setSchema(String schema) throws SQLException {
        ensureOpen();
        this.schema = schema;
    }

    @Override
    public String getSchema() throws SQLException {
        ensureOpen();
        return schema;
    }

    @Override
    public void abort(Executor executor) {
        closed = true;
    }

    @Override
    public void setNetworkTimeout(Executor executor, int milliseconds) throws SQLException {
        ensureOpen();
        this.networkTimeout = milliseconds;
    }

    @Override
    public int getNetworkTimeout() throws SQLException {
        ensureOpen();
        return networkTimeout;
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        throw new SQLException("StubConnection does not wrap " + iface.getName());
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }

    @Override
    public String toString() {
        return "StubConnection[" + url + "]";
    }

    // ---- not needed by the benchmarks (generated from Connection)

    @Override
    public Array createArrayOf(String p0, Object[] p1) throws SQLException {
        throw unsupported("createArrayOf");
    }

    @Override
    public Blob createBlob() throws SQLException {
        throw unsupported("createBlob");
    }

    @Override
    public Clob createClob() throws SQLException {
        throw unsupported("createClob");
    }

    @Override
    public NClob createNClob() throws SQLException {
        throw unsupported("createNClob");
    }

    @Override
    public SQLXML createSQLXML() throws SQLException {
        throw unsupported("createSQLXML");
    }

    @Override
    public Statement createStatement(int p0, int p1, int p2) throws SQLException {
        throw unsupported("createStatement");
    }

    @Override
    public Statement createStatement(int p0, int p1) throws SQLException {
        throw unsupported("createStatement");
    }

    @Override
    public Struct createStruct(String p0, Object[] p1) throws SQLException {
        throw unsupported("createStruct");
    }

    @Override
    public DatabaseMetaData getMetaData() throws SQLException {
        throw unsupported("getMetaData");
    }

    @Override
    public Map<String, Class<?>> getTypeMap() throws SQLException {
        throw unsupported("getTypeMap");
    }

    @Override
    public String nativeSQL(String p0) throws SQLException {
        throw unsupported("nativeSQL");
    }

    @Override
    public CallableStatement prepareCall(String p0, int p1, int p2, int p3) throws SQLException {
        throw unsupported("prepareCall");
    }

    @Override
    public CallableStatement prepareCall(String p0, int p1, int p2) throws SQLException {
        throw unsupported("prepareCall");
    }

    @Override
    public CallableStatement prepareCall(String p0) throws SQLException {
        throw unsupported("prepareCall");
    }

    @Override
    public PreparedStatement prepareStatement(String p0, int[] p1) throws SQLException {
        throw unsupported("prepareStatement");
    }

    @Override
    public PreparedStatement prepareStatement(String p0, String[] p1) throws SQLException {
        throw unsupported("prepareStatement");
    }

    @Override
    public PreparedStatement prepareStatement(String p0, int p1, int p2, int p3) throws SQLException {
        throw unsupported("prepareStatement");
    }

    @Override
    public PreparedStatement prepareStatement(String p0, int p1) throws SQLException {
        throw unsupported("prepareStatement");
    }

    @Override
    public void releaseSavepoint(Savepoint p0) throws SQLException {
        throw unsupported("releaseSavepoint");
    }

    @Override
    public void rollback(Savepoint p0) throws SQLException {
        throw unsupported("rollback");
    }

    @Override
    public Savepoint setSavepoint() throws SQLException {
        throw unsupported("setSavepoint");
    }

    @Override
    public Savepoint setSavepoint(String p0) throws SQLException {
        throw unsupported("setSavepoint");
    }

    @Override
    public void setTypeMap(Map<String, Class<?>> p0) throws SQLException {
        throw unsupported("setTypeMap");
    }
}
