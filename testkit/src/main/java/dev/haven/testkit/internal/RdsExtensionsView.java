package dev.haven.testkit.internal;

/**
 * RDS's {@code rds.extensions} setting as clients read it: the extensions an RDS or Aurora PostgreSQL server offers,
 * which is how the AWS Advanced JDBC Wrapper tells them apart ({@code aurora_stat_utils}: Aurora; {@code rds_tools}
 * without it: RDS). The testkit passes the value as a custom setting; this makes it visible in {@code pg_settings}.
 */
public final class RdsExtensionsView {

    public static final String SETTING = "rds.extensions";

    private RdsExtensionsView() {
    }

    /**
     * A setting no loaded module defines is a placeholder, which {@code pg_settings} hides; RDS's {@code rds.extensions}
     * is a real one, and clients detect the flavour by reading it there. So the view shows it too (one row, only while
     * {@code pg_show_all_settings()} has none). Replacing a system view needs {@code allow_system_table_mods}. Run as
     * superuser in every database clients use; idempotent.
     */
    public static final String INSTALL = String.join("\n",
            "SET allow_system_table_mods = on;",
            "CREATE OR REPLACE VIEW pg_catalog.pg_settings AS",
            "  SELECT a.name, a.setting, a.unit, a.category, a.short_desc, a.extra_desc, a.context, a.vartype, a.source,",
            "    a.min_val, a.max_val, a.enumvals, a.boot_val, a.reset_val, a.sourcefile, a.sourceline, a.pending_restart",
            "  FROM pg_catalog.pg_show_all_settings() a",
            "  UNION ALL",
            "  SELECT '" + SETTING + "'::text, pg_catalog.current_setting('" + SETTING + "', true),",
            "    NULL::text, 'Customized Options'::text, 'Extensions available (RDS / Aurora PostgreSQL emulation).'::text,",
            "    NULL::text, 'sighup'::text, 'string'::text, 'configuration file'::text, NULL::text, NULL::text,",
            "    NULL::text[], ''::text, pg_catalog.current_setting('" + SETTING + "', true), NULL::text,",
            "    NULL::integer, false",
            "  WHERE pg_catalog.current_setting('" + SETTING + "', true) IS NOT NULL",
            "    AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_show_all_settings() b WHERE b.name = '" + SETTING + "');",
            "RESET allow_system_table_mods;");
}
