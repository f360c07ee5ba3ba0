package dev.haven.jdbc.codegen;

import dev.haven.testkit.codegen.GeneratedSource;
import dev.haven.testkit.codegen.TypeNames;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Blob;
import java.sql.CallableStatement;
import java.sql.Clob;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * Writes the delegating methods of Haven's JDBC wrappers (in {@code dev.haven.jdbc.internal}) from the
 * {@code java.sql} interfaces, by reflection on the running JDK. The wrappers' logic (routing, binding, recording,
 * retry, failure classification) is hand-written outside the generated regions; here are only the rules that say
 * which of those hand-written hooks each plain method goes through:
 *
 * <ul>
 *   <li>statements: {@code execute*} run through {@code exec} (retry and classification); {@code set*},
 *       {@code add*}, {@code clear*}, {@code registerOutParameter} and {@code closeOnCompletion} are recorded for
 *       a replay on another server, except those taking a stream or LOB, which make the statement not replayable;
 *       the rest delegates;</li>
 *   <li>the connection: every method not written by hand delegates to the bound physical connection;</li>
 *   <li>result sets and metadata: every call delegates, and a failure goes through {@code failure(e)}, the
 *       connection's one classification;</li>
 *   <li>a {@code ResultSet} returned anywhere is wrapped in {@code HavenResultSet}, {@code DatabaseMetaData} in
 *       {@code HavenDatabaseMetaData}.</li>
 * </ul>
 *
 * Run by {@link JdbcWrappersTest}, which fails when a checked-in wrapper differs from what this produces; the
 * command in {@link #REGENERATE} rewrites them.
 */
public final class JdbcWrappers {

    static final String GENERATOR = "JdbcWrappers";
    static final String REGENERATE = "mvn -B -o -pl jdbc -am test -Dtest=JdbcWrappersTest"
            + " -Dsurefire.failIfNoSpecifiedTests=false -D" + GeneratedSource.REGENERATE + "=true";
    static final String PACKAGE = "dev.haven.jdbc.internal";

    private static final Set<Class<?>> STREAMS = Set.of(InputStream.class, Reader.class, Blob.class, Clob.class);

    /** One wrapper: its file, the interface it delegates, what a parent wrapper class already generates, what is hand-written. */
    private record Target(String file, Class<?> iface, Class<?> parent, Set<String> handWritten,
            BiFunction<Method, TypeNames, String> body) {
    }

    private static final List<Target> TARGETS = List.of(
            new Target("ConnectionHandler.java", Connection.class, null, Set.of("close", "isClosed", "unwrap",
                    "isWrapperFor", "isValid", "abort", "setReadOnly", "isReadOnly", "setAutoCommit", "getAutoCommit",
                    "commit", "rollback()", "setTransactionIsolation", "getTransactionIsolation", "setCatalog", "getCatalog",
                    "setSchema", "getSchema", "setHoldability", "getHoldability", "setClientInfo", "getClientInfo",
                    "getWarnings", "clearWarnings", "createStatement", "prepareStatement", "prepareCall", "beginRequest",
                    "endRequest"), (m, t) -> plain(m, "usable()")),
            new Target("HavenStatement.java", Statement.class, null,
                    Set.of("getConnection", "close", "isClosed", "unwrap", "isWrapperFor"),
                    (m, t) -> statement(m, "real", "s")),
            new Target("HavenPreparedStatement.java", PreparedStatement.class, Statement.class, Set.of(),
                    (m, t) -> statement(m, "ps()", "((PreparedStatement) s)")),
            new Target("HavenCallableStatement.java", CallableStatement.class, PreparedStatement.class, Set.of(),
                    (m, t) -> statement(m, "cs()", "((CallableStatement) s)")),
            new Target("HavenResultSet.java", ResultSet.class, null, Set.of("getStatement", "unwrap", "isWrapperFor"),
                    (m, t) -> classified(m, "real")),
            new Target("HavenDatabaseMetaData.java", DatabaseMetaData.class, null,
                    Set.of("getConnection", "unwrap", "isWrapperFor"), (m, t) -> classified(m, "real")));

    private JdbcWrappers() {
    }

    /** Regenerates the wrappers in place: {@code JdbcWrappers [module directory]}. */
    public static void main(String[] args) throws IOException {
        Path module = Path.of(args.length > 0 ? args[0] : ".");
        for (Map.Entry<Path, String> e : generate(module).entrySet()) {
            Files.writeString(e.getKey(), e.getValue());
        }
    }

    /** Each wrapper file of {@code module} with its region as generated now. */
    static Map<Path, String> generate(Path module) throws IOException {
        Path dir = module.resolve("src/main/java/" + PACKAGE.replace('.', '/'));
        Map<Path, String> out = new LinkedHashMap<>();
        for (Target target : TARGETS) {
            Path file = dir.resolve(target.file());
            String source = Files.readString(file);
            TypeNames names = new TypeNames(PACKAGE, GeneratedSource.importsOf(source));
            StringBuilder region = new StringBuilder(GeneratedSource.begin(GENERATOR, target.iface().getName())).append('\n');
            for (Method m : methods(target)) {
                region.append('\n').append(method(m, names, target.body().apply(m, names)));
            }
            region.append('\n');
            out.put(file, GeneratedSource.withRegion(source, GENERATOR, region.toString(), names.imports()));
        }
        return out;
    }

    private static List<Method> methods(Target target) {
        return Arrays.stream(target.iface().getMethods())
                .filter(m -> !Modifier.isStatic(m.getModifiers()))
                .filter(m -> !target.handWritten().contains(m.getName())
                        && !target.handWritten().contains(m.getName() + Arrays.toString(m.getParameterTypes())
                                .replace('[', '(').replace(']', ')')))
                .filter(m -> target.parent() == null || !declares(target.parent(), m))
                .sorted(TypeNames.ORDER)
                .toList();
    }

    private static boolean declares(Class<?> iface, Method m) {
        try {
            iface.getMethod(m.getName(), m.getParameterTypes());
            return true;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    private static String method(Method m, TypeNames names, String body) {
        StringBuilder b = new StringBuilder();
        if (m.isAnnotationPresent(Deprecated.class)) {
            b.append("    @Deprecated\n");
        }
        b.append("    @Override\n    public ").append(names.typeParameters(m)).append(names.name(m.getGenericReturnType()))
                .append(' ').append(m.getName()).append('(').append(names.parameters(m)).append(')')
                .append(names.throwsClause(m)).append(" {\n");
        body.lines().forEach(l -> b.append("        ").append(l).append('\n'));
        return b.append("    }\n").toString();
    }

    private static String call(Method m, String receiver) {
        return receiver + "." + m.getName() + "(" + TypeNames.arguments(m) + ")";
    }

    /** What the application gets back: Haven's wrapper where there is one. */
    private static String returned(Method m, String expression) {
        if (m.getReturnType() == ResultSet.class) {
            return "return resultSet(" + expression + ");";
        }
        if (m.getReturnType() == DatabaseMetaData.class) {
            return "return new HavenDatabaseMetaData(this, " + expression + ");";
        }
        return m.getReturnType() == void.class ? expression + ";" : "return " + expression + ";";
    }

    private static String plain(Method m, String receiver) {
        return returned(m, call(m, receiver));
    }

    private static String statement(Method m, String receiver, String replayReceiver) {
        String name = m.getName();
        if (name.startsWith("execute")) {
            return returned(m, "exec(s -> " + call(m, replayReceiver) + ")");
        }
        boolean changesState = name.startsWith("set") || name.startsWith("add") || name.startsWith("clear")
                || name.equals("registerOutParameter") || name.equals("closeOnCompletion");
        if (m.getReturnType() != void.class || !changesState) {
            return plain(m, receiver);
        }
        if (Arrays.stream(m.getParameterTypes()).anyMatch(p -> STREAMS.stream().anyMatch(s -> s.isAssignableFrom(p)))) {
            return "notReplayable(); // a stream is consumed by the first execution\n" + call(m, receiver) + ";";
        }
        return "if (record) {\n    record(s -> " + call(m, replayReceiver) + ");\n}\n" + call(m, receiver) + ";";
    }

    private static String classified(Method m, String receiver) {
        if (!Arrays.asList(m.getExceptionTypes()).contains(SQLException.class)) {
            return plain(m, receiver);
        }
        return "try {\n    " + plain(m, receiver) + "\n} catch (SQLException e) {\n    throw failure(e);\n}";
    }
}
