package dev.haven.testkit.codegen;

import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * For Haven's generators: Java source names of reflected types, collecting the imports they need. A simple name is
 * used where it is unambiguous in the file (java.lang, the file's own package, or one import per simple name);
 * otherwise the qualified name.
 */
public final class TypeNames {

    private final String ownPackage;
    private final Map<String, String> bySimpleName = new TreeMap<>();

    /** Names for a file in {@code ownPackage}; {@code reserved} are qualified names the file already imports. */
    public TypeNames(String ownPackage, String... reserved) {
        this.ownPackage = ownPackage;
        for (String r : reserved) {
            bySimpleName.put(r.substring(r.lastIndexOf('.') + 1), r);
        }
    }

    /** The imports the names handed out so far need (the reserved ones included). */
    public TreeSet<String> imports() {
        TreeSet<String> out = new TreeSet<>();
        for (String q : bySimpleName.values()) {
            if (!q.startsWith("java.lang.") || q.indexOf('.', "java.lang.".length()) >= 0) {
                String pkg = q.substring(0, q.lastIndexOf('.'));
                if (!pkg.equals(ownPackage)) {
                    out.add(q);
                }
            }
        }
        return out;
    }

    public String name(Type t) {
        if (t instanceof Class<?> c) {
            if (c.isArray()) {
                return name(c.getComponentType()) + "[]";
            }
            if (c.isPrimitive()) {
                return c.getName();
            }
            if (c.getEnclosingClass() != null) {
                return name(c.getEnclosingClass()) + "." + c.getSimpleName();
            }
            String q = c.getName();
            String simple = c.getSimpleName();
            String pkg = c.getPackageName();
            if (pkg.equals("java.lang") && !bySimpleName.containsKey(simple)) {
                return simple;
            }
            String known = bySimpleName.putIfAbsent(simple, q);
            return known == null || known.equals(q) ? simple : q;
        }
        if (t instanceof ParameterizedType p) {
            return name(p.getRawType()) + Arrays.stream(p.getActualTypeArguments()).map(this::name)
                    .collect(Collectors.joining(", ", "<", ">"));
        }
        if (t instanceof WildcardType w) {
            if (w.getLowerBounds().length > 0) {
                return "? super " + name(w.getLowerBounds()[0]);
            }
            Type[] upper = w.getUpperBounds();
            return upper.length == 0 || upper[0] == Object.class ? "?" : "? extends " + name(upper[0]);
        }
        if (t instanceof GenericArrayType g) {
            return name(g.getGenericComponentType()) + "[]";
        }
        if (t instanceof TypeVariable<?> v) {
            return v.getName();
        }
        throw new IllegalArgumentException("type " + t);
    }

    /** {@code "<T> "} for a generic method, else {@code ""}. */
    public String typeParameters(Method m) {
        if (m.getTypeParameters().length == 0) {
            return "";
        }
        List<String> out = new ArrayList<>();
        for (TypeVariable<Method> v : m.getTypeParameters()) {
            Type[] bounds = v.getBounds();
            out.add(bounds.length == 0 || bounds[0] == Object.class ? v.getName()
                    : v.getName() + " extends " + Arrays.stream(bounds).map(this::name).collect(Collectors.joining(" & ")));
        }
        return "<" + String.join(", ", out) + "> ";
    }

    /** {@code "int a0, String a1"}: parameters named a0, a1... (the JDK's interfaces carry no parameter names). */
    public String parameters(Method m) {
        Type[] types = m.getGenericParameterTypes();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < types.length; i++) {
            out.add(name(types[i]) + " a" + i);
        }
        return String.join(", ", out);
    }

    /** {@code "a0, a1"}. */
    public static String arguments(Method m) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < m.getParameterCount(); i++) {
            out.add("a" + i);
        }
        return String.join(", ", out);
    }

    /** {@code " throws SQLException"} or {@code ""}. */
    public String throwsClause(Method m) {
        Class<?>[] ex = m.getExceptionTypes();
        return ex.length == 0 ? "" : " throws " + Arrays.stream(ex).map(this::name).collect(Collectors.joining(", "));
    }

    /** A stable order for generated methods: by name, then arity, then parameter type names. */
    public static final Comparator<Method> ORDER = Comparator.comparing(Method::getName)
            .thenComparingInt(Method::getParameterCount)
            .thenComparing(m -> Arrays.stream(m.getParameterTypes()).map(Class::getName).collect(Collectors.joining(",")));

    /** A method's signature as a key: {@code name(int,java.lang.String)}. */
    public static String signature(Method m) {
        return m.getName() + Arrays.stream(m.getParameterTypes()).map(Class::getName).collect(Collectors.joining(",", "(", ")"));
    }
}
