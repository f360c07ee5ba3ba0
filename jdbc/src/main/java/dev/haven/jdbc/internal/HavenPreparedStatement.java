package dev.haven.jdbc.internal;

import java.sql.PreparedStatement;
import java.sql.SQLException;

/** {@link HavenStatement} for prepared statements; the delegation is generated from {@link PreparedStatement}. */
class HavenPreparedStatement extends HavenStatement implements PreparedStatement {

    HavenPreparedStatement(ConnectionHandler conn, byte kind, String sql, Object extra, PreparedStatement real) {
        super(conn, kind, sql, extra, real);
    }

    final PreparedStatement ps() {
        return (PreparedStatement) real;
    }

    @Override
    public void addBatch() throws SQLException {
        if (record) {
            record(s -> ((PreparedStatement) s).addBatch());
        }
        ps().addBatch();
    }

    @Override
    public void clearParameters() throws SQLException {
        if (record) {
            record(s -> ((PreparedStatement) s).clearParameters());
        }
        ps().clearParameters();
    }

    @Override
    public boolean execute() throws SQLException {
        return exec(s -> ((PreparedStatement) s).execute());
    }

    @Override
    public long executeLargeUpdate() throws SQLException {
        return exec(s -> ((PreparedStatement) s).executeLargeUpdate());
    }

    @Override
    public java.sql.ResultSet executeQuery() throws SQLException {
        return exec(s -> ((PreparedStatement) s).executeQuery());
    }

    @Override
    public int executeUpdate() throws SQLException {
        return exec(s -> ((PreparedStatement) s).executeUpdate());
    }

    @Override
    public java.sql.ResultSetMetaData getMetaData() throws SQLException {
        return ps().getMetaData();
    }

    @Override
    public java.sql.ParameterMetaData getParameterMetaData() throws SQLException {
        return ps().getParameterMetaData();
    }

    @Override
    public void setArray(int a0, java.sql.Array a1) throws SQLException {
        if (record) {
            record(s -> ((PreparedStatement) s).setArray(a0, a1));
        }
        ps().setArray(a0, a1);
    }

    @Override
    public void setAsciiStream(int a0, java.io.InputStream a1, int a2) throws SQLException {
        notReplayable(); // a stream is consumed by the first execution
        ps().setAsciiStream(a0, a1, a2);
    }

    @Override
    public void setAsciiStream(int a0, java.io.InputStream a1, long a2) throws SQLException {
        notReplayable(); // a stream is consumed by the first execution
        ps().setAsciiStream(a0, a1, a2);
    }

    @Override
    public void setAsciiStream(int a0, java.io.InputStream a1) throws SQLException {
        notReplayable(); // a stream is consumed by the first execution
        ps().setAsciiStream(a0, a1);
    }

    @Override
    public void setBigDecimal(int a0, java.math.BigDecimal a1) throws SQLException {
        if (record) {
            record(s -> ((PreparedStatement) s).setBigDecimal(a0, a1));
        }
        ps().setBigDecimal(a0, a1);
    }

    @Override
    public void setBinaryStream(int a0, java.io.InputStream a1, int a2) throws SQLException {
        notReplayable(); // a stream is consumed by the first execution
        ps().setBinaryStream(a0, a1, a2);
    }

    @Override
    public void setBinaryStream(int a0, java.io.InputStream a1, long a2) throws SQLException {
        notReplayable(); // a stream is consumed by the first execution
        ps().setBinaryStream(a0, a1, a2);
    }

    @Override
    public void setBinaryStream(int a0, java.io.InputStream a1) throws SQLException {
        notReplayable(); // a stream is consumed by the first execution
        ps().setBinaryStream(a0, a1);
    }

    @Override
    public void setBlob(int a0, java.io.InputStream a1, long a2) throws SQLException {
        notReplayable(); // a stream is consumed by the first execution
        ps().setBlob(a0, a1, a2);
    }

    @Override
    public void setBlob(int a0, java.io.InputStream a1) throws SQLException {
        notReplayable(); // a stream is consumed by the first execution
        ps().setBlob(a0, a1);
    }

    @Override
    public void setBlob(int a0, java.sql.Blob a1) throws SQLException {
        notReplayable(); // a stream is consumed by the first execution
        ps().setBlob(a0, a1);
    }

    @Override
    public void setBoolean(int a0, boolean a1) throws SQLException {
        if (record) {
            record(s -> ((PreparedStatement) s).setBoolean(a0, a1));
        }
        ps().setBoolean(a0, a1);
    }

    @Override
    public void setByte(int a0, byte a1) throws SQLException {
        if (record) {
            record(s -> ((PreparedStatement) s).setByte(a0, a1));
        }
        ps().setByte(a0, a1);
    }

    @Override
    public void setBytes(int a0, byte[] a1) throws SQLException {
        if (record) {
            record(s -> ((PreparedStatement) s).setBytes(a0, a1));
        }
        ps().setBytes(a0, a1);
    }

    @Override
    public void setCharacterStream(int a0, java.io.Reader a1, int a2) throws SQLException {
        notReplayable(); // a stream is consumed by the first execution
        ps().setCharacterStream(a0, a1, a2);
    }

    @Override
    public void setCharacterStream(int a0, java.io.Reader a1, long a2) throws SQLException {
        notReplayable(); // a stream is consumed by the first execution
        ps().setCharacterStream(a0, a1, a2);
    }

    @Override
    public void setCharacterStream(int a0, java.io.Reader a1) throws SQLException {
        notReplayable(); // a stream is consumed by the first execution
        ps().setCharacterStream(a0, a1);
    }

    @Override
    public void setClob(int a0, java.io.Reader a1, long a2) throws SQLException {
        notReplayable(); // a stream is consumed by the first execution
        ps().setClob(a0, a1, a2);
    }

    @Override
    public void setClob(int a0, java.io.Reader a1) throws SQLException {
        notReplayable(); // a stream is consumed by the first execution
        ps().setClob(a0, a1);
    }

    @Override
    public void setClob(int a0, java.sql.Clob a1) throws SQLException {
        notReplayable(); // a stream is consumed by the first execution
        ps().setClob(a0, a1);
    }

    @Override
    public void setDate(int a0, java.sql.Date a1, java.util.Calendar a2) throws SQLException {
        if (record) {
            record(s -> ((PreparedStatement) s).setDate(a0, a1, a2));
        }
        ps().setDate(a0, a1, a2);
    }

    @Override
    public void setDate(int a0, java.sql.Date a1) throws SQLException {
        if (record) {
            record(s -> ((PreparedStatement) s).setDate(a0, a1));
        }
        ps().setDate(a0, a1);
    }

    @Override
    public void setDouble(int a0, double a1) throws SQLException {
        if (record) {
            record(s -> ((PreparedStatement) s).setDouble(a0, a1));
        }
        ps().setDouble(a0, a1);
    }

    @Override
    public void setFloat(int a0, float a1) throws SQLException {
        if (record) {
            record(s -> ((PreparedStatement) s).setFloat(a0, a1));
        }
        ps().setFloat(a0, a1);
    }

    @Override
    public void setInt(int a0, int a1) throws SQLException {
        if (record) {
            record(s -> ((PreparedStatement) s).setInt(a0, a1));
        }
        ps().setInt(a0, a1);
    }

    @Override
    public void setLong(int a0, long a1) throws SQLException {
        if (record) {
            record(s -> ((PreparedStatement) s).setLong(a0, a1));
        }
        ps().setLong(a0, a1);
    }

    @Override
    public void setNCharacterStream(int a0, java.io.Reader a1, long a2) throws SQLException {
        notReplayable(); // a stream is consumed by the first execution
        ps().setNCharacterStream(a0, a1, a2);
    }

    @Override
    public void setNCharacterStream(int a0, java.io.Reader a1) throws SQLException {
        notReplayable(); // a stream is consumed by the first execution
        ps().setNCharacterStream(a0, a1);
    }

    @Override
    public void setNClob(int a0, java.io.Reader a1, long a2) throws SQLException {
        notReplayable(); // a stream is consumed by the first execution
        ps().setNClob(a0, a1, a2);
    }

    @Override
    public void setNClob(int a0, java.io.Reader a1) throws SQLException {
        notReplayable(); // a stream is consumed by the first execution
        ps().setNClob(a0, a1);
    }

    @Override
    public void setNClob(int a0, java.sql.NClob a1) throws SQLException {
        notReplayable(); // a stream is consumed by the first execution
        ps().setNClob(a0, a1);
    }

    @Override
    public void setNString(int a0, String a1) throws SQLException {
        if (record) {
            record(s -> ((PreparedStatement) s).setNString(a0, a1));
        }
        ps().setNString(a0, a1);
    }

    @Override
    public void setNull(int a0, int a1, String a2) throws SQLException {
        if (record) {
            record(s -> ((PreparedStatement) s).setNull(a0, a1, a2));
        }
        ps().setNull(a0, a1, a2);
    }

    @Override
    public void setNull(int a0, int a1) throws SQLException {
        if (record) {
            record(s -> ((PreparedStatement) s).setNull(a0, a1));
        }
        ps().setNull(a0, a1);
    }

    @Override
    public void setObject(int a0, Object a1, int a2, int a3) throws SQLException {
        if (record) {
            record(s -> ((PreparedStatement) s).setObject(a0, a1, a2, a3));
        }
        ps().setObject(a0, a1, a2, a3);
    }

    @Override
    public void setObject(int a0, Object a1, int a2) throws SQLException {
        if (record) {
            record(s -> ((PreparedStatement) s).setObject(a0, a1, a2));
        }
        ps().setObject(a0, a1, a2);
    }

    @Override
    public void setObject(int a0, Object a1, java.sql.SQLType a2, int a3) throws SQLException {
        if (record) {
            record(s -> ((PreparedStatement) s).setObject(a0, a1, a2, a3));
        }
        ps().setObject(a0, a1, a2, a3);
    }

    @Override
    public void setObject(int a0, Object a1, java.sql.SQLType a2) throws SQLException {
        if (record) {
            record(s -> ((PreparedStatement) s).setObject(a0, a1, a2));
        }
        ps().setObject(a0, a1, a2);
    }

    @Override
    public void setObject(int a0, Object a1) throws SQLException {
        if (record) {
            record(s -> ((PreparedStatement) s).setObject(a0, a1));
        }
        ps().setObject(a0, a1);
    }

    @Override
    public void setRef(int a0, java.sql.Ref a1) throws SQLException {
        if (record) {
            record(s -> ((PreparedStatement) s).setRef(a0, a1));
        }
        ps().setRef(a0, a1);
    }

    @Override
    public void setRowId(int a0, java.sql.RowId a1) throws SQLException {
        if (record) {
            record(s -> ((PreparedStatement) s).setRowId(a0, a1));
        }
        ps().setRowId(a0, a1);
    }

    @Override
    public void setSQLXML(int a0, java.sql.SQLXML a1) throws SQLException {
        if (record) {
            record(s -> ((PreparedStatement) s).setSQLXML(a0, a1));
        }
        ps().setSQLXML(a0, a1);
    }

    @Override
    public void setShort(int a0, short a1) throws SQLException {
        if (record) {
            record(s -> ((PreparedStatement) s).setShort(a0, a1));
        }
        ps().setShort(a0, a1);
    }

    @Override
    public void setString(int a0, String a1) throws SQLException {
        if (record) {
            record(s -> ((PreparedStatement) s).setString(a0, a1));
        }
        ps().setString(a0, a1);
    }

    @Override
    public void setTime(int a0, java.sql.Time a1, java.util.Calendar a2) throws SQLException {
        if (record) {
            record(s -> ((PreparedStatement) s).setTime(a0, a1, a2));
        }
        ps().setTime(a0, a1, a2);
    }

    @Override
    public void setTime(int a0, java.sql.Time a1) throws SQLException {
        if (record) {
            record(s -> ((PreparedStatement) s).setTime(a0, a1));
        }
        ps().setTime(a0, a1);
    }

    @Override
    public void setTimestamp(int a0, java.sql.Timestamp a1, java.util.Calendar a2) throws SQLException {
        if (record) {
            record(s -> ((PreparedStatement) s).setTimestamp(a0, a1, a2));
        }
        ps().setTimestamp(a0, a1, a2);
    }

    @Override
    public void setTimestamp(int a0, java.sql.Timestamp a1) throws SQLException {
        if (record) {
            record(s -> ((PreparedStatement) s).setTimestamp(a0, a1));
        }
        ps().setTimestamp(a0, a1);
    }

    @Override
    public void setURL(int a0, java.net.URL a1) throws SQLException {
        if (record) {
            record(s -> ((PreparedStatement) s).setURL(a0, a1));
        }
        ps().setURL(a0, a1);
    }

    @Deprecated
    @Override
    public void setUnicodeStream(int a0, java.io.InputStream a1, int a2) throws SQLException {
        notReplayable(); // a stream is consumed by the first execution
        ps().setUnicodeStream(a0, a1, a2);
    }

}
