package dev.haven.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Feeds every key of a store's spec random and boundary values through that store's real builder, and checks that bad
 * configuration fails the way users are promised: an {@link IllegalArgumentException} whose message names a key of the
 * store and a rule ({@code haven.jdbc.probe-timeout must be >= 50ms: was 10ms}), never another exception from deep
 * inside. For the tests of Haven's stores and of stores written on this settings model.
 *
 * <pre>{@code
 * SettingsFuzz.Result r = SettingsFuzz.run(JdbcKeys.SPEC, Map.of("haven.jdbc.url", "jdbc:postgresql://h:5432/db"),
 *         props -> HavenDataSource.builder().properties(props).settings(), 42, 20_000);
 * }</pre>
 */
public final class SettingsFuzz {

    private SettingsFuzz() {
    }

    /** Values that break parsers and rules: empty, signs, overflows, NaN, units, words, odd characters. */
    public static final List<String> SAMPLES = List.of("", " ", "-1", "0", "1", "2", "10", "100", "1000000", "2147483647",
            "2147483648", "-2147483649", "9223372036854775808", "-0.5", "0.5", "1.5", "NaN", "Infinity", "-Infinity", "1e309",
            "0ms", "-5ms", "1ms", "10ms", "50ms", "500ms", "1s", "2s", "30s", "99999999999h", "PT-1S", "PT0.001S", "P1D",
            "true", "FALSE", "yes", "strong", "session", "eventual", "bounded-staleness:", "bounded-staleness:0s",
            "bounded-staleness:2s", "writer", "fail", "a b", "x".repeat(300), "\u0000", "'; drop table", "127.0.0.1:6379",
            "host:99999", "us-east-1", "US_EAST", "jdbc:postgresql://h:5432/db", "redis-sentinel://h:26379#m", ",,,");

    /** What a run saw: how many configurations were accepted and rejected, and the problems (empty when all is well). */
    public record Result(int accepted, int rejected, List<String> problems) {
    }

    /**
     * {@code rounds} configurations: {@code base} plus one to three keys of {@code spec} set to random samples (seeded:
     * a failure repeats), each given to {@code build} (which should parse and validate, without I/O).
     */
    public static Result run(SettingsSpec spec, Map<String, String> base, Consumer<Map<String, String>> build, long seed,
            int rounds) {
        Random random = new Random(seed);
        List<Setting<?>> keys = spec.settings();
        int accepted = 0;
        int rejected = 0;
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            Map<String, String> props = new HashMap<>(base);
            int n = 1 + random.nextInt(3);
            for (int k = 0; k < n; k++) {
                Setting<?> s = keys.get(random.nextInt(keys.size()));
                props.put(spec.prefix() + s.key(), SAMPLES.get(random.nextInt(SAMPLES.size())));
            }
            try {
                build.accept(props);
                accepted++;
            } catch (IllegalArgumentException e) {
                rejected++;
                String m = e.getMessage();
                if (m == null || !m.startsWith(spec.prefix()) || !(m.contains(" must ") || m.contains(" is not ")
                        || m.contains(" is unknown") || m.contains(" needs ") || m.contains(" is required"))) {
                    problems.add(props + " -> " + e);
                }
            } catch (RuntimeException e) {
                problems.add(props + " -> " + e);
            }
            if (problems.size() >= 10) {
                break;
            }
        }
        return new Result(accepted, rejected, List.copyOf(problems));
    }
}
