package dev.haven.spring.boot;

/**
 * A {@code haven.*} property of the Spring environment that Haven refuses: the application does not start, and
 * Spring Boot's failure report names the property, the rule and the value ({@link HavenPropertyFailureAnalyzer}).
 * Secret values (passwords, URLs) are never in the message.
 *
 * <pre>{@code
 * haven.datasource.lag-bound=-1s   ->   haven.datasource.lag-bound must be > 0: was -1s
 * }</pre>
 */
public final class HavenPropertyException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String property;
    private final String rule;
    private final String value;

    HavenPropertyException(String message, String property, String rule, String value, Throwable cause) {
        super(message, cause);
        this.property = property;
        this.rule = rule;
        this.value = value;
    }

    /** The property as the application names it, e.g. {@code haven.datasource.lag-bound}. */
    public String property() {
        return property;
    }

    /** The rule it breaks, e.g. {@code must be > 0}; {@code null} when the message says it all (an unknown key). */
    public String rule() {
        return rule;
    }

    /** The value as Haven shows it ({@code ***} for a secret); {@code null} with {@link #rule()}. */
    public String value() {
        return value;
    }
}
