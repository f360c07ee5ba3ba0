package dev.haven.jdbc.internal;

import dev.haven.jdbc.HavenConnection;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.sql.CallableStatement;
import java.sql.PreparedStatement;
import java.sql.Statement;

/**
 * Proxy classes made once: {@code Proxy.newProxyInstance} looks its class up in a cache and allocates
 * the lookup key, an interface array and an argument array on every call, which showed up as a third of
 * Haven's per-statement allocation in the benchmarks.
 */
final class Proxies {

    static final MethodHandle CONNECTION = constructor(HavenConnection.class);
    static final MethodHandle STATEMENT = constructor(Statement.class);
    static final MethodHandle PREPARED = constructor(PreparedStatement.class);
    static final MethodHandle CALLABLE = constructor(CallableStatement.class);

    private Proxies() {
    }

    /** The proxy class's constructor as a handle of type (InvocationHandler)Object: no varargs array per call. */
    private static MethodHandle constructor(Class<?> iface) {
        InvocationHandler none = (proxy, method, args) -> null;
        Class<?> type = Proxy.newProxyInstance(Proxies.class.getClassLoader(), new Class<?>[] {iface}, none).getClass();
        try {
            Constructor<?> c = type.getConstructor(InvocationHandler.class);
            return MethodHandles.publicLookup().unreflectConstructor(c)
                    .asType(MethodType.methodType(Object.class, InvocationHandler.class));
        } catch (NoSuchMethodException | IllegalAccessException e) {
            throw new IllegalStateException("cannot use the proxy constructor of " + iface.getName(), e);
        }
    }

    static Object newProxy(MethodHandle constructor, InvocationHandler handler) {
        try {
            return (Object) constructor.invokeExact(handler);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
