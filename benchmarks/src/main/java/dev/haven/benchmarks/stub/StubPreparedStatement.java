package dev.haven.benchmarks.stub;

import java.io.InputStream;
import java.io.Reader;
import java.math.BigDecimal;
import java.net.URL;
import java.sql.*;
import java.util.Calendar;

/**
 * A prepared statement of {@link StubConnection}: parameters are accepted and ignored; every query
 * returns the canned single row of {@link StubResultSet}.
 */
@SuppressWarnings("deprecation")
public final class StubPreparedStatement extends StubStatement implements PreparedStatement {

    StubPreparedStatement(StubConnection connection) {
        super(connection);
    }

    @Override
    public ResultSet executeQuery() throws SQLException {
        return query();
    }

    @Override
    public boolean execute() throws SQLException {
        query();
        return true;
    }

    @Override
    public void setInt(int parameterIndex, int x) throws SQLException {
        ensureOpen();
    }

    @Override
    public void setLong(int parameterIndex, long x) throws SQLException {
        ensureOpen();
    }

    @Override
    public void setString(int parameterIndex, String x) throws SQLException {
        ensureOpen();
    }

    @Override
    public void setObject(int parameterIndex, Object x) throws SQLException {
        ensureOpen();
    }

    @Override
    public void setNull(int parameterIndex, int sqlType) throws SQLException {
        ensureOpen();
    }

    @Override
    public void clearParameters() throws SQLException {
        ensureOpen();
    }

    // ---- not needed by the benchmarks (generated from PreparedStatement)

    @Override
    public void addBatch() throws SQLException {
        throw unsupported("addBatch");
    }

    @Override
    public int executeUpdate() throws SQLException {
        throw unsupported("executeUpdate");
    }

    @Override
    public ResultSetMetaData getMetaData() throws SQLException {
        throw unsupported("getMetaData");
    }

    @Override
    public ParameterMetaData getParameterMetaData() throws SQLException {
        throw unsupported("getParameterMetaData");
    }

    @Override
    public void setArray(int p0, Array p1) throws SQLException {
        throw unsupported("setArray");
    }

    @Override
    public void setAsciiStream(int p0, InputStream p1, int p2) throws SQLException {
        throw unsupported("setAsciiStream");
    }

    @Override
    public void setAsciiStream(int p0, InputStream p1, long p2) throws SQLException {
        throw unsupported("setAsciiStream");
    }

    @Override
    public void setAsciiStream(int p0, InputStream p1) throws SQLException {
        throw unsupported("setAsciiStream");
    }

    @Override
    public void setBigDecimal(int p0, BigDecimal p1) throws SQLException {
        throw unsupported("setBigDecimal");
    }

    @Override
    public void setBinaryStream(int p0, InputStream p1, int p2) throws SQLException {
        throw unsupported("setBinaryStream");
    }

    @Override
    public void setBinaryStream(int p0, InputStream p1, long p2) throws SQLException {
        throw unsupported("setBinaryStream");
    }

    @Override
    public void setBinaryStream(int p0, InputStream p1) throws SQLException {
        throw unsupported("setBinaryStream");
    }

    @Override
    public void setBlob(int p0, InputStream p1, long p2) throws SQLException {
        throw unsupported("setBlob");
    }

    @Override
    public void setBlob(int p0, InputStream p1) throws SQLException {
        throw unsupported("setBlob");
    }

    @Override
    public void setBlob(int p0, Blob p1) throws SQLException {
        throw unsupported("setBlob");
    }

    @Override
    public void setBoolean(int p0, boolean p1) throws SQLException {
        throw unsupported("setBoolean");
    }

    @Override
    public void setByte(int p0, byte p1) throws SQLException {
        throw unsupported("setByte");
    }

    @Override
    public void setBytes(int p0, byte[] p1) throws SQLException {
        throw unsupported("setBytes");
    }

    @Override
    public void setCharacterStream(int p0, Reader p1, int p2) throws SQLException {
        throw unsupported("setCharacterStream");
    }

    @Override
    public void setCharacterStream(int p0, Reader p1, long p2) throws SQLException {
        throw unsupported("setCharacterStream");
    }

    @Override
    public void setCharacterStream(int p0, Reader p1) throws SQLException {
        throw unsupported("setCharacterStream");
    }

    @Override
    public void setClob(int p0, Reader p1, long p2) throws SQLException {
        throw unsupported("setClob");
    }

    @Override
    public void setClob(int p0, Reader p1) throws SQLException {
        throw unsupported("setClob");
    }

    @Override
    public void setClob(int p0, Clob p1) throws SQLException {
        throw unsupported("setClob");
    }

    @Override
    public void setDate(int p0, Date p1, Calendar p2) throws SQLException {
        throw unsupported("setDate");
    }

    @Override
    public void setDate(int p0, Date p1) throws SQLException {
        throw unsupported("setDate");
    }

    @Override
    public void setDouble(int p0, double p1) throws SQLException {
        throw unsupported("setDouble");
    }

    @Override
    public void setFloat(int p0, float p1) throws SQLException {
        throw unsupported("setFloat");
    }

    @Override
    public void setNCharacterStream(int p0, Reader p1, long p2) throws SQLException {
        throw unsupported("setNCharacterStream");
    }

    @Override
    public void setNCharacterStream(int p0, Reader p1) throws SQLException {
        throw unsupported("setNCharacterStream");
    }

    @Override
    public void setNClob(int p0, Reader p1, long p2) throws SQLException {
        throw unsupported("setNClob");
    }

    @Override
    public void setNClob(int p0, Reader p1) throws SQLException {
        throw unsupported("setNClob");
    }

    @Override
    public void setNClob(int p0, NClob p1) throws SQLException {
        throw unsupported("setNClob");
    }

    @Override
    public void setNString(int p0, String p1) throws SQLException {
        throw unsupported("setNString");
    }

    @Override
    public void setNull(int p0, int p1, String p2) throws SQLException {
        throw unsupported("setNull");
    }

    @Override
    public void setObject(int p0, Object p1, int p2, int p3) throws SQLException {
        throw unsupported("setObject");
    }

    @Override
    public void setObject(int p0, Object p1, int p2) throws SQLException {
        throw unsupported("setObject");
    }

    @Override
    public void setRef(int p0, Ref p1) throws SQLException {
        throw unsupported("setRef");
    }

    @Override
    public void setRowId(int p0, RowId p1) throws SQLException {
        throw unsupported("setRowId");
    }

    @Override
    public void setSQLXML(int p0, SQLXML p1) throws SQLException {
        throw unsupported("setSQLXML");
    }

    @Override
    public void setShort(int p0, short p1) throws SQLException {
        throw unsupported("setShort");
    }

    @Override
    public void setTime(int p0, Time p1, Calendar p2) throws SQLException {
        throw unsupported("setTime");
    }

    @Override
    public void setTime(int p0, Time p1) throws SQLException {
        throw unsupported("setTime");
    }

    @Override
    public void setTimestamp(int p0, Timestamp p1, Calendar p2) throws SQLException {
        throw unsupported("setTimestamp");
    }

    @Override
    public void setTimestamp(int p0, Timestamp p1) throws SQLException {
        throw unsupported("setTimestamp");
    }

    @Override
    public void setURL(int p0, URL p1) throws SQLException {
        throw unsupported("setURL");
    }

    @Override
    public void setUnicodeStream(int p0, InputStream p1, int p2) throws SQLException {
        throw unsupported("setUnicodeStream");
    }
}
