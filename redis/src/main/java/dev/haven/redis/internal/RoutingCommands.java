package dev.haven.redis.internal;

import dev.haven.Consistency;
import io.lettuce.core.api.sync.RedisCommands;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;

/**
 * A {@link RedisCommands} whose every call is routed: reads ({@link CommandKinds#READS}) under this view's
 * consistency, everything else to the primary. A JDK dynamic proxy over Lettuce's own interface, so application code
 * written against Lettuce runs unchanged.
 */
public final class RoutingCommands implements InvocationHandler {

    private final RedisRouting routing;
    private final Session session;
    private final Consistency consistency;

    private RoutingCommands(RedisRouting routing, Session session, Consistency consistency) {
        this.routing = routing;
        this.session = session;
        this.consistency = consistency;
    }

    @SuppressWarnings("unchecked")
    public static RedisCommands<String, String> create(RedisRouting routing, Session session, Consistency consistency) {
        return (RedisCommands<String, String>) Proxy.newProxyInstance(RedisCommands.class.getClassLoader(),
                new Class<?>[] {RedisCommands.class}, new RoutingCommands(routing, session, consistency));
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) {
        String name = method.getName();
        switch (CommandKinds.of(name)) {
            case READ:
                NearCache near = routing.nearCache();
                if (near != null && args != null && args.length == 1 && name.equals("get") && args[0] instanceof String key) {
                    return near.get(key, consistency, () -> routing.read(consistency, session, method, args));
                }
                return routing.read(consistency, session, method, args);
            case LOCAL:
                return local(proxy, name, args);
            case UNSUPPORTED:
                if (name.equals("waitForReplication")) {
                    return routing.awaitReplicas(session, ((Number) args[0]).intValue(), Duration.ofMillis(((Number) args[1]).longValue()));
                }
                throw new UnsupportedOperationException(name + " is not supported on a Haven routed connection: it needs "
                        + "connection state (transactions, database, blocking pops, auth) that a shared, per-call routed "
                        + "connection cannot keep; use a plain Lettuce connection for it");
            default:
                NearCache nc = routing.nearCache();
                if (nc == null) {
                    return routing.write(session, method, args);
                }
                try {
                    return routing.write(session, method, args);
                } finally {
                    nc.onWrite(args); // also when the outcome is unknown: the key may have changed
                }
        }
    }

    private Object local(Object proxy, String name, Object[] args) {
        return switch (name) {
            case "isOpen" -> !routing.isClosed();
            case "hashCode" -> System.identityHashCode(proxy);
            case "equals" -> proxy == args[0];
            default -> "HavenRedisCommands{" + routing.settings().clusterName() + ", " + consistency + "}";
        };
    }
}
