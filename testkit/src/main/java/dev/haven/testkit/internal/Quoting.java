package dev.haven.testkit.internal;

/** Quoting for the small languages we generate: libpq conninfo, postgresql.conf values, PostgreSQL and MariaDB SQL. */
public final class Quoting {

    private Quoting() {
    }

    /** A libpq connection-string value: single quotes, backslash escapes quote and backslash. */
    public static String conninfoValue(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    /** A string value in postgresql.conf: backslashes are escapes there, quotes are doubled. */
    public static String confString(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'";
    }

    /** An SQL string literal (standard_conforming_strings = on, the default since 9.1). */
    public static String sqlLiteral(String value) {
        return "'" + value.replace("'", "''") + "'";
    }

    /** An SQL identifier. */
    public static String sqlIdentifier(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    /** A MariaDB/MySQL string literal: backslash is an escape there (unless NO_BACKSLASH_ESCAPES), quotes are doubled. */
    public static String mariaDbLiteral(String value) {
        return confString(value);
    }
}
