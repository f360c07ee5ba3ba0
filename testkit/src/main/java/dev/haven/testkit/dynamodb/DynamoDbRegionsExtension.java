package dev.haven.testkit.dynamodb;

import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.util.Optional;

import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestInstantiationAwareExtension;

import dev.haven.testkit.dynamodb.internal.Durations;

/**
 * Resolves {@link DynamoDbRegions} parameters for classes annotated with {@link HavenDynamoDb}.
 *
 * <p>The regions live in the {@link ExtensionContext.Store} of the class (perClass) or of the test method, as an
 * {@link AutoCloseable} that JUnit closes when that context ends, pass or fail. With per-method regions, constructor
 * injection is resolved in the test method's context (the constructor and the method see the same regions);
 * {@code @BeforeAll} injection needs {@code perClass = true}. Regions are started lazily: a test that asks for none
 * pays nothing. The annotation is validated when first used, with the builder's messages.
 */
public final class DynamoDbRegionsExtension implements ParameterResolver, TestInstantiationAwareExtension {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(DynamoDbRegionsExtension.class);
    private static final String KEY = "regions";

    @Override
    public ExtensionContextScope getTestInstantiationExtensionContextScope(ExtensionContext rootContext) {
        return ExtensionContextScope.TEST_METHOD;
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == DynamoDbRegions.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext context) {
        HavenDynamoDb config = findConfig(context)
                .orElseThrow(() -> new ExtensionConfigurationException("A DynamoDbRegions parameter needs @HavenDynamoDb on the test class "
                        + context.getRequiredTestClass().getName()));
        ExtensionContext owner;
        if (config.perClass()) {
            owner = classContext(context);
        } else {
            Executable declaring = parameterContext.getDeclaringExecutable();
            if (context.getTestMethod().isEmpty()) {
                throw new ParameterResolutionException("@HavenDynamoDb(perClass = false) gives each test method its own regions, so "
                        + declaring + " (run once per class) cannot receive them; use @HavenDynamoDb(perClass = true)"
                        + (declaring instanceof Constructor ? " or the default per-method test instance lifecycle" : ""));
            }
            owner = context;
        }
        return owner.getStore(NAMESPACE)
                .getOrComputeIfAbsent(KEY, k -> new RegionsResource(start(config)), RegionsResource.class)
                .regions;
    }

    static DynamoDbRegions.Builder builder(HavenDynamoDb config) {
        try {
            return DynamoDbRegions.builder()
                    .regions(config.regions())
                    .replicationDelay(Durations.parse(config.replicationDelay(), "replicationDelay"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("@HavenDynamoDb: " + e.getMessage(), e);
        }
    }

    private static DynamoDbRegions start(HavenDynamoDb config) {
        return builder(config).start();
    }

    private static Optional<HavenDynamoDb> findConfig(ExtensionContext context) {
        for (Optional<ExtensionContext> c = Optional.of(context); c.isPresent(); c = c.get().getParent()) {
            Optional<Class<?>> type = c.get().getTestClass();
            for (Class<?> t = type.orElse(null); t != null; t = t.getEnclosingClass()) {
                HavenDynamoDb a = t.getAnnotation(HavenDynamoDb.class);
                if (a != null) {
                    return Optional.of(a);
                }
            }
        }
        return Optional.empty();
    }

    private static ExtensionContext classContext(ExtensionContext context) {
        ExtensionContext c = context;
        while (c.getTestMethod().isPresent() && c.getParent().isPresent()) {
            c = c.getParent().get();
        }
        return c;
    }

    /** Closed by JUnit when its store is closed (AutoCloseable values are closed since JUnit 5.13). */
    @SuppressWarnings("deprecation")
    static final class RegionsResource implements AutoCloseable, ExtensionContext.Store.CloseableResource {
        final DynamoDbRegions regions;

        RegionsResource(DynamoDbRegions regions) {
            this.regions = regions;
        }

        @Override
        public void close() {
            regions.close();
        }
    }
}
