package dev.haven.spring.boot;

import dev.haven.config.Setting;
import dev.haven.config.SettingsSpec;
import dev.haven.jdbc.JdbcKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Generates {@code META-INF/spring-configuration-metadata.json} (IDE completion of {@code haven.datasource.*}, with
 * descriptions, defaults, allowed values and deprecations) from {@link JdbcKeys#SPEC}, {@link HavenWebKeys#SPEC}, {@code RedisKeys.SPEC} and {@code DynamoDbKeys.SPEC}, so the
 * keys are described once.
 * {@link SpringMetadataTest} keeps the checked-in file equal to it ({@code -Dhaven.regenerate=true} rewrites it).
 */
final class SpringMetadata {

    private SpringMetadata() {
    }

    static String generate() {
        return generate(List.of(
                new Source(JdbcKeys.SPEC, HavenDataSourceProperties.PREFIX, "dev.haven.jdbc.HavenDataSource",
                        "Haven's routing DataSource (haven.jdbc.* keys under Spring's haven.datasource.* names)"),
                new Source(HavenWebKeys.SPEC, HavenWebKeys.SPEC.prefix(), HavenWebKeys.class.getName(),
                        "Haven's web support: a HavenSession carried between HTTP requests"),
                new Source(dev.haven.redis.RedisKeys.SPEC, dev.haven.redis.RedisKeys.SPEC.prefix(),
                        "dev.haven.redis.HavenRedisClient", "Haven's Redis client (haven-redis on the class path)"),
                new Source(dev.haven.dynamodb.DynamoDbKeys.SPEC, dev.haven.dynamodb.DynamoDbKeys.SPEC.prefix(),
                        "dev.haven.dynamodb.HavenDynamoDbClient", "Haven's DynamoDB client (haven-dynamodb on the class path)")));
    }

    /** One group of keys: Haven's {@code spec} under {@code springPrefix}. */
    record Source(SettingsSpec spec, String springPrefix, String sourceType, String groupDescription) {
    }

    static String generate(List<Source> sources) {
        List<String> groups = new ArrayList<>();
        List<String> properties = new ArrayList<>();
        List<String> hints = new ArrayList<>();
        for (Source src : sources) {
            String springPrefix = src.springPrefix();
            String sourceType = src.sourceType();
            String group = springPrefix.substring(0, springPrefix.length() - 1);
            groups.add("    {\"name\": " + json(group) + ", \"type\": " + json(sourceType) + ", \"sourceType\": "
                    + json(sourceType) + ", \"description\": " + json(src.groupDescription()) + "}");
            for (Setting<?> s : src.spec().settings()) {
                properties.add(property(springPrefix + s.key(), s, sourceType, s.deprecation() == null ? null
                        : springPrefix + s.deprecation().replaceFirst("=.*", "")));
                for (String former : s.formerNames()) {
                    properties.add(property(springPrefix + former, s, sourceType, springPrefix + s.key()));
                }
                if (s.type().isEnum()) {
                    List<String> values = new ArrayList<>();
                    for (Object c : s.type().getEnumConstants()) {
                        values.add("{\"value\": " + json(((Enum<?>) c).name().toLowerCase(Locale.ROOT).replace('_', '-')) + "}");
                    }
                    hints.add("    {\"name\": " + json(springPrefix + s.key()) + ", \"values\": [" + String.join(", ", values) + "]}");
                }
            }
            for (SettingsSpec.Family f : src.spec().families()) {
                properties.add("    {\"name\": " + json(springPrefix + f.name()) + ", \"type\": \"java.util.Map<java.lang.String,java.lang.String>\", "
                        + "\"sourceType\": " + json(sourceType) + ", \"description\": " + json(text(f.name() + "." + f.placeholder() + ": "
                        + f.description())) + "}");
            }
        }
        return "{\n  \"groups\": [\n" + String.join(",\n", groups) + "\n  ],\n  \"properties\": [\n"
                + String.join(",\n", properties) + "\n  ],\n  \"hints\": [\n" + String.join(",\n", hints) + "\n  ]\n}\n";
    }

    private static String property(String name, Setting<?> s, String sourceType, String replacement) {
        StringBuilder b = new StringBuilder("    {\"name\": ").append(json(name));
        b.append(", \"type\": ").append(json(type(s)));
        b.append(", \"sourceType\": ").append(json(sourceType));
        String rules = s.rulesText();
        b.append(", \"description\": ").append(json(text(s.description() + (rules.isEmpty() ? "" : " (rule: " + rules + ")"))));
        Object def = s.defaultValue();
        if (def != null && !s.isSecret() && !format(s).isEmpty()) {
            b.append(", \"defaultValue\": ").append(def instanceof Number || def instanceof Boolean ? def.toString() : json(format(s)));
        }
        if (replacement != null) {
            b.append(", \"deprecation\": {\"level\": \"warning\", \"replacement\": ").append(json(replacement)).append('}');
        }
        return b.append('}').toString();
    }

    @SuppressWarnings("unchecked")
    private static <T> String format(Setting<T> s) {
        return s.format(s.defaultValue());
    }

    private static String type(Setting<?> s) {
        Class<?> t = s.type();
        if (t == Duration.class || t == Integer.class || t == Long.class || t == Double.class || t == Boolean.class) {
            return t.getName();
        }
        if (t == List.class) {
            return "java.util.List<java.lang.String>";
        }
        return "java.lang.String"; // text, and values Haven parses itself (choices, consistency)
    }

    private static String text(String markdown) {
        return markdown.replace("`", "");
    }

    static String json(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
