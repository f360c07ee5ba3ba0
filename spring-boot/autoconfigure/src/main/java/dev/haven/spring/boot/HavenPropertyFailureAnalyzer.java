package dev.haven.spring.boot;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a refused {@code haven.*} property into Spring Boot's start-up failure report: the property, the rule, the
 * value, and what to do. Registered in {@code META-INF/spring.factories}.
 */
public final class HavenPropertyFailureAnalyzer extends AbstractFailureAnalyzer<HavenPropertyException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, HavenPropertyException cause) {
        StringBuilder d = new StringBuilder("Haven refused a property of the application's configuration:\n\n");
        d.append("    Property: ").append(cause.property()).append('\n');
        if (cause.rule() != null) {
            d.append("    Value: ").append(cause.value()).append('\n');
            d.append("    Rule: ").append(cause.rule()).append('\n');
        } else {
            d.append("    Reason: ").append(cause.getMessage()).append('\n');
        }
        String action = cause.rule() != null
                ? "Give " + cause.property() + " a value that satisfies the rule (it " + cause.rule() + "), where the "
                        + "application sets it: application.properties/yaml, an environment variable or a command-line argument."
                : "Fix or remove " + cause.property() + ": the haven.datasource.* keys are the haven.jdbc.* keys of "
                        + "Haven's settings table (README), with Spring's relaxed names.";
        return new FailureAnalysis(d.toString(), action, cause);
    }
}
