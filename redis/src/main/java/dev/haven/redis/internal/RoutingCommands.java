package dev.haven.redis.internal;

import dev.haven.Consistency;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link RedisCommands} or {@link RedisAsyncCommands} whose every call is routed: reads ({@link CommandKinds#READS})
 * under this view's consistency, everything else to the primary. A JDK dynamic proxy over Lettuce's own interface, so
 * application code written against Lettuce runs unchanged. Both views classify a call the same way here and differ
 * only in the driver: {@link RedisRouting} (blocking) or {@link AsyncRouting} (a {@link RedisFuture} at once).
 */
public final class RoutingCommands implements InvocationHandler {

    private final RedisRouting routing;
    private final Session session;
    private final Consistency consistency;
    private final boolean async;

    private RoutingCommands(RedisRouting routing, Session session, Consistency consistency, boolean async) {
        this.routing = routing;
        this.session = session;
        this.consistency = consistency;
        this.async = async;
    }

    @SuppressWarnings("unchecked")
    public static RedisCommands<String, String> create(RedisRouting routing, Session session, Consistency consistency) {
        return (RedisCommands<String, String>) Proxy.newProxyInstance(RedisCommands.class.getClassLoader(),
                new Class<?>[] {RedisCommands.class}, new RoutingCommands(routing, session, consistency, false));
    }

    @SuppressWarnings("unchecked")
    public static RedisAsyncCommands<String, String> createAsync(RedisRouting routing, Session session, Consistency consistency) {
        return (RedisAsyncCommands<String, String>) Proxy.newProxyInstance(RedisAsyncCommands.class.getClassLoader(),
                new Class<?>[] {RedisAsyncCommands.class}, new RoutingCommands(routing, session, consistency, true));
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) {
        String name = method.getName();
        CommandKinds.Kind kind = CommandKinds.of(name);
        if (kind == CommandKinds.Kind.LOCAL) {
            return local(proxy, name, args);
        }
        if (async && kind != CommandKinds.Kind.UNSUPPORTED && !RedisFuture.class.isAssignableFrom(method.getReturnType())) {
            throw unsupported(name); // setTimeout, getJsonParser...: not commands, nothing to route
        }
        switch (kind) {
            case READ:
                NearCache near = routing.nearCache();
                if (near != null && args != null && args.length == 1 && name.equals("get") && args[0] instanceof String key) {
                    return async ? nearGetAsync(near, key, method, args)
                            : near.get(key, consistency, () -> routing.read(consistency, session, method, args));
                }
                return async ? routing.async().read(consistency, session, method, args) : routing.read(consistency, session, method, args);
            case UNSUPPORTED:
                if (name.equals("waitForReplication")) {
                    int replicas = ((Number) args[0]).intValue();
                    Duration timeout = Duration.ofMillis(((Number) args[1]).longValue());
                    return async ? routing.async().awaitReplicas(session, replicas, timeout) : routing.awaitReplicas(session, replicas, timeout);
                }
                throw unsupported(name);
            default:
                NearCache nc = routing.nearCache();
                if (async) {
                    RoutedFuture<Object> f = routing.async().write(session, method, args);
                    if (nc == null) {
                        return f;
                    }
                    // Evicted before the caller's callbacks run: its own write reads back at once.
                    RoutedFuture<Object> out = new RoutedFuture<>();
                    f.whenComplete((v, err) -> {
                        nc.onWrite(args); // also when the outcome is unknown: the key may have changed
                        complete(out, v, err);
                    });
                    return out;
                }
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

    /** GET through the near cache without blocking: a hit completes at once, a fill goes over the tracked connection. */
    private RoutedFuture<Object> nearGetAsync(NearCache near, String key, Method method, Object[] args) {
        NearCache.Lookup l = near.lookup(key, consistency, true);
        if (l == null) {
            return routing.async().read(consistency, session, method, args);
        }
        RoutedFuture<Object> out = new RoutedFuture<>();
        if (l.hit()) {
            out.complete(l.value());
            return out;
        }
        routing.async().within(l.connection().async().get(key).toCompletableFuture(), routing.settings().commandTimeout())
                .whenComplete((v, err) -> {
                    if (err == null) {
                        out.complete(l.filled(v));
                        return;
                    }
                    RuntimeException e = AsyncRouting.unwrap(err);
                    if (l.failed(e)) {
                        routing.async().read(consistency, session, method, args).whenComplete((rv, rerr) -> complete(out, rv, rerr));
                    } else {
                        out.completeExceptionally(e); // WRONGTYPE...: the same answer a routed read would give
                    }
                });
        return out;
    }

    private static void complete(CompletableFuture<Object> out, Object value, Throwable err) {
        if (err == null) {
            out.complete(value);
        } else {
            out.completeExceptionally(AsyncRouting.unwrap(err));
        }
    }

    private static UnsupportedOperationException unsupported(String name) {
        return new UnsupportedOperationException(name + " is not supported on a Haven routed connection: it needs "
                + "connection state (transactions, database, blocking pops, auth) that a shared, per-call routed "
                + "connection cannot keep; use a plain Lettuce connection for it");
    }

    private Object local(Object proxy, String name, Object[] args) {
        return switch (name) {
            case "isOpen" -> !routing.isClosed();
            case "hashCode" -> System.identityHashCode(proxy);
            case "equals" -> proxy == args[0];
            default -> "HavenRedis" + (async ? "Async" : "") + "Commands{" + routing.settings().clusterName() + ", " + consistency + "}";
        };
    }
}
