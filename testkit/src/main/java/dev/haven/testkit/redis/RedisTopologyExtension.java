package dev.haven.testkit.redis;

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
 * Resolves {@link RedisTopology} parameters for classes annotated with {@link HavenRedis}, exactly as
 * {@code PostgresClusterExtension} does for PostgreSQL: the topology lives in the {@link ExtensionContext.Store} of the
 * class (perClass) or of the test method, as a resource JUnit closes when that context ends, pass or fail; it is
 * started lazily, on the first parameter that asks for it.
 */
public final class RedisTopologyExtension implements ParameterResolver, TestInstantiationAwareExtension {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(RedisTopologyExtension.class);
    private static final String KEY = "topology";

    @Override
    public ExtensionContextScope getTestInstantiationExtensionContextScope(ExtensionContext rootContext) {
        return ExtensionContextScope.TEST_METHOD;
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == RedisTopology.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext context) {
        HavenRedis config = findConfig(context)
                .orElseThrow(() -> new ExtensionConfigurationException("A RedisTopology parameter needs @HavenRedis on the test class "
                        + context.getRequiredTestClass().getName()));
        ExtensionContext owner;
        if (config.perClass()) {
            owner = classContext(context);
        } else {
            Executable declaring = parameterContext.getDeclaringExecutable();
            if (context.getTestMethod().isEmpty()) {
                throw new ParameterResolutionException("@HavenRedis(perClass = false) gives each test method its own topology, so "
                        + declaring + " (run once per class) cannot receive one; use @HavenRedis(perClass = true)"
                        + (declaring instanceof Constructor ? " or the default per-method test instance lifecycle" : ""));
            }
            owner = context;
        }
        return owner.getStore(NAMESPACE)
                .getOrComputeIfAbsent(KEY, k -> new TopologyResource(start(config)), TopologyResource.class)
                .topology;
    }

    private static RedisTopology start(HavenRedis config) {
        RedisTopology.Builder b = RedisTopology.builder().replicas(config.replicas()).elastiCacheMode(config.elastiCacheMode());
        if (!config.elastiCacheMode()) {
            b.sentinels(config.sentinels());
        }
        if (!config.password().isEmpty()) {
            b.password(config.password());
        }
        return b.start();
    }

    private static Optional<HavenRedis> findConfig(ExtensionContext context) {
        for (Optional<ExtensionContext> c = Optional.of(context); c.isPresent(); c = c.get().getParent()) {
            Optional<Class<?>> type = c.get().getTestClass();
            for (Class<?> t = type.orElse(null); t != null; t = t.getEnclosingClass()) {
                HavenRedis a = t.getAnnotation(HavenRedis.class);
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
    static final class TopologyResource implements AutoCloseable, ExtensionContext.Store.CloseableResource {
        final RedisTopology topology;

        TopologyResource(RedisTopology topology) {
            this.topology = topology;
        }

        @Override
        public void close() {
            topology.close();
        }
    }
}
