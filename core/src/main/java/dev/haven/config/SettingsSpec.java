package dev.haven.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keys of one store under one prefix ({@code haven.jdbc.}, {@code haven.redis.}, {@code haven.dynamodb.}): the
 * {@link Setting}s and the families of open-ended keys ({@code pool.<hikari property>}). It reads
 * {@code Properties}/{@code Map}s with relaxed names and renders the settings table of the docs.
 *
 * <p>Relaxed names: a key is found whatever its case and separators, so {@code haven.jdbc.retry.max-attempts},
 * {@code haven.jdbc.retry.maxAttempts}, {@code haven.jdbc.retry_max_attempts} and the environment-variable form
 * {@code HAVEN_JDBC_RETRY_MAX_ATTEMPTS} all name one key. Names of earlier releases ({@link Setting#formerly}) are read
 * with a warning naming the current key (once per key per JVM). An unknown key under the prefix fails, naming the known
 * ones: a typo never silently falls back to a default.
 */
public final class SettingsSpec {

    private static final Logger LOG = LoggerFactory.getLogger(SettingsSpec.class);
    private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();

    /** Open-ended keys {@code <prefix><name>.<anything>}, handed to the store as they are. */
    public record Family(String name, String placeholder, String description) {
        public Family {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(placeholder, "placeholder");
            Objects.requireNonNull(description, "description");
        }
    }

    /** Receives a family key: the family, the rest of the key after {@code <family>.}, the value, the full key. */
    @FunctionalInterface
    public interface FamilyHandler {
        void accept(Family family, String rest, String value, String property);
    }

    private final String prefix;
    private final List<Setting<?>> settings;
    private final List<Family> families;
    private final Map<String, Setting<?>> bySquashed = new HashMap<>();
    /** {@link #resolve} by identity, filled on first use: the request path reads settings without allocating. */
    private final Map<Setting<?>, Setting<?>> resolved = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, Setting<?>> formerBySquashed = new HashMap<>();

    private SettingsSpec(String prefix, List<Setting<?>> settings, List<Family> families) {
        if (!prefix.matches("haven(\\.[a-z]+)+\\.")) {
            throw new IllegalArgumentException("a settings prefix is like haven.jdbc.: was '" + prefix + "'");
        }
        this.prefix = prefix;
        this.settings = List.copyOf(settings);
        this.families = List.copyOf(families);
        for (Setting<?> s : settings) {
            claim(bySquashed, squash(s.key()), s);
            for (String f : s.formerNames()) {
                claim(formerBySquashed, squash(f), s);
            }
        }
        for (String f : formerBySquashed.keySet()) {
            if (bySquashed.containsKey(f)) {
                throw new IllegalArgumentException(prefix + ": former name " + f + " is a current key");
            }
        }
    }

    private void claim(Map<String, Setting<?>> map, String squashed, Setting<?> s) {
        Setting<?> other = map.putIfAbsent(squashed, s);
        if (other != null) {
            throw new IllegalArgumentException(prefix + ": keys " + other.key() + " and " + s.key()
                    + " are the same name once case and separators are relaxed");
        }
    }

    /** A spec; {@code families} may be empty. */
    public static SettingsSpec of(String prefix, List<Setting<?>> settings, List<Family> families) {
        return new SettingsSpec(prefix, settings, families);
    }

    public String prefix() {
        return prefix;
    }

    public List<Setting<?>> settings() {
        return settings;
    }

    public List<Family> families() {
        return families;
    }

    /** An empty builder of this spec's settings. */
    public Settings.Builder newBuilder() {
        return new Settings.Builder(this);
    }

    /** The defaults. */
    public Settings defaults() {
        return newBuilder().build();
    }

    /** The setting a relaxed or former name (without the prefix) stands for. */
    public Optional<Setting<?>> find(String name) {
        String sq = squash(name);
        Setting<?> s = bySquashed.get(sq);
        return Optional.ofNullable(s != null ? s : formerBySquashed.get(sq));
    }

    /**
     * This spec's setting of the same key and type: the one given, or the store's own version of a common key
     * ({@link CommonKeys}), which may differ in default, description or former names.
     */
    @SuppressWarnings("unchecked")
    <T> Setting<T> resolve(Setting<T> s) {
        Setting<?> known = resolved.get(s); // Setting has identity equality
        if (known != null) {
            return (Setting<T>) known;
        }
        Setting<T> own = resolveSlowly(s);
        resolved.put(s, own);
        return own;
    }

    @SuppressWarnings("unchecked")
    private <T> Setting<T> resolveSlowly(Setting<T> s) {
        Setting<?> own = bySquashed.get(squash(s.key()));
        if (own == null || !own.key().equals(s.key()) || own.type() != s.type()) {
            throw new IllegalArgumentException(s.key() + " is not a " + prefix + "* setting");
        }
        return (Setting<T>) own;
    }

    /**
     * Reads the keys under this prefix from properties into a builder (other keys are left alone); family keys go
     * to {@code families}.
     *
     * @throws IllegalArgumentException an unknown key under the prefix, a family key without a handler, or a value that
     *         breaks its setting's rule (naming the property, the rule and the value)
     */
    public void read(Properties props, Settings.Builder into, FamilyHandler familyHandler) {
        Map<String, String> m = new TreeMap<>();
        for (String k : props.stringPropertyNames()) {
            m.put(k, props.getProperty(k));
        }
        read(m, into, familyHandler);
    }

    /** As {@link #read(Properties, Settings.Builder, FamilyHandler)}, from a map (values by {@code toString}). */
    public void read(Map<String, ?> props, Settings.Builder into, FamilyHandler familyHandler) {
        if (into.spec() != this) {
            throw new IllegalArgumentException("the builder is of " + into.spec().prefix + " settings, not " + prefix);
        }
        for (Map.Entry<String, ?> e : new TreeMap<>(props).entrySet()) {
            String key = e.getKey();
            String rest = underPrefix(key);
            if (rest == null) {
                continue;
            }
            String value = e.getValue() == null ? null : e.getValue().toString();
            Family family = familyOf(rest);
            if (family != null) {
                if (familyHandler == null) {
                    throw new IllegalArgumentException(key + " is not accepted here");
                }
                familyHandler.accept(family, rest.substring(rest.indexOf('.') + 1), value, key);
                continue;
            }
            String sq = squash(rest);
            Setting<?> s = bySquashed.get(sq);
            if (s == null) {
                s = formerBySquashed.get(sq);
                if (s != null) {
                    warnOnce(key, key + " is a former name: use " + prefix + s.key() + " (same meaning)");
                }
            }
            if (s == null) {
                throw new IllegalArgumentException(key + " is not a " + prefix + "* setting: known are "
                        + settings.stream().map(Setting::key).toList()
                        + (families.isEmpty() ? "" : " and " + families.stream().map(f -> f.name() + "." + f.placeholder()).toList()));
            }
            if (s.deprecation() != null) {
                warnOnce(prefix + s.key(), prefix + s.key() + " is deprecated: use " + prefix + s.deprecation());
            }
            into.parse(s, key, value);
        }
    }

    /** The part of a key after this prefix (relaxed), or {@code null} when the key is not under it. */
    private String underPrefix(String key) {
        String lower = key.toLowerCase(Locale.ROOT);
        if (lower.startsWith(prefix)) {
            return key.substring(prefix.length());
        }
        String envPrefix = prefix.replace('.', '_');
        if (lower.startsWith(envPrefix) && key.indexOf('.') < 0) {
            return key.substring(envPrefix.length());
        }
        return null;
    }

    private Family familyOf(String rest) {
        int dot = rest.indexOf('.');
        if (dot <= 0) {
            return null;
        }
        String head = squash(rest.substring(0, dot));
        for (Family f : families) {
            if (squash(f.name()).equals(head) && !bySquashed.containsKey(squash(rest))) {
                return f;
            }
        }
        return null;
    }

    static void warnOnce(String key, String message) {
        if (WARNED.add(key)) {
            LOG.warn(message);
        }
    }

    /** Lower case, separators ({@code - _ .}) removed: {@code retry.maxAttempts} and {@code RETRY_MAX_ATTEMPTS} agree. */
    static String squash(String name) {
        StringBuilder b = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c != '-' && c != '_' && c != '.') {
                b.append(Character.toLowerCase(c));
            }
        }
        return b.toString();
    }

    /**
     * The settings table of the docs (Markdown): key, default, rule, meaning, one row per key (deprecated ones last,
     * with what replaces them), then the families. The READMEs embed it between
     * {@code <!-- settings:<prefix> -->} and {@code <!-- /settings -->}, and a test keeps them equal.
     */
    public String markdown() {
        StringBuilder b = new StringBuilder();
        b.append("| key (`").append(prefix).append("…`) | default | rule | meaning |\n|---|---|---|---|\n");
        List<Setting<?>> current = new ArrayList<>();
        List<Setting<?>> old = new ArrayList<>();
        for (Setting<?> s : settings) {
            (s.deprecation() == null ? current : old).add(s);
        }
        for (Setting<?> s : current) {
            String key = "`" + s.key() + "`" + (s.formerNames().isEmpty() ? ""
                    : " (formerly " + String.join(", ", s.formerNames().stream().map(n -> "`" + n + "`").toList()) + ")");
            b.append("| ").append(key).append(" | ").append(cell(s.defaultText())).append(" | ")
                    .append(cell(s.rulesText())).append(" | ").append(s.description()).append(" |\n");
        }
        for (Family f : families) {
            b.append("| `").append(f.name()).append('.').append(f.placeholder()).append("` | — | | ").append(f.description()).append(" |\n");
        }
        for (Setting<?> s : old) {
            b.append("| `").append(s.key()).append("` (deprecated) | ").append(cell(s.defaultText()))
                    .append(" | | use `").append(s.deprecation()).append("` |\n");
        }
        return b.toString();
    }

    /**
     * {@code doc} with the table between {@code <!-- settings:<prefix> -->} and {@code <!-- /settings -->} replaced by
     * {@link #markdown()}: how the READMEs are regenerated, and what their tests compare them with.
     *
     * @throws IllegalArgumentException the markers are missing
     */
    public String withTableIn(String doc) {
        String open = "<!-- settings:" + prefix + " -->\n";
        String close = "<!-- /settings -->";
        int from = doc.indexOf(open);
        int to = from < 0 ? -1 : doc.indexOf(close, from);
        if (from < 0 || to < 0) {
            throw new IllegalArgumentException("the document has no '" + open.trim() + "' ... '" + close + "' section");
        }
        return doc.substring(0, from + open.length()) + markdown() + doc.substring(to);
    }

    /**
     * Checks that {@code doc}'s settings table is {@link #markdown()}; with {@code -Dhaven.regenerate=true} rewrites it
     * first. For the tests that keep the READMEs generated.
     *
     * @throws AssertionError naming the file and the command that regenerates it
     */
    public void assertTableIn(java.nio.file.Path doc) throws java.io.IOException {
        String text = java.nio.file.Files.readString(doc);
        String expected = withTableIn(text);
        if (Boolean.getBoolean("haven.regenerate") && !expected.equals(text)) {
            java.nio.file.Files.writeString(doc, expected);
            text = expected;
        }
        if (!expected.equals(text)) {
            throw new AssertionError(doc + ": the " + prefix + "* settings table is not the one the keys generate; "
                    + "regenerate it with -Dhaven.regenerate=true");
        }
    }

    private static String cell(String s) {
        if (s.isEmpty() || s.equals("—")) {
            return s;
        }
        return "`" + s.replace("|", "\\|") + "`";
    }

    /** Every key with its default, for tools: key to default text. */
    public Map<String, String> defaultsAsText() {
        Map<String, String> m = new LinkedHashMap<>();
        settings.forEach(s -> m.put(prefix + s.key(), s.defaultText()));
        return Collections.unmodifiableMap(m);
    }

    @Override
    public String toString() {
        return prefix + "*";
    }
}
