package dev.haven.testkit;

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
 * Resolves {@link PostgresCluster} parameters for classes annotated with {@link HavenPostgres}.
 *
 * <p>The cluster lives in the {@link ExtensionContext.Store} of the class (perClass) or of the test method, as an
 * {@link AutoCloseable} that JUnit closes when that context ends, pass or fail. With per-method clusters,
 * constructor injection is resolved in the test method's context (so the constructor and the method see the same
 * cluster); {@code @BeforeAll} injection needs {@code perClass = true}. Clusters are started lazily: a test that
 * asks for none pays nothing.
 */
public final class PostgresClusterExtension implements ParameterResolver, TestInstantiationAwareExtension {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(PostgresClusterExtension.class);
    private static final String KEY = "cluster";

    @Override
    public ExtensionContextScope getTestInstantiationExtensionContextScope(ExtensionContext rootContext) {
        return ExtensionContextScope.TEST_METHOD;
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == PostgresCluster.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext context) {
        HavenPostgres config = findConfig(context)
                .orElseThrow(() -> new ExtensionConfigurationException("A PostgresCluster parameter needs @HavenPostgres on the test class "
                        + context.getRequiredTestClass().getName()));
        ExtensionContext owner;
        if (config.perClass()) {
            owner = classContext(context);
        } else {
            Executable declaring = parameterContext.getDeclaringExecutable();
            if (context.getTestMethod().isEmpty()) {
                throw new ParameterResolutionException("@HavenPostgres(perClass = false) gives each test method its own cluster, so "
                        + declaring + " (run once per class) cannot receive one; use @HavenPostgres(perClass = true)"
                        + (declaring instanceof Constructor ? " or the default per-method test instance lifecycle" : ""));
            }
            owner = context;
        }
        return owner.getStore(NAMESPACE)
                .getOrComputeIfAbsent(KEY, k -> new ClusterResource(start(config)), ClusterResource.class)
                .cluster;
    }

    private static PostgresCluster start(HavenPostgres config) {
        return PostgresCluster.builder()
                .replicas(config.replicas())
                .synchronousStandbys(config.synchronousStandbys())
                .start();
    }

    private static Optional<HavenPostgres> findConfig(ExtensionContext context) {
        for (Optional<ExtensionContext> c = Optional.of(context); c.isPresent(); c = c.get().getParent()) {
            Optional<Class<?>> type = c.get().getTestClass();
            for (Class<?> t = type.orElse(null); t != null; t = t.getEnclosingClass()) {
                HavenPostgres a = t.getAnnotation(HavenPostgres.class);
                if (a != null) {
                    return Optional.of(a);
                }
            }
        }
        return Optional.empty();
    }

    /** The context of the class carrying the annotation's test class (the innermost class-level context). */
    private static ExtensionContext classContext(ExtensionContext context) {
        ExtensionContext c = context;
        while (c.getTestMethod().isPresent() && c.getParent().isPresent()) {
            c = c.getParent().get();
        }
        return c;
    }

    /** Closed by JUnit when its store is closed (AutoCloseable values are closed since JUnit 5.13). */
    @SuppressWarnings("deprecation")
    static final class ClusterResource implements AutoCloseable, ExtensionContext.Store.CloseableResource {
        final PostgresCluster cluster;

        ClusterResource(PostgresCluster cluster) {
            this.cluster = cluster;
        }

        @Override
        public void close() {
            cluster.close();
        }
    }
}
