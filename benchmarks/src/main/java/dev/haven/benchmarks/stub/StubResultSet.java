package dev.haven.benchmarks.stub;

import java.io.InputStream;
import java.io.Reader;
import java.math.BigDecimal;
import java.net.URL;
import java.sql.*;
import java.util.Calendar;
import java.util.Map;

/**
 * The canned answer of every {@link StubStatement} query: one row, one column, the integer 1 (what
 * {@code SELECT 1} returns). Its statement reuses this instance and rewinds it on each execution.
 */
@SuppressWarnings("deprecation")
public final class StubResultSet implements ResultSet {

    private static final Integer ONE = 1;

    private final StubStatement statement;
    /** -1 closed, 0 before the row, 1 on the row, 2 after it. */
    private int cursor = -1;

    StubResultSet(StubStatement statement) {
        this.statement = statement;
    }

    static SQLFeatureNotSupportedException unsupported(String what) {
        return new SQLFeatureNotSupportedException("StubResultSet does not support " + what);
    }

    void rewind() {
        cursor = 0;
    }

    private void ensureOpen() throws SQLException {
        if (cursor < 0) {
            throw new SQLException("ResultSet is closed", "HY010");
        }
    }

    private void onRow(int columnIndex) throws SQLException {
        ensureOpen();
        if (cursor != 1) {
            throw new SQLException("ResultSet is not positioned on a row", "24000");
        }
        if (columnIndex != 1) {
            throw new SQLException("Column index " + columnIndex + " out of range 1..1", "22023");
        }
    }

    @Override
    public boolean next() throws SQLException {
        ensureOpen();
        if (cursor < 2) {
            cursor++;
        }
        return cursor == 1;
    }

    @Override
    public void close() {
        cursor = -1;
    }

    @Override
    public boolean isClosed() {
        return cursor < 0;
    }

    @Override
    public boolean wasNull() throws SQLException {
        ensureOpen();
        return false;
    }

    @Override
    public int getInt(int columnIndex) throws SQLException {
        onRow(columnIndex);
        return 1;
    }

    @Override
    public long getLong(int columnIndex) throws SQLException {
        onRow(columnIndex);
        return 1L;
    }

    @Override
    public String getString(int columnIndex) throws SQLException {
        onRow(columnIndex);
        return "1";
    }

    @Override
    public Object getObject(int columnIndex) throws SQLException {
        onRow(columnIndex);
        return ONE;
    }

    @Override
    public int findColumn(String columnLabel) throws SQLException {
        ensureOpen();
        if (!"?column?".equals(columnLabel)) {
            throw new SQLException("No column " + columnLabel, "42703");
        }
        return 1;
    }

    @Override
    public int getInt(String columnLabel) throws SQLException {
        return getInt(findColumn(columnLabel));
    }

    @Override
    public Statement getStatement() throws SQLException {
        ensureOpen();
        return statement;
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
    public int getFetchSize() throws SQLException {
        ensureOpen();
        return 0;
    }

    @Override
    public void setFetchSize(int rows) throws SQLException {
        ensureOpen();
    }

    @Override
    public int getType() throws SQLException {
        ensureOpen();
        return TYPE_FORWARD_ONLY;
    }

    @Override
    public int getConcurrency() throws SQLException {
        ensureOpen();
        return CONCUR_READ_ONLY;
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        throw new SQLException("StubResultSet does not wrap " + iface.getName());
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }

    // ---- not needed by the benchmarks (generated from ResultSet)

    @Override
    public boolean absolute(int p0) throws SQLException {
        throw unsupported("absolute");
    }

    @Override
    public void afterLast() throws SQLException {
        throw unsupported("afterLast");
    }

    @Override
    public void beforeFirst() throws SQLException {
        throw unsupported("beforeFirst");
    }

    @Override
    public void cancelRowUpdates() throws SQLException {
        throw unsupported("cancelRowUpdates");
    }

    @Override
    public void deleteRow() throws SQLException {
        throw unsupported("deleteRow");
    }

    @Override
    public boolean first() throws SQLException {
        throw unsupported("first");
    }

    @Override
    public Array getArray(String p0) throws SQLException {
        throw unsupported("getArray");
    }

    @Override
    public Array getArray(int p0) throws SQLException {
        throw unsupported("getArray");
    }

    @Override
    public InputStream getAsciiStream(String p0) throws SQLException {
        throw unsupported("getAsciiStream");
    }

    @Override
    public InputStream getAsciiStream(int p0) throws SQLException {
        throw unsupported("getAsciiStream");
    }

    @Override
    public BigDecimal getBigDecimal(String p0, int p1) throws SQLException {
        throw unsupported("getBigDecimal");
    }

    @Override
    public BigDecimal getBigDecimal(String p0) throws SQLException {
        throw unsupported("getBigDecimal");
    }

    @Override
    public BigDecimal getBigDecimal(int p0, int p1) throws SQLException {
        throw unsupported("getBigDecimal");
    }

    @Override
    public BigDecimal getBigDecimal(int p0) throws SQLException {
        throw unsupported("getBigDecimal");
    }

    @Override
    public InputStream getBinaryStream(String p0) throws SQLException {
        throw unsupported("getBinaryStream");
    }

    @Override
    public InputStream getBinaryStream(int p0) throws SQLException {
        throw unsupported("getBinaryStream");
    }

    @Override
    public Blob getBlob(String p0) throws SQLException {
        throw unsupported("getBlob");
    }

    @Override
    public Blob getBlob(int p0) throws SQLException {
        throw unsupported("getBlob");
    }

    @Override
    public boolean getBoolean(String p0) throws SQLException {
        throw unsupported("getBoolean");
    }

    @Override
    public boolean getBoolean(int p0) throws SQLException {
        throw unsupported("getBoolean");
    }

    @Override
    public byte getByte(String p0) throws SQLException {
        throw unsupported("getByte");
    }

    @Override
    public byte getByte(int p0) throws SQLException {
        throw unsupported("getByte");
    }

    @Override
    public byte[] getBytes(String p0) throws SQLException {
        throw unsupported("getBytes");
    }

    @Override
    public byte[] getBytes(int p0) throws SQLException {
        throw unsupported("getBytes");
    }

    @Override
    public Reader getCharacterStream(String p0) throws SQLException {
        throw unsupported("getCharacterStream");
    }

    @Override
    public Reader getCharacterStream(int p0) throws SQLException {
        throw unsupported("getCharacterStream");
    }

    @Override
    public Clob getClob(String p0) throws SQLException {
        throw unsupported("getClob");
    }

    @Override
    public Clob getClob(int p0) throws SQLException {
        throw unsupported("getClob");
    }

    @Override
    public String getCursorName() throws SQLException {
        throw unsupported("getCursorName");
    }

    @Override
    public Date getDate(String p0, Calendar p1) throws SQLException {
        throw unsupported("getDate");
    }

    @Override
    public Date getDate(String p0) throws SQLException {
        throw unsupported("getDate");
    }

    @Override
    public Date getDate(int p0, Calendar p1) throws SQLException {
        throw unsupported("getDate");
    }

    @Override
    public Date getDate(int p0) throws SQLException {
        throw unsupported("getDate");
    }

    @Override
    public double getDouble(String p0) throws SQLException {
        throw unsupported("getDouble");
    }

    @Override
    public double getDouble(int p0) throws SQLException {
        throw unsupported("getDouble");
    }

    @Override
    public int getFetchDirection() throws SQLException {
        throw unsupported("getFetchDirection");
    }

    @Override
    public float getFloat(String p0) throws SQLException {
        throw unsupported("getFloat");
    }

    @Override
    public float getFloat(int p0) throws SQLException {
        throw unsupported("getFloat");
    }

    @Override
    public int getHoldability() throws SQLException {
        throw unsupported("getHoldability");
    }

    @Override
    public long getLong(String p0) throws SQLException {
        throw unsupported("getLong");
    }

    @Override
    public ResultSetMetaData getMetaData() throws SQLException {
        throw unsupported("getMetaData");
    }

    @Override
    public Reader getNCharacterStream(String p0) throws SQLException {
        throw unsupported("getNCharacterStream");
    }

    @Override
    public Reader getNCharacterStream(int p0) throws SQLException {
        throw unsupported("getNCharacterStream");
    }

    @Override
    public NClob getNClob(String p0) throws SQLException {
        throw unsupported("getNClob");
    }

    @Override
    public NClob getNClob(int p0) throws SQLException {
        throw unsupported("getNClob");
    }

    @Override
    public String getNString(String p0) throws SQLException {
        throw unsupported("getNString");
    }

    @Override
    public String getNString(int p0) throws SQLException {
        throw unsupported("getNString");
    }

    @Override
    public <T> T getObject(String p0, Class<T> p1) throws SQLException {
        throw unsupported("getObject");
    }

    @Override
    public Object getObject(String p0, Map<String, Class<?>> p1) throws SQLException {
        throw unsupported("getObject");
    }

    @Override
    public Object getObject(String p0) throws SQLException {
        throw unsupported("getObject");
    }

    @Override
    public <T> T getObject(int p0, Class<T> p1) throws SQLException {
        throw unsupported("getObject");
    }

    @Override
    public Object getObject(int p0, Map<String, Class<?>> p1) throws SQLException {
        throw unsupported("getObject");
    }

    @Override
    public Ref getRef(String p0) throws SQLException {
        throw unsupported("getRef");
    }

    @Override
    public Ref getRef(int p0) throws SQLException {
        throw unsupported("getRef");
    }

    @Override
    public int getRow() throws SQLException {
        throw unsupported("getRow");
    }

    @Override
    public RowId getRowId(String p0) throws SQLException {
        throw unsupported("getRowId");
    }

    @Override
    public RowId getRowId(int p0) throws SQLException {
        throw unsupported("getRowId");
    }

    @Override
    public SQLXML getSQLXML(String p0) throws SQLException {
        throw unsupported("getSQLXML");
    }

    @Override
    public SQLXML getSQLXML(int p0) throws SQLException {
        throw unsupported("getSQLXML");
    }

    @Override
    public short getShort(String p0) throws SQLException {
        throw unsupported("getShort");
    }

    @Override
    public short getShort(int p0) throws SQLException {
        throw unsupported("getShort");
    }

    @Override
    public String getString(String p0) throws SQLException {
        throw unsupported("getString");
    }

    @Override
    public Time getTime(String p0, Calendar p1) throws SQLException {
        throw unsupported("getTime");
    }

    @Override
    public Time getTime(String p0) throws SQLException {
        throw unsupported("getTime");
    }

    @Override
    public Time getTime(int p0, Calendar p1) throws SQLException {
        throw unsupported("getTime");
    }

    @Override
    public Time getTime(int p0) throws SQLException {
        throw unsupported("getTime");
    }

    @Override
    public Timestamp getTimestamp(String p0, Calendar p1) throws SQLException {
        throw unsupported("getTimestamp");
    }

    @Override
    public Timestamp getTimestamp(String p0) throws SQLException {
        throw unsupported("getTimestamp");
    }

    @Override
    public Timestamp getTimestamp(int p0, Calendar p1) throws SQLException {
        throw unsupported("getTimestamp");
    }

    @Override
    public Timestamp getTimestamp(int p0) throws SQLException {
        throw unsupported("getTimestamp");
    }

    @Override
    public URL getURL(String p0) throws SQLException {
        throw unsupported("getURL");
    }

    @Override
    public URL getURL(int p0) throws SQLException {
        throw unsupported("getURL");
    }

    @Override
    public InputStream getUnicodeStream(String p0) throws SQLException {
        throw unsupported("getUnicodeStream");
    }

    @Override
    public InputStream getUnicodeStream(int p0) throws SQLException {
        throw unsupported("getUnicodeStream");
    }

    @Override
    public void insertRow() throws SQLException {
        throw unsupported("insertRow");
    }

    @Override
    public boolean isAfterLast() throws SQLException {
        throw unsupported("isAfterLast");
    }

    @Override
    public boolean isBeforeFirst() throws SQLException {
        throw unsupported("isBeforeFirst");
    }

    @Override
    public boolean isFirst() throws SQLException {
        throw unsupported("isFirst");
    }

    @Override
    public boolean isLast() throws SQLException {
        throw unsupported("isLast");
    }

    @Override
    public boolean last() throws SQLException {
        throw unsupported("last");
    }

    @Override
    public void moveToCurrentRow() throws SQLException {
        throw unsupported("moveToCurrentRow");
    }

    @Override
    public void moveToInsertRow() throws SQLException {
        throw unsupported("moveToInsertRow");
    }

    @Override
    public boolean previous() throws SQLException {
        throw unsupported("previous");
    }

    @Override
    public void refreshRow() throws SQLException {
        throw unsupported("refreshRow");
    }

    @Override
    public boolean relative(int p0) throws SQLException {
        throw unsupported("relative");
    }

    @Override
    public boolean rowDeleted() throws SQLException {
        throw unsupported("rowDeleted");
    }

    @Override
    public boolean rowInserted() throws SQLException {
        throw unsupported("rowInserted");
    }

    @Override
    public boolean rowUpdated() throws SQLException {
        throw unsupported("rowUpdated");
    }

    @Override
    public void setFetchDirection(int p0) throws SQLException {
        throw unsupported("setFetchDirection");
    }

    @Override
    public void updateArray(String p0, Array p1) throws SQLException {
        throw unsupported("updateArray");
    }

    @Override
    public void updateArray(int p0, Array p1) throws SQLException {
        throw unsupported("updateArray");
    }

    @Override
    public void updateAsciiStream(String p0, InputStream p1, int p2) throws SQLException {
        throw unsupported("updateAsciiStream");
    }

    @Override
    public void updateAsciiStream(String p0, InputStream p1, long p2) throws SQLException {
        throw unsupported("updateAsciiStream");
    }

    @Override
    public void updateAsciiStream(String p0, InputStream p1) throws SQLException {
        throw unsupported("updateAsciiStream");
    }

    @Override
    public void updateAsciiStream(int p0, InputStream p1, int p2) throws SQLException {
        throw unsupported("updateAsciiStream");
    }

    @Override
    public void updateAsciiStream(int p0, InputStream p1, long p2) throws SQLException {
        throw unsupported("updateAsciiStream");
    }

    @Override
    public void updateAsciiStream(int p0, InputStream p1) throws SQLException {
        throw unsupported("updateAsciiStream");
    }

    @Override
    public void updateBigDecimal(String p0, BigDecimal p1) throws SQLException {
        throw unsupported("updateBigDecimal");
    }

    @Override
    public void updateBigDecimal(int p0, BigDecimal p1) throws SQLException {
        throw unsupported("updateBigDecimal");
    }

    @Override
    public void updateBinaryStream(String p0, InputStream p1, int p2) throws SQLException {
        throw unsupported("updateBinaryStream");
    }

    @Override
    public void updateBinaryStream(String p0, InputStream p1, long p2) throws SQLException {
        throw unsupported("updateBinaryStream");
    }

    @Override
    public void updateBinaryStream(String p0, InputStream p1) throws SQLException {
        throw unsupported("updateBinaryStream");
    }

    @Override
    public void updateBinaryStream(int p0, InputStream p1, int p2) throws SQLException {
        throw unsupported("updateBinaryStream");
    }

    @Override
    public void updateBinaryStream(int p0, InputStream p1, long p2) throws SQLException {
        throw unsupported("updateBinaryStream");
    }

    @Override
    public void updateBinaryStream(int p0, InputStream p1) throws SQLException {
        throw unsupported("updateBinaryStream");
    }

    @Override
    public void updateBlob(String p0, InputStream p1, long p2) throws SQLException {
        throw unsupported("updateBlob");
    }

    @Override
    public void updateBlob(String p0, InputStream p1) throws SQLException {
        throw unsupported("updateBlob");
    }

    @Override
    public void updateBlob(String p0, Blob p1) throws SQLException {
        throw unsupported("updateBlob");
    }

    @Override
    public void updateBlob(int p0, InputStream p1, long p2) throws SQLException {
        throw unsupported("updateBlob");
    }

    @Override
    public void updateBlob(int p0, InputStream p1) throws SQLException {
        throw unsupported("updateBlob");
    }

    @Override
    public void updateBlob(int p0, Blob p1) throws SQLException {
        throw unsupported("updateBlob");
    }

    @Override
    public void updateBoolean(String p0, boolean p1) throws SQLException {
        throw unsupported("updateBoolean");
    }

    @Override
    public void updateBoolean(int p0, boolean p1) throws SQLException {
        throw unsupported("updateBoolean");
    }

    @Override
    public void updateByte(String p0, byte p1) throws SQLException {
        throw unsupported("updateByte");
    }

    @Override
    public void updateByte(int p0, byte p1) throws SQLException {
        throw unsupported("updateByte");
    }

    @Override
    public void updateBytes(String p0, byte[] p1) throws SQLException {
        throw unsupported("updateBytes");
    }

    @Override
    public void updateBytes(int p0, byte[] p1) throws SQLException {
        throw unsupported("updateBytes");
    }

    @Override
    public void updateCharacterStream(String p0, Reader p1, int p2) throws SQLException {
        throw unsupported("updateCharacterStream");
    }

    @Override
    public void updateCharacterStream(String p0, Reader p1, long p2) throws SQLException {
        throw unsupported("updateCharacterStream");
    }

    @Override
    public void updateCharacterStream(String p0, Reader p1) throws SQLException {
        throw unsupported("updateCharacterStream");
    }

    @Override
    public void updateCharacterStream(int p0, Reader p1, int p2) throws SQLException {
        throw unsupported("updateCharacterStream");
    }

    @Override
    public void updateCharacterStream(int p0, Reader p1, long p2) throws SQLException {
        throw unsupported("updateCharacterStream");
    }

    @Override
    public void updateCharacterStream(int p0, Reader p1) throws SQLException {
        throw unsupported("updateCharacterStream");
    }

    @Override
    public void updateClob(String p0, Reader p1, long p2) throws SQLException {
        throw unsupported("updateClob");
    }

    @Override
    public void updateClob(String p0, Reader p1) throws SQLException {
        throw unsupported("updateClob");
    }

    @Override
    public void updateClob(String p0, Clob p1) throws SQLException {
        throw unsupported("updateClob");
    }

    @Override
    public void updateClob(int p0, Reader p1, long p2) throws SQLException {
        throw unsupported("updateClob");
    }

    @Override
    public void updateClob(int p0, Reader p1) throws SQLException {
        throw unsupported("updateClob");
    }

    @Override
    public void updateClob(int p0, Clob p1) throws SQLException {
        throw unsupported("updateClob");
    }

    @Override
    public void updateDate(String p0, Date p1) throws SQLException {
        throw unsupported("updateDate");
    }

    @Override
    public void updateDate(int p0, Date p1) throws SQLException {
        throw unsupported("updateDate");
    }

    @Override
    public void updateDouble(String p0, double p1) throws SQLException {
        throw unsupported("updateDouble");
    }

    @Override
    public void updateDouble(int p0, double p1) throws SQLException {
        throw unsupported("updateDouble");
    }

    @Override
    public void updateFloat(String p0, float p1) throws SQLException {
        throw unsupported("updateFloat");
    }

    @Override
    public void updateFloat(int p0, float p1) throws SQLException {
        throw unsupported("updateFloat");
    }

    @Override
    public void updateInt(String p0, int p1) throws SQLException {
        throw unsupported("updateInt");
    }

    @Override
    public void updateInt(int p0, int p1) throws SQLException {
        throw unsupported("updateInt");
    }

    @Override
    public void updateLong(String p0, long p1) throws SQLException {
        throw unsupported("updateLong");
    }

    @Override
    public void updateLong(int p0, long p1) throws SQLException {
        throw unsupported("updateLong");
    }

    @Override
    public void updateNCharacterStream(String p0, Reader p1, long p2) throws SQLException {
        throw unsupported("updateNCharacterStream");
    }

    @Override
    public void updateNCharacterStream(String p0, Reader p1) throws SQLException {
        throw unsupported("updateNCharacterStream");
    }

    @Override
    public void updateNCharacterStream(int p0, Reader p1, long p2) throws SQLException {
        throw unsupported("updateNCharacterStream");
    }

    @Override
    public void updateNCharacterStream(int p0, Reader p1) throws SQLException {
        throw unsupported("updateNCharacterStream");
    }

    @Override
    public void updateNClob(String p0, Reader p1, long p2) throws SQLException {
        throw unsupported("updateNClob");
    }

    @Override
    public void updateNClob(String p0, Reader p1) throws SQLException {
        throw unsupported("updateNClob");
    }

    @Override
    public void updateNClob(String p0, NClob p1) throws SQLException {
        throw unsupported("updateNClob");
    }

    @Override
    public void updateNClob(int p0, Reader p1, long p2) throws SQLException {
        throw unsupported("updateNClob");
    }

    @Override
    public void updateNClob(int p0, Reader p1) throws SQLException {
        throw unsupported("updateNClob");
    }

    @Override
    public void updateNClob(int p0, NClob p1) throws SQLException {
        throw unsupported("updateNClob");
    }

    @Override
    public void updateNString(String p0, String p1) throws SQLException {
        throw unsupported("updateNString");
    }

    @Override
    public void updateNString(int p0, String p1) throws SQLException {
        throw unsupported("updateNString");
    }

    @Override
    public void updateNull(String p0) throws SQLException {
        throw unsupported("updateNull");
    }

    @Override
    public void updateNull(int p0) throws SQLException {
        throw unsupported("updateNull");
    }

    @Override
    public void updateObject(String p0, Object p1, int p2) throws SQLException {
        throw unsupported("updateObject");
    }

    @Override
    public void updateObject(String p0, Object p1) throws SQLException {
        throw unsupported("updateObject");
    }

    @Override
    public void updateObject(int p0, Object p1, int p2) throws SQLException {
        throw unsupported("updateObject");
    }

    @Override
    public void updateObject(int p0, Object p1) throws SQLException {
        throw unsupported("updateObject");
    }

    @Override
    public void updateRef(String p0, Ref p1) throws SQLException {
        throw unsupported("updateRef");
    }

    @Override
    public void updateRef(int p0, Ref p1) throws SQLException {
        throw unsupported("updateRef");
    }

    @Override
    public void updateRow() throws SQLException {
        throw unsupported("updateRow");
    }

    @Override
    public void updateRowId(String p0, RowId p1) throws SQLException {
        throw unsupported("updateRowId");
    }

    @Override
    public void updateRowId(int p0, RowId p1) throws SQLException {
        throw unsupported("updateRowId");
    }

    @Override
    public void updateSQLXML(String p0, SQLXML p1) throws SQLException {
        throw unsupported("updateSQLXML");
    }

    @Override
    public void updateSQLXML(int p0, SQLXML p1) throws SQLException {
        throw unsupported("updateSQLXML");
    }

    @Override
    public void updateShort(String p0, short p1) throws SQLException {
        throw unsupported("updateShort");
    }

    @Override
    public void updateShort(int p0, short p1) throws SQLException {
        throw unsupported("updateShort");
    }

    @Override
    public void updateString(String p0, String p1) throws SQLException {
        throw unsupported("updateString");
    }

    @Override
    public void updateString(int p0, String p1) throws SQLException {
        throw unsupported("updateString");
    }

    @Override
    public void updateTime(String p0, Time p1) throws SQLException {
        throw unsupported("updateTime");
    }

    @Override
    public void updateTime(int p0, Time p1) throws SQLException {
        throw unsupported("updateTime");
    }

    @Override
    public void updateTimestamp(String p0, Timestamp p1) throws SQLException {
        throw unsupported("updateTimestamp");
    }

    @Override
    public void updateTimestamp(int p0, Timestamp p1) throws SQLException {
        throw unsupported("updateTimestamp");
    }
}
