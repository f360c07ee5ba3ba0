package dev.haven.spring.boot;

import com.zaxxer.hikari.HikariConfig;
import dev.haven.config.Setting;
import dev.haven.jdbc.JdbcKeys;
import java.lang.reflect.Method;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * Reads {@code haven.datasource.*} from Spring's {@link Environment} into the {@code haven.jdbc.*} properties that
 * {@code HavenDataSource.builder().properties(...)} takes: Haven's own key specs ({@link JdbcKeys}) validate them and
 * give the defaults, so nothing is written twice.
 *
 * <p>Names: {@code haven.datasource.<key>} is {@code haven.jdbc.<key>}, for every key of the {@code haven.jdbc.*}
 * table, with Spring Boot's relaxed names ({@code haven.datasource.retry.max-attempts},
 * {@code haven.datasource.retry.maxAttempts}, {@code HAVEN_DATASOURCE_RETRY_MAXATTEMPTS}). HikariCP properties go under
 * {@code haven.datasource.pool.<name>}, in HikariCP's camelCase or kebab-case ({@code pool.maximum-pool-size} is
 * {@code maximumPoolSize}); driver properties under {@code haven.datasource.pool.data-source.<name>} (passed as they
 * are written). A value that breaks a rule fails with {@link HavenPropertyException} naming the
 * {@code haven.datasource.*} property, the rule and the value.
 */
final class HavenDataSourceProperties {

    /** The Spring prefix. */
    static final String PREFIX = "haven.datasource.";

    private static final Pattern RULE_MESSAGE = Pattern.compile("(haven\\.\\S+) (must .*?|is .*?): was (.*)", Pattern.DOTALL);

    private HavenDataSourceProperties() {
    }

    /** The {@code haven.jdbc.*} map for {@code properties(...)}. */
    static Map<String, String> read(Environment environment) {
        Map<String, String> bound = Binder.get(environment)
                .bind(PREFIX.substring(0, PREFIX.length() - 1), Bindable.mapOf(String.class, String.class))
                .orElseGet(Map::of);
        return toHavenKeys(bound);
    }

    /**
     * The {@code spring.datasource.*} properties the environment sets (names only, sorted; never values): once the
     * application's data source is Haven's, Spring Boot's own data source properties configure nothing, and an
     * application that sets both is told so at start-up.
     */
    static java.util.List<String> ignoredSpringDataSourceProperties(Environment environment) {
        Map<String, String> bound = Binder.get(environment)
                .bind("spring.datasource", Bindable.mapOf(String.class, String.class)).orElseGet(Map::of);
        return bound.keySet().stream().map(k -> "spring.datasource." + k).sorted().toList();
    }

    /** Maps relaxed {@code haven.datasource} names (without the prefix) to canonical {@code haven.jdbc.*} keys. */
    static Map<String, String> toHavenKeys(Map<String, String> bound) {
        String jdbc = JdbcKeys.SPEC.prefix();
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : bound.entrySet()) {
            String name = e.getKey();
            Optional<Setting<?>> setting = JdbcKeys.SPEC.find(name);
            if (setting.isPresent()) {
                // the current key even for a former name: Haven's warning then names what to use instead
                out.put(jdbc + (setting.get().formerNames().stream().anyMatch(f -> squash(f).equals(squash(name)))
                        ? name : setting.get().key()), e.getValue());
            } else if (squash(head(name)).equals("pool")) {
                out.put(jdbc + "pool." + hikariName(name.substring(name.indexOf('.') + 1)), e.getValue());
            } else {
                out.put(jdbc + name, e.getValue()); // endpoint.<host:port>.region, or a mistake Haven names
            }
        }
        return out;
    }

    /**
     * A Haven message about {@code haven.jdbc.<key>} as the Spring application wrote it: {@code haven.datasource.<key>}.
     */
    static HavenPropertyException translate(IllegalArgumentException e) {
        return translate(e, JdbcKeys.SPEC.prefix(), PREFIX);
    }

    /**
     * A Haven message about {@code <havenPrefix><key>} as the application wrote it, {@code <springPrefix><key>}
     * (the same prefix for stores whose Spring properties are Haven's own, {@code haven.redis.}).
     */
    static HavenPropertyException translate(IllegalArgumentException e, String havenPrefix, String springPrefix) {
        String message = String.valueOf(e.getMessage()).replace(havenPrefix, springPrefix);
        Matcher m = RULE_MESSAGE.matcher(message);
        if (m.matches() && m.group(1).startsWith(springPrefix)) {
            return new HavenPropertyException(message, m.group(1), m.group(2), m.group(3), e);
        }
        Matcher p = Pattern.compile("(" + Pattern.quote(springPrefix) + "[^\\s:,]+)").matcher(message);
        return new HavenPropertyException(message, p.find() ? p.group(1) : springPrefix + "*", null, null, e);
    }

    /**
     * Spring's relaxed names under {@code springPrefix} (bound without it) to {@code spec}'s canonical keys; family keys
     * and unknown ones keep their name, for Haven to handle or name in its message.
     */
    static Map<String, String> canonical(Environment environment, String springPrefix, dev.haven.config.SettingsSpec spec) {
        Map<String, String> bound = Binder.get(environment)
                .bind(springPrefix.substring(0, springPrefix.length() - 1), Bindable.mapOf(String.class, String.class))
                .orElseGet(Map::of);
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : bound.entrySet()) {
            Optional<Setting<?>> setting = spec.find(e.getKey());
            boolean former = setting.isPresent()
                    && setting.get().formerNames().stream().anyMatch(f -> squash(f).equals(squash(e.getKey())));
            out.put(spec.prefix() + (setting.isPresent() && !former ? setting.get().key() : e.getKey()), e.getValue());
        }
        return out;
    }

    private static String head(String name) {
        int dot = name.indexOf('.');
        return dot < 0 ? name : name.substring(0, dot);
    }

    private static final Map<String, String> HIKARI = hikariProperties();

    private static Map<String, String> hikariProperties() {
        Map<String, String> m = new HashMap<>();
        for (Method method : HikariConfig.class.getMethods()) {
            if (method.getName().startsWith("set") && method.getParameterCount() == 1 && method.getName().length() > 3) {
                String prop = Character.toLowerCase(method.getName().charAt(3)) + method.getName().substring(4);
                m.put(squash(prop), prop);
            }
        }
        return m;
    }

    /** {@code maximum-pool-size}, {@code maximumpoolsize} and {@code maximumPoolSize} are HikariCP's {@code maximumPoolSize}. */
    static String hikariName(String name) {
        String head = head(name);
        if (name.length() > head.length() && squash(head).equals("datasource")) {
            return "dataSource." + name.substring(head.length() + 1); // a driver property, as written
        }
        String known = HIKARI.get(squash(name));
        return known != null ? known : name; // HikariCP names an unknown one
    }

    private static String squash(String name) {
        StringBuilder b = new StringBuilder(name.length());
        for (char c : name.toCharArray()) {
            if (c != '-' && c != '_' && c != '.') {
                b.append(Character.toLowerCase(c));
            }
        }
        return b.toString().toLowerCase(Locale.ROOT);
    }
}
