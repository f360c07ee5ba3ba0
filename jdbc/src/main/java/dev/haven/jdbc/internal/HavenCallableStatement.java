package dev.haven.jdbc.internal;

import java.sql.CallableStatement;
import java.sql.SQLException;

/** {@link HavenStatement} for callable statements; the delegation is generated from {@link CallableStatement}. */
final class HavenCallableStatement extends HavenPreparedStatement implements CallableStatement {

    HavenCallableStatement(ConnectionHandler conn, byte kind, String sql, Object extra, CallableStatement real) {
        super(conn, kind, sql, extra, real);
    }

    final CallableStatement cs() {
        return (CallableStatement) real;
    }

    @Override
    public java.sql.Array getArray(String a0) throws SQLException {
        return cs().getArray(a0);
    }

    @Override
    public java.sql.Array getArray(int a0) throws SQLException {
        return cs().getArray(a0);
    }

    @Override
    public java.math.BigDecimal getBigDecimal(String a0) throws SQLException {
        return cs().getBigDecimal(a0);
    }

    @Deprecated
    @Override
    public java.math.BigDecimal getBigDecimal(int a0, int a1) throws SQLException {
        return cs().getBigDecimal(a0, a1);
    }

    @Override
    public java.math.BigDecimal getBigDecimal(int a0) throws SQLException {
        return cs().getBigDecimal(a0);
    }

    @Override
    public java.sql.Blob getBlob(String a0) throws SQLException {
        return cs().getBlob(a0);
    }

    @Override
    public java.sql.Blob getBlob(int a0) throws SQLException {
        return cs().getBlob(a0);
    }

    @Override
    public boolean getBoolean(String a0) throws SQLException {
        return cs().getBoolean(a0);
    }

    @Override
    public boolean getBoolean(int a0) throws SQLException {
        return cs().getBoolean(a0);
    }

    @Override
    public byte getByte(String a0) throws SQLException {
        return cs().getByte(a0);
    }

    @Override
    public byte getByte(int a0) throws SQLException {
        return cs().getByte(a0);
    }

    @Override
    public byte[] getBytes(String a0) throws SQLException {
        return cs().getBytes(a0);
    }

    @Override
    public byte[] getBytes(int a0) throws SQLException {
        return cs().getBytes(a0);
    }

    @Override
    public java.io.Reader getCharacterStream(String a0) throws SQLException {
        return cs().getCharacterStream(a0);
    }

    @Override
    public java.io.Reader getCharacterStream(int a0) throws SQLException {
        return cs().getCharacterStream(a0);
    }

    @Override
    public java.sql.Clob getClob(String a0) throws SQLException {
        return cs().getClob(a0);
    }

    @Override
    public java.sql.Clob getClob(int a0) throws SQLException {
        return cs().getClob(a0);
    }

    @Override
    public java.sql.Date getDate(String a0, java.util.Calendar a1) throws SQLException {
        return cs().getDate(a0, a1);
    }

    @Override
    public java.sql.Date getDate(String a0) throws SQLException {
        return cs().getDate(a0);
    }

    @Override
    public java.sql.Date getDate(int a0, java.util.Calendar a1) throws SQLException {
        return cs().getDate(a0, a1);
    }

    @Override
    public java.sql.Date getDate(int a0) throws SQLException {
        return cs().getDate(a0);
    }

    @Override
    public double getDouble(String a0) throws SQLException {
        return cs().getDouble(a0);
    }

    @Override
    public double getDouble(int a0) throws SQLException {
        return cs().getDouble(a0);
    }

    @Override
    public float getFloat(String a0) throws SQLException {
        return cs().getFloat(a0);
    }

    @Override
    public float getFloat(int a0) throws SQLException {
        return cs().getFloat(a0);
    }

    @Override
    public int getInt(String a0) throws SQLException {
        return cs().getInt(a0);
    }

    @Override
    public int getInt(int a0) throws SQLException {
        return cs().getInt(a0);
    }

    @Override
    public long getLong(String a0) throws SQLException {
        return cs().getLong(a0);
    }

    @Override
    public long getLong(int a0) throws SQLException {
        return cs().getLong(a0);
    }

    @Override
    public java.io.Reader getNCharacterStream(String a0) throws SQLException {
        return cs().getNCharacterStream(a0);
    }

    @Override
    public java.io.Reader getNCharacterStream(int a0) throws SQLException {
        return cs().getNCharacterStream(a0);
    }

    @Override
    public java.sql.NClob getNClob(String a0) throws SQLException {
        return cs().getNClob(a0);
    }

    @Override
    public java.sql.NClob getNClob(int a0) throws SQLException {
        return cs().getNClob(a0);
    }

    @Override
    public String getNString(String a0) throws SQLException {
        return cs().getNString(a0);
    }

    @Override
    public String getNString(int a0) throws SQLException {
        return cs().getNString(a0);
    }

    @Override
    public <T> T getObject(String a0, Class<T> a1) throws SQLException {
        return cs().getObject(a0, a1);
    }

    @Override
    public Object getObject(String a0, java.util.Map<String, Class<?>> a1) throws SQLException {
        return cs().getObject(a0, a1);
    }

    @Override
    public Object getObject(String a0) throws SQLException {
        return cs().getObject(a0);
    }

    @Override
    public <T> T getObject(int a0, Class<T> a1) throws SQLException {
        return cs().getObject(a0, a1);
    }

    @Override
    public Object getObject(int a0, java.util.Map<String, Class<?>> a1) throws SQLException {
        return cs().getObject(a0, a1);
    }

    @Override
    public Object getObject(int a0) throws SQLException {
        return cs().getObject(a0);
    }

    @Override
    public java.sql.Ref getRef(String a0) throws SQLException {
        return cs().getRef(a0);
    }

    @Override
    public java.sql.Ref getRef(int a0) throws SQLException {
        return cs().getRef(a0);
    }

    @Override
    public java.sql.RowId getRowId(String a0) throws SQLException {
        return cs().getRowId(a0);
    }

    @Override
    public java.sql.RowId getRowId(int a0) throws SQLException {
        return cs().getRowId(a0);
    }

    @Override
    public java.sql.SQLXML getSQLXML(String a0) throws SQLException {
        return cs().getSQLXML(a0);
    }

    @Override
    public java.sql.SQLXML getSQLXML(int a0) throws SQLException {
        return cs().getSQLXML(a0);
    }

    @Override
    public short getShort(String a0) throws SQLException {
        return cs().getShort(a0);
    }

    @Override
    public short getShort(int a0) throws SQLException {
        return cs().getShort(a0);
    }

    @Override
    public String getString(String a0) throws SQLException {
        return cs().getString(a0);
    }

    @Override
    public String getString(int a0) throws SQLException {
        return cs().getString(a0);
    }

    @Override
    public java.sql.Time getTime(String a0, java.util.Calendar a1) throws SQLException {
        return cs().getTime(a0, a1);
    }

    @Override
    public java.sql.Time getTime(String a0) throws SQLException {
        return cs().getTime(a0);
    }

    @Override
    public java.sql.Time getTime(int a0, java.util.Calendar a1) throws SQLException {
        return cs().getTime(a0, a1);
    }

    @Override
    public java.sql.Time getTime(int a0) throws SQLException {
        return cs().getTime(a0);
    }

    @Override
    public java.sql.Timestamp getTimestamp(String a0, java.util.Calendar a1) throws SQLException {
        return cs().getTimestamp(a0, a1);
    }

    @Override
    public java.sql.Timestamp getTimestamp(String a0) throws SQLException {
        return cs().getTimestamp(a0);
    }

    @Override
    public java.sql.Timestamp getTimestamp(int a0, java.util.Calendar a1) throws SQLException {
        return cs().getTimestamp(a0, a1);
    }

    @Override
    public java.sql.Timestamp getTimestamp(int a0) throws SQLException {
        return cs().getTimestamp(a0);
    }

    @Override
    public java.net.URL getURL(String a0) throws SQLException {
        return cs().getURL(a0);
    }

    @Override
    public java.net.URL getURL(int a0) throws SQLException {
        return cs().getURL(a0);
    }

    @Override
    public void registerOutParameter(String a0, int a1, String a2) throws SQLException {
        if (record) {
            record(s -> ((CallableStatement) s).registerOutParameter(a0, a1, a2));
        }
        cs().registerOutParameter(a0, a1, a2);
    }

    @Override
    public void registerOutParameter(String a0, int a1, int a2) throws SQLException {
        if (record) {
            record(s -> ((CallableStatement) s).registerOutParameter(a0, a1, a2));
        }
        cs().registerOutParameter(a0, a1, a2);
    }

    @Override
    public void registerOutParameter(String a0, int a1) throws SQLException {
        if (record) {
            record(s -> ((CallableStatement) s).registerOutParameter(a0, a1));
        }
        cs().registerOutParameter(a0, a1);
    }

    @Override
    public void registerOutParameter(String a0, java.sql.SQLType a1, String a2) throws SQLException {
        if (record) {
            record(s -> ((CallableStatement) s).registerOutParameter(a0, a1, a2));
        }
        cs().registerOutParameter(a0, a1, a2);
    }

    @Override
    public void registerOutParameter(String a0, java.sql.SQLType a1, int a2) throws SQLException {
        if (record) {
            record(s -> ((CallableStatement) s).registerOutParameter(a0, a1, a2));
        }
        cs().registerOutParameter(a0, a1, a2);
    }

    @Override
    public void registerOutParameter(String a0, java.sql.SQLType a1) throws SQLException {
        if (record) {
            record(s -> ((CallableStatement) s).registerOutParameter(a0, a1));
        }
        cs().registerOutParameter(a0, a1);
    }

    @Override
    public void registerOutParameter(int a0, int a1, String a2) throws SQLException {
        if (record) {
            record(s -> ((CallableStatement) s).registerOutParameter(a0, a1, a2));
        }
        cs().registerOutParameter(a0, a1, a2);
    }

    @Override
    public void registerOutParameter(int a0, int a1, int a2) throws SQLException {
        if (record) {
            record(s -> ((CallableStatement) s).registerOutParameter(a0, a1, a2));
        }
        cs().registerOutParameter(a0, a1, a2);
    }

    @Override
    public void registerOutParameter(int a0, int a1) throws SQLException {
        if (record) {
            record(s -> ((CallableStatement) s).registerOutParameter(a0, a1));
        }
        cs().registerOutParameter(a0, a1);
    }

    @Override
    public void registerOutParameter(int a0, java.sql.SQLType a1, String a2) throws SQLException {
        if (record) {
            record(s -> ((CallableStatement) s).registerOutParameter(a0, a1, a2));
        }
        cs().registerOutParameter(a0, a1, a2);
    }

    @Override
    public void registerOutParameter(int a0, java.sql.SQLType a1, int a2) throws SQLException {
        if (record) {
            record(s -> ((CallableStatement) s).registerOutParameter(a0, a1, a2));
        }
        cs().registerOutParameter(a0, a1, a2);
    }

    @Override
    public void registerOutParameter(int a0, java.sql.SQLType a1) throws SQLException {
        if (record) {
            record(s -> ((CallableStatement) s).registerOutParameter(a0, a1));
        }
        cs().registerOutParameter(a0, a1);
    }

    @Override
    public void setAsciiStream(String a0, java.io.InputStream a1, int a2) throws SQLException {
        notReplayable(); // a stream is consumed by the first execution
        cs().setAsciiStream(a0, a1, a2);
    }

    @Override
    public void setAsciiStream(String a0, java.io.InputStream a1, long a2) throws SQLException {
        notReplayable(); // a stream is consumed by the first execution
        cs().setAsciiStream(a0, a1, a2);
    }

    @Override
    public void setAsciiStream(String a0, java.io.InputStream a1) throws SQLException {
        notReplayable(); // a stream is consumed by the first execution
        cs().setAsciiStream(a0, a1);
    }

    @Override
    public void setBigDecimal(String a0, java.math.BigDecimal a1) throws SQLException {
        if (record) {
            record(s -> ((CallableStatement) s).setBigDecimal(a0, a1));
        }
        cs().setBigDecimal(a0, a1);
    }

    @Override
    public void setBinaryStream(String a0, java.io.InputStream a1, int a2) throws SQLException {
        notReplayable(); // a stream is consumed by the first execution
        cs().setBinaryStream(a0, a1, a2);
    }

    @Override
    public void setBinaryStream(String a0, java.io.InputStream a1, long a2) throws SQLException {
        notReplayable(); // a stream is consumed by the first execution
        cs().setBinaryStream(a0, a1, a2);
    }

    @Override
    public void setBinaryStream(String a0, java.io.InputStream a1) throws SQLException {
        notReplayable(); // a stream is consumed by the first execution
        cs().setBinaryStream(a0, a1);
    }

    @Override
    public void setBlob(String a0, java.io.InputStream a1, long a2) throws SQLException {
        notReplayable(); // a stream is consumed by the first execution
        cs().setBlob(a0, a1, a2);
    }

    @Override
    public void setBlob(String a0, java.io.InputStream a1) throws SQLException {
        notReplayable(); // a stream is consumed by the first execution
        cs().setBlob(a0, a1);
    }

    @Override
    public void setBlob(String a0, java.sql.Blob a1) throws SQLException {
        notReplayable(); // a stream is consumed by the first execution
        cs().setBlob(a0, a1);
    }

    @Override
    public void setBoolean(String a0, boolean a1) throws SQLException {
        if (record) {
            record(s -> ((CallableStatement) s).setBoolean(a0, a1));
        }
        cs().setBoolean(a0, a1);
    }

    @Override
    public void setByte(String a0, byte a1) throws SQLException {
        if (record) {
            record(s -> ((CallableStatement) s).setByte(a0, a1));
        }
        cs().setByte(a0, a1);
    }

    @Override
    public void setBytes(String a0, byte[] a1) throws SQLException {
        if (record) {
            record(s -> ((CallableStatement) s).setBytes(a0, a1));
        }
        cs().setBytes(a0, a1);
    }

    @Override
    public void setCharacterStream(String a0, java.io.Reader a1, int a2) throws SQLException {
        notReplayable(); // a stream is consumed by the first execution
        cs().setCharacterStream(a0, a1, a2);
    }

    @Override
    public void setCharacterStream(String a0, java.io.Reader a1, long a2) throws SQLException {
        notReplayable(); // a stream is consumed by the first execution
        cs().setCharacterStream(a0, a1, a2);
    }

    @Override
    public void setCharacterStream(String a0, java.io.Reader a1) throws SQLException {
        notReplayable(); // a stream is consumed by the first execution
        cs().setCharacterStream(a0, a1);
    }

    @Override
    public void setClob(String a0, java.io.Reader a1, long a2) throws SQLException {
        notReplayable(); // a stream is consumed by the first execution
        cs().setClob(a0, a1, a2);
    }

    @Override
    public void setClob(String a0, java.io.Reader a1) throws SQLException {
        notReplayable(); // a stream is consumed by the first execution
        cs().setClob(a0, a1);
    }

    @Override
    public void setClob(String a0, java.sql.Clob a1) throws SQLException {
        notReplayable(); // a stream is consumed by the first execution
        cs().setClob(a0, a1);
    }

    @Override
    public void setDate(String a0, java.sql.Date a1, java.util.Calendar a2) throws SQLException {
        if (record) {
            record(s -> ((CallableStatement) s).setDate(a0, a1, a2));
        }
        cs().setDate(a0, a1, a2);
    }

    @Override
    public void setDate(String a0, java.sql.Date a1) throws SQLException {
        if (record) {
            record(s -> ((CallableStatement) s).setDate(a0, a1));
        }
        cs().setDate(a0, a1);
    }

    @Override
    public void setDouble(String a0, double a1) throws SQLException {
        if (record) {
            record(s -> ((CallableStatement) s).setDouble(a0, a1));
        }
        cs().setDouble(a0, a1);
    }

    @Override
    public void setFloat(String a0, float a1) throws SQLException {
        if (record) {
            record(s -> ((CallableStatement) s).setFloat(a0, a1));
        }
        cs().setFloat(a0, a1);
    }

    @Override
    public void setInt(String a0, int a1) throws SQLException {
        if (record) {
            record(s -> ((CallableStatement) s).setInt(a0, a1));
        }
        cs().setInt(a0, a1);
    }

    @Override
    public void setLong(String a0, long a1) throws SQLException {
        if (record) {
            record(s -> ((CallableStatement) s).setLong(a0, a1));
        }
        cs().setLong(a0, a1);
    }

    @Override
    public void setNCharacterStream(String a0, java.io.Reader a1, long a2) throws SQLException {
        notReplayable(); // a stream is consumed by the first execution
        cs().setNCharacterStream(a0, a1, a2);
    }

    @Override
    public void setNCharacterStream(String a0, java.io.Reader a1) throws SQLException {
        notReplayable(); // a stream is consumed by the first execution
        cs().setNCharacterStream(a0, a1);
    }

    @Override
    public void setNClob(String a0, java.io.Reader a1, long a2) throws SQLException {
        notReplayable(); // a stream is consumed by the first execution
        cs().setNClob(a0, a1, a2);
    }

    @Override
    public void setNClob(String a0, java.io.Reader a1) throws SQLException {
        notReplayable(); // a stream is consumed by the first execution
        cs().setNClob(a0, a1);
    }

    @Override
    public void setNClob(String a0, java.sql.NClob a1) throws SQLException {
        notReplayable(); // a stream is consumed by the first execution
        cs().setNClob(a0, a1);
    }

    @Override
    public void setNString(String a0, String a1) throws SQLException {
        if (record) {
            record(s -> ((CallableStatement) s).setNString(a0, a1));
        }
        cs().setNString(a0, a1);
    }

    @Override
    public void setNull(String a0, int a1, String a2) throws SQLException {
        if (record) {
            record(s -> ((CallableStatement) s).setNull(a0, a1, a2));
        }
        cs().setNull(a0, a1, a2);
    }

    @Override
    public void setNull(String a0, int a1) throws SQLException {
        if (record) {
            record(s -> ((CallableStatement) s).setNull(a0, a1));
        }
        cs().setNull(a0, a1);
    }

    @Override
    public void setObject(String a0, Object a1, int a2, int a3) throws SQLException {
        if (record) {
            record(s -> ((CallableStatement) s).setObject(a0, a1, a2, a3));
        }
        cs().setObject(a0, a1, a2, a3);
    }

    @Override
    public void setObject(String a0, Object a1, int a2) throws SQLException {
        if (record) {
            record(s -> ((CallableStatement) s).setObject(a0, a1, a2));
        }
        cs().setObject(a0, a1, a2);
    }

    @Override
    public void setObject(String a0, Object a1, java.sql.SQLType a2, int a3) throws SQLException {
        if (record) {
            record(s -> ((CallableStatement) s).setObject(a0, a1, a2, a3));
        }
        cs().setObject(a0, a1, a2, a3);
    }

    @Override
    public void setObject(String a0, Object a1, java.sql.SQLType a2) throws SQLException {
        if (record) {
            record(s -> ((CallableStatement) s).setObject(a0, a1, a2));
        }
        cs().setObject(a0, a1, a2);
    }

    @Override
    public void setObject(String a0, Object a1) throws SQLException {
        if (record) {
            record(s -> ((CallableStatement) s).setObject(a0, a1));
        }
        cs().setObject(a0, a1);
    }

    @Override
    public void setRowId(String a0, java.sql.RowId a1) throws SQLException {
        if (record) {
            record(s -> ((CallableStatement) s).setRowId(a0, a1));
        }
        cs().setRowId(a0, a1);
    }

    @Override
    public void setSQLXML(String a0, java.sql.SQLXML a1) throws SQLException {
        if (record) {
            record(s -> ((CallableStatement) s).setSQLXML(a0, a1));
        }
        cs().setSQLXML(a0, a1);
    }

    @Override
    public void setShort(String a0, short a1) throws SQLException {
        if (record) {
            record(s -> ((CallableStatement) s).setShort(a0, a1));
        }
        cs().setShort(a0, a1);
    }

    @Override
    public void setString(String a0, String a1) throws SQLException {
        if (record) {
            record(s -> ((CallableStatement) s).setString(a0, a1));
        }
        cs().setString(a0, a1);
    }

    @Override
    public void setTime(String a0, java.sql.Time a1, java.util.Calendar a2) throws SQLException {
        if (record) {
            record(s -> ((CallableStatement) s).setTime(a0, a1, a2));
        }
        cs().setTime(a0, a1, a2);
    }

    @Override
    public void setTime(String a0, java.sql.Time a1) throws SQLException {
        if (record) {
            record(s -> ((CallableStatement) s).setTime(a0, a1));
        }
        cs().setTime(a0, a1);
    }

    @Override
    public void setTimestamp(String a0, java.sql.Timestamp a1, java.util.Calendar a2) throws SQLException {
        if (record) {
            record(s -> ((CallableStatement) s).setTimestamp(a0, a1, a2));
        }
        cs().setTimestamp(a0, a1, a2);
    }

    @Override
    public void setTimestamp(String a0, java.sql.Timestamp a1) throws SQLException {
        if (record) {
            record(s -> ((CallableStatement) s).setTimestamp(a0, a1));
        }
        cs().setTimestamp(a0, a1);
    }

    @Override
    public void setURL(String a0, java.net.URL a1) throws SQLException {
        if (record) {
            record(s -> ((CallableStatement) s).setURL(a0, a1));
        }
        cs().setURL(a0, a1);
    }

    @Override
    public boolean wasNull() throws SQLException {
        return cs().wasNull();
    }

}
