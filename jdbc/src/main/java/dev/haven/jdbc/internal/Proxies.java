package dev.haven.jdbc.internal;

import dev.haven.jdbc.HavenConnection;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
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

    static final Constructor<?> CONNECTION = constructor(HavenConnection.class);
    static final Constructor<?> STATEMENT = constructor(Statement.class);
    static final Constructor<?> PREPARED = constructor(PreparedStatement.class);
    static final Constructor<?> CALLABLE = constructor(CallableStatement.class);

    private Proxies() {
    }

    private static Constructor<?> constructor(Class<?> iface) {
        InvocationHandler none = (proxy, method, args) -> null;
        Class<?> type = Proxy.newProxyInstance(Proxies.class.getClassLoader(), new Class<?>[] {iface}, none).getClass();
        try {
            return type.getConstructor(InvocationHandler.class);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException("proxy class without the InvocationHandler constructor", e);
        }
    }

    static Object newProxy(Constructor<?> constructor, InvocationHandler handler) {
        try {
            return constructor.newInstance(handler);
        } catch (InstantiationException | IllegalAccessException e) {
            throw new IllegalStateException(e);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException(e.getCause());
        }
    }
}
