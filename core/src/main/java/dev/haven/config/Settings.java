package dev.haven.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Immutable values of one store's settings ({@link SettingsSpec}): what was given, and the defaults for the rest.
 * Every value held has passed its setting's rules. {@link #toBuilder()} starts a new set from this one, as Lettuce's
 * {@code ClientOptions.mutate()} does.
 *
 * <pre>{@code
 * Settings s = JdbcKeys.SPEC.newBuilder().set(JdbcKeys.DEADLINE, Duration.ofSeconds(5)).build();
 * Duration deadline = s.get(JdbcKeys.DEADLINE);           // 5s
 * Duration probe = s.get(JdbcKeys.PROBE_TIMEOUT);         // 500ms, the default
 * Settings tighter = s.toBuilder().set(JdbcKeys.PROBE_TIMEOUT, Duration.ofMillis(300)).build();
 * }</pre>
 */
public final class Settings {

    private final SettingsSpec spec;
    private final Map<Setting<?>, Object> given;

    private Settings(SettingsSpec spec, Map<Setting<?>, Object> given) {
        this.spec = spec;
        this.given = Collections.unmodifiableMap(new LinkedHashMap<>(given));
    }

    public SettingsSpec spec() {
        return spec;
    }

    /** The value given, or the setting's default ({@code null} when it has none and none was given). */
    public <T> T get(Setting<T> setting) {
        Setting<T> own = spec.resolve(setting);
        Object v = given.get(own);
        return v != null ? own.type().cast(v) : own.defaultValue();
    }

    /** Whether a value was given (rather than defaulted). */
    public boolean isGiven(Setting<?> setting) {
        return given.containsKey(spec.resolve(setting));
    }

    /** A builder holding these values. */
    public Builder toBuilder() {
        Builder b = new Builder(spec);
        b.values.putAll(given);
        return b;
    }

    /** The values given, secrets as {@code ***}. */
    @Override
    public String toString() {
        StringJoiner j = new StringJoiner(", ", spec.prefix() + "{", "}");
        given.forEach((s, v) -> j.add(s.key() + "=" + format(s, v)));
        return j.toString();
    }

    @SuppressWarnings("unchecked")
    private static <T> String format(Setting<T> s, Object v) {
        return s.format((T) v);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Settings other && other.spec == spec && other.given.equals(given);
    }

    @Override
    public int hashCode() {
        return given.hashCode();
    }

    /** Collects values; each is checked against its setting's rules when it is set. Not thread-safe. */
    public static final class Builder {

        private final SettingsSpec spec;
        private final Map<Setting<?>, Object> values = new LinkedHashMap<>();

        Builder(SettingsSpec spec) {
            this.spec = spec;
        }

        SettingsSpec spec() {
            return spec;
        }

        /**
         * Sets a value ({@code null} removes it, back to the default).
         *
         * @throws IllegalArgumentException the value breaks the setting's rule (naming property, rule and value)
         */
        public <T> Builder set(Setting<T> given, T value) {
            Setting<T> setting = spec.resolve(given);
            if (setting.deprecation() != null && value != null) {
                SettingsSpec.warnOnce(spec.prefix() + setting.key(),
                        spec.prefix() + setting.key() + " is deprecated: use " + spec.prefix() + setting.deprecation());
            }
            if (value == null) {
                values.remove(setting);
            } else {
                values.put(setting, setting.check(spec.prefix() + setting.key(), value));
            }
            return this;
        }

        /** Every value given in {@code other} (of the same spec) replaces this builder's. */
        public Builder setAll(Settings other) {
            if (other.spec() != spec) {
                throw new IllegalArgumentException(other.spec().prefix() + "* settings given where " + spec.prefix() + "* are expected");
            }
            values.putAll(other.given);
            return this;
        }

        <T> void parse(Setting<T> setting, String property, String value) {
            values.put(setting, setting.parse(property, value));
        }

        /** The value set, or the default. */
        public <T> T get(Setting<T> given) {
            Setting<T> setting = spec.resolve(given);
            Object v = values.get(setting);
            return v != null ? setting.type().cast(v) : setting.defaultValue();
        }

        public boolean isGiven(Setting<?> setting) {
            return values.containsKey(spec.resolve(setting));
        }

        public Settings build() {
            return new Settings(spec, values);
        }
    }

    /**
     * The value given or the default, which must exist.
     *
     * @throws IllegalArgumentException {@code <property> must be given: was missing}
     */
    public <T> T require(Setting<T> setting) {
        T v = get(setting);
        if (v == null) {
            throw new IllegalArgumentException(spec.prefix() + setting.key() + " must be given: was missing");
        }
        return v;
    }
}
