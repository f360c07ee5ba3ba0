package dev.haven.spring.boot;

import dev.haven.config.Setting;
import dev.haven.config.Settings;
import dev.haven.config.SettingsSpec;
import java.util.List;
import org.springframework.core.env.Environment;

/**
 * The {@code haven.web.*} keys of the starter's web support: their names, defaults, rules and descriptions, read from
 * Spring's environment (relaxed names) and turned into Spring's configuration metadata from here alone.
 */
public final class HavenWebKeys {

    public static final Setting<Boolean> SESSION_ENABLED = Setting.flag("session.enabled", false,
            "carry a `HavenSession` between HTTP requests in a header: read it from each request (a new session when "
                    + "absent), make it the request's session (`HavenContext.session()`, attached to every connection of "
                    + "the auto-configured `HavenDataSource`) and write it back on the response; servlet applications only");
    public static final Setting<String> SESSION_HEADER = Setting.text("session.header", "X-Haven-Session",
            "the HTTP header that carries the session token, in requests and responses")
            .matching("[A-Za-z0-9-]{1,64}");

    public static final SettingsSpec SPEC = SettingsSpec.of("haven.web.", List.of(SESSION_ENABLED, SESSION_HEADER), List.of());

    private HavenWebKeys() {
    }

    /** The {@code haven.web.*} settings of {@code environment}; a refused one as {@link HavenPropertyException}. */
    static Settings read(Environment environment) {
        String prefix = SPEC.prefix();
        try {
            Settings.Builder b = SPEC.newBuilder();
            SPEC.read(HavenDataSourceProperties.canonical(environment, prefix, SPEC), b, null);
            return b.build();
        } catch (IllegalArgumentException e) {
            throw HavenDataSourceProperties.translate(e, prefix, prefix);
        }
    }
}
