package dev.haven.testkit.internal;

import java.lang.annotation.Annotation;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.util.Optional;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestInstantiationAwareExtension;

/**
 * The JUnit 5 extension behind {@code @HavenPostgres}, {@code @HavenRedis} and {@code @HavenDynamoDb}: resolves
 * parameters of type {@code T} for classes carrying annotation {@code A}.
 *
 * <p>The topology lives in the {@link ExtensionContext.Store} of the class (perClass) or of the test method, as an
 * {@link AutoCloseable} that JUnit closes when that context ends, pass or fail. With per-method topologies,
 * constructor injection is resolved in the test method's context (so the constructor and the method see the same
 * one); {@code @BeforeAll} injection needs {@code perClass = true}. Topologies are started lazily: a test that asks
 * for none pays nothing.
 */
public abstract class TopologyExtension<T extends AutoCloseable, A extends Annotation>
        implements ParameterResolver, TestInstantiationAwareExtension {

    private final Class<T> type;
    private final Class<A> annotation;
    private final String noun;
    private final ExtensionContext.Namespace namespace;

    protected TopologyExtension(Class<T> type, Class<A> annotation, String noun) {
        this.type = type;
        this.annotation = annotation;
        this.noun = noun;
        this.namespace = ExtensionContext.Namespace.create(getClass());
    }

    /** Starts the topology the annotation describes. */
    protected abstract T start(A config);

    protected abstract boolean perClass(A config);

    @Override
    public ExtensionContextScope getTestInstantiationExtensionContextScope(ExtensionContext rootContext) {
        return ExtensionContextScope.TEST_METHOD;
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == type;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext context) {
        String at = "@" + annotation.getSimpleName();
        A config = findConfig(context).orElseThrow(() -> new ExtensionConfigurationException("A " + type.getSimpleName()
                + " parameter needs " + at + " on the test class " + context.getRequiredTestClass().getName()));
        ExtensionContext owner;
        if (perClass(config)) {
            owner = classContext(context);
        } else {
            Executable declaring = parameterContext.getDeclaringExecutable();
            if (context.getTestMethod().isEmpty()) {
                throw new ParameterResolutionException(at + "(perClass = false) gives each test method its own " + noun
                        + ", so " + declaring + " (run once per class) cannot receive it; use " + at + "(perClass = true)"
                        + (declaring instanceof Constructor ? " or the default per-method test instance lifecycle" : ""));
            }
            owner = context;
        }
        return type.cast(owner.getStore(namespace)
                .getOrComputeIfAbsent("topology", k -> new Resource(start(config)), Resource.class)
                .topology);
    }

    private Optional<A> findConfig(ExtensionContext context) {
        for (Optional<ExtensionContext> c = Optional.of(context); c.isPresent(); c = c.get().getParent()) {
            for (Class<?> t = c.get().getTestClass().orElse(null); t != null; t = t.getEnclosingClass()) {
                A a = t.getAnnotation(annotation);
                if (a != null) {
                    return Optional.of(a);
                }
            }
        }
        return Optional.empty();
    }

    /** The innermost class-level context. */
    private static ExtensionContext classContext(ExtensionContext context) {
        ExtensionContext c = context;
        while (c.getTestMethod().isPresent() && c.getParent().isPresent()) {
            c = c.getParent().get();
        }
        return c;
    }

    /** Closed by JUnit when its store is closed (AutoCloseable values are closed since JUnit 5.13). */
    @SuppressWarnings("deprecation")
    static final class Resource implements AutoCloseable, ExtensionContext.Store.CloseableResource {
        final AutoCloseable topology;

        Resource(AutoCloseable topology) {
            this.topology = topology;
        }

        @Override
        public void close() throws Exception {
            topology.close();
        }
    }
}
