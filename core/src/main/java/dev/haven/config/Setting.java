package dev.haven.config;

import dev.haven.Consistency;
import dev.haven.engine.ConfigRules;
import dev.haven.engine.Durations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One configuration key of a Haven store: its name (relative to the store's prefix, e.g. {@code retry.max-attempts}
 * under {@code haven.jdbc.}), its type, its default, its rules and what it means. The builders, the
 * {@code Properties}/{@code Map} parsing, the validation messages and the settings tables of the READMEs all come from
 * these objects, so a key is described exactly once. Immutable; the derivation methods return new settings.
 *
 * <pre>{@code
 * static final Setting<Duration> PROBE_TIMEOUT = Setting.duration("probe-timeout", Duration.ofMillis(500),
 *         "a server that does not answer a probe within this is down").atLeast(Duration.ofMillis(50));
 * }</pre>
 *
 * @param <T> the value type
 */
public final class Setting<T> {

    /**
     * A rule a value must satisfy; {@code text} completes "must …" ({@code "be >= 50ms"}, {@code "be in 1..10"},
     * {@code "match [a-z]+"}).
     */
    public record Rule<T>(String text, Predicate<? super T> test) {
        public Rule {
            Objects.requireNonNull(text, "text");
            Objects.requireNonNull(test, "test");
        }
    }

    private final String key;
    private final Class<T> type;
    private final T defaultValue;
    private final String defaultText;
    private final String description;
    private final BiFunction<String, String, T> parser;
    private final Function<T, String> formatter;
    private final List<Rule<T>> rules;
    private final List<String> formerNames;
    private final boolean secret;
    private final String deprecation;

    private Setting(String key, Class<T> type, T defaultValue, String defaultText, String description,
            BiFunction<String, String, T> parser, Function<T, String> formatter, List<Rule<T>> rules,
            List<String> formerNames, boolean secret, String deprecation) {
        if (!key.matches("[a-z][a-z0-9]*(-[a-z0-9]+)*(\\.[a-z][a-z0-9]*(-[a-z0-9]+)*)*")) {
            throw new IllegalArgumentException("a setting key is lower-case kebab-case, dot-separated: was '" + key + "'");
        }
        this.key = key;
        this.type = type;
        this.defaultValue = defaultValue;
        this.defaultText = defaultText;
        this.description = Objects.requireNonNull(description, "description");
        this.parser = parser;
        this.formatter = formatter;
        this.rules = List.copyOf(rules);
        this.formerNames = List.copyOf(formerNames);
        this.secret = secret;
        this.deprecation = deprecation;
    }

    private static <T> Setting<T> of(String key, Class<T> type, T def, String description,
            BiFunction<String, String, T> parser, Function<T, String> formatter) {
        return new Setting<>(key, type, def, null, description, parser, formatter, List.of(), List.of(), false, null);
    }

    /** A duration written {@code 500ms}, {@code 2s}, {@code 1m}, {@code 1h} or ISO-8601 {@code PT1S}; must be {@code > 0}. */
    public static Setting<Duration> duration(String key, Duration def, String description) {
        return of(key, Duration.class, def, description, Durations::parse, Durations::format)
                .rule("be > 0", d -> !d.isNegative() && !d.isZero());
    }

    /** A duration that may be zero ({@code >= 0}). */
    public static Setting<Duration> durationOrZero(String key, Duration def, String description) {
        return of(key, Duration.class, def, description, Durations::parse, Durations::format).rule("be >= 0", d -> !d.isNegative());
    }

    /** An {@code int}. */
    public static Setting<Integer> integer(String key, Integer def, String description) {
        return of(key, Integer.class, def, description, ConfigRules::parseInt, String::valueOf);
    }

    /** A {@code long}. */
    public static Setting<Long> longInteger(String key, Long def, String description) {
        return of(key, Long.class, def, description, ConfigRules::parseLong, String::valueOf);
    }

    /** A {@code double}; NaN and infinities are never valid. */
    public static Setting<Double> decimal(String key, Double def, String description) {
        return of(key, Double.class, def, description, ConfigRules::parseDouble, String::valueOf)
                .rule("be a finite number", Double::isFinite);
    }

    /** {@code true} or {@code false} (any case); anything else is a mistake, not {@code false}. */
    public static Setting<Boolean> flag(String key, Boolean def, String description) {
        return of(key, Boolean.class, def, description, ConfigRules::parseBoolean, String::valueOf);
    }

    /** Text, trimmed. */
    public static Setting<String> text(String key, String def, String description) {
        return of(key, String.class, def, description, (p, v) -> v.trim(), v -> v);
    }

    /** A consistency: {@code strong}, {@code session}, {@code eventual} or {@code bounded-staleness:<duration>}. */
    public static Setting<Consistency> consistency(String key, Consistency def, String description) {
        return of(key, Consistency.class, def, description, ConfigRules::parseConsistency, Setting::formatConsistency);
    }

    /** One of an enum's constants, written in lower-case kebab-case ({@code WRITER} is {@code writer}). */
    public static <E extends Enum<E>> Setting<E> choice(String key, Class<E> type, E def, String description) {
        return of(key, type, def, description, (p, v) -> {
            String n = v.trim().replace('-', '_').toUpperCase(Locale.ROOT);
            for (E e : type.getEnumConstants()) {
                if (e.name().equals(n)) {
                    return e;
                }
            }
            throw new IllegalArgumentException(p + " must be one of " + names(type) + ": was " + v);
        }, e -> e.name().toLowerCase(Locale.ROOT).replace('_', '-'));
    }

    /** A comma-separated list (blank entries dropped). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static Setting<List<String>> list(String key, String description) {
        return of(key, (Class<List<String>>) (Class) List.class, null, description,
                (p, v) -> Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList(),
                l -> String.join(",", l));
    }

    private static String formatConsistency(Consistency c) {
        return switch (c.level()) {
            case STRONG -> "strong";
            case SESSION -> "session";
            case EVENTUAL -> "eventual";
            case BOUNDED_STALENESS -> "bounded-staleness:" + Durations.format(c.maxStaleness());
        };
    }

    private static <E extends Enum<E>> List<String> names(Class<E> type) {
        return Arrays.stream(type.getEnumConstants()).map(e -> e.name().toLowerCase(Locale.ROOT).replace('_', '-')).toList();
    }

    private Setting<T> copy(T def, String defText, String desc, List<Rule<T>> rs, List<String> former, boolean sec, String dep) {
        return new Setting<>(key, type, def, defText, desc, parser, formatter, rs, former, sec, dep);
    }

    /** Adds a rule: a value failing it is rejected with {@code <property> must <text>: was <value>}. */
    public Setting<T> rule(String text, Predicate<? super T> test) {
        List<Rule<T>> rs = new ArrayList<>(rules);
        rs.add(new Rule<>(text, test));
        return copy(defaultValue, defaultText, description, rs, formerNames, secret, deprecation);
    }

    /** For numbers: {@code in min..max} (inclusive). */
    public Setting<T> range(Comparable<? super T> min, Comparable<? super T> max) {
        String text = type == Double.class ? "be in [" + num(min) + ", " + num(max) + "]" : "be in " + min + ".." + max;
        return rule(text, v -> min.compareTo(v) <= 0 && max.compareTo(v) >= 0);
    }

    private static String num(Object n) {
        String t = String.valueOf(n);
        return t.endsWith(".0") ? t.substring(0, t.length() - 2) : t;
    }

    /** For durations and numbers: {@code >= min}. */
    public Setting<T> atLeast(T min) {
        @SuppressWarnings("unchecked")
        Comparable<? super T> m = (Comparable<? super T>) min;
        return rule("be >= " + format(min), v -> m.compareTo(v) <= 0);
    }

    /** For durations and numbers: {@code <= max}. */
    public Setting<T> atMost(T max) {
        @SuppressWarnings("unchecked")
        Comparable<? super T> m = (Comparable<? super T>) max;
        return rule("be <= " + format(max), v -> m.compareTo(v) >= 0);
    }

    /** For text: matches the regular expression. */
    public Setting<T> matching(String regex) {
        return rule("match " + regex, v -> String.valueOf(v).matches(regex));
    }

    /** Another default (a store whose default differs from the common one). */
    public Setting<T> withDefault(T def) {
        return copy(def, null, description, rules, formerNames, secret, deprecation);
    }

    /** Another description. */
    public Setting<T> describedAs(String desc) {
        return copy(defaultValue, defaultText, desc, rules, formerNames, secret, deprecation);
    }

    /** How the default is shown in the docs when it is not a constant ({@code "the home region"}). */
    public Setting<T> defaultShownAs(String text) {
        return copy(defaultValue, text, description, rules, formerNames, secret, deprecation);
    }

    /**
     * A name this key had in an earlier release: still read from properties, with a warning naming the new key. The
     * value means the same under both names.
     */
    public Setting<T> formerly(String oldKey) {
        List<String> f = new ArrayList<>(formerNames);
        f.add(oldKey);
        return copy(defaultValue, defaultText, description, rules, f, secret, deprecation);
    }

    /** Never logged and never in a message, {@code toString} or a generated document. */
    public Setting<T> secret() {
        return copy(defaultValue, defaultText, description, rules, formerNames, true, deprecation);
    }

    /** Still accepted, with a warning that says what to use instead (e.g. {@code "default-consistency=bounded-staleness:<d>"}). */
    public Setting<T> deprecated(String instead) {
        return copy(defaultValue, defaultText, description, rules, formerNames, secret, Objects.requireNonNull(instead));
    }

    public String key() {
        return key;
    }

    public Class<T> type() {
        return type;
    }

    /** The value when none is given; {@code null}: none (required, or optional as the description says). */
    public T defaultValue() {
        return defaultValue;
    }

    public String description() {
        return description;
    }

    public List<Rule<T>> rules() {
        return rules;
    }

    /** Names this key had in earlier releases (still read, with a warning). */
    public List<String> formerNames() {
        return formerNames;
    }

    public boolean isSecret() {
        return secret;
    }

    /** What to use instead, or {@code null} when the key is current. */
    public String deprecation() {
        return deprecation;
    }

    /** The value as it is written in properties ({@code 500ms}, {@code writer}, {@code bounded-staleness:1s}). */
    public String format(T value) {
        if (value == null) {
            return "null";
        }
        return secret ? "***" : formatter.apply(value);
    }

    /** The default as the docs show it. */
    public String defaultText() {
        if (defaultText != null) {
            return defaultText;
        }
        return defaultValue == null ? "—" : format(defaultValue);
    }

    /** The rules as the docs show them, e.g. {@code > 0, >= 50ms}. */
    public String rulesText() {
        boolean hasLowerBound = rules.stream().anyMatch(r -> r.text().startsWith("be >= ") && !r.text().equals("be >= 0"));
        return String.join(", ", rules.stream()
                .filter(r -> !(hasLowerBound && r.text().equals("be > 0")) && !r.text().equals("be a finite number"))
                .map(r -> r.text().startsWith("be ") ? r.text().substring(3) : r.text()).toList());
    }

    /**
     * Parses a property value and checks the rules.
     *
     * @param property the full property name, for the message ({@code haven.jdbc.probe-timeout})
     * @throws IllegalArgumentException {@code <property> must be <rule>: was <value>}
     */
    public T parse(String property, String value) {
        if (value == null) {
            throw new IllegalArgumentException(property + " must have a value: was null");
        }
        T v;
        try {
            v = parser.apply(property, value);
        } catch (IllegalArgumentException e) {
            if (secret) {
                throw new IllegalArgumentException(property + " is malformed (value not shown: it is a secret)");
            }
            throw e;
        }
        return check(property, v);
    }

    /**
     * Checks a value against the rules.
     *
     * @throws IllegalArgumentException {@code <property> must be <rule>: was <value>}; a {@code null} is accepted (unset)
     */
    public T check(String property, T value) {
        if (value == null) {
            return null;
        }
        if (!type.isInstance(value)) {
            throw new IllegalArgumentException(property + " must be a " + type.getSimpleName() + ": was a "
                    + value.getClass().getSimpleName());
        }
        for (Rule<T> r : rules) {
            boolean ok;
            try {
                ok = r.test().test(value);
            } catch (RuntimeException e) {
                ok = false;
            }
            if (!ok) {
                throw new IllegalArgumentException(property + " must " + r.text() + ": was " + format(value));
            }
        }
        return value;
    }

    @Override
    public String toString() {
        return key;
    }
}
