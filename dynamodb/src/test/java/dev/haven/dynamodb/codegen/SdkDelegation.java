package dev.haven.dynamodb.codegen;

import dev.haven.testkit.codegen.GeneratedSource;
import dev.haven.testkit.codegen.TypeNames;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbRequest;

/**
 * Writes the operation methods of {@code HavenDynamoDbClient} and {@code HavenDynamoDbAsyncClient} from the SDK's
 * {@link DynamoDbClient} and {@link DynamoDbAsyncClient}, by reflection on the SDK on the class path. An operation is
 * a method taking one {@code DynamoDbRequest} and returning its {@code ...Response} (or a future of it); the
 * {@code Consumer<Builder>} overloads and the paginators are the SDK's default methods, which call these (so they
 * are routed too). The rules:
 *
 * <ul>
 *   <li>{@link #READS} are routed by consistency: {@code executor.read(request, ReadShape.<NAME>, ...)};</li>
 *   <li>{@link #ITEM_WRITES} go to the home region (another region under write failover) and are recorded in the
 *       view's session: {@code executor.write(request, session, true, ...)};</li>
 *   <li>every other operation (table, backup, stream, policy management) goes to the home region, no failover;</li>
 *   <li>{@link #HAND_WRITTEN} ({@code GetItem} with the item cache, {@code ExecuteStatement} whose {@code SELECT}
 *       is a read) are written in the clients, outside the generated region.</li>
 * </ul>
 *
 * Run by {@link SdkDelegationTest}; {@link #REGENERATE} rewrites the region after an SDK upgrade.
 */
public final class SdkDelegation {

    static final String GENERATOR = "SdkDelegation";
    static final String REGENERATE = "mvn -B -o -pl dynamodb -am test -Dtest=SdkDelegationTest"
            + " -Dsurefire.failIfNoSpecifiedTests=false -D" + GeneratedSource.REGENERATE + "=true";
    static final String PACKAGE = "dev.haven.dynamodb";

    static final Set<String> READS = Set.of("batchGetItem", "query", "scan", "transactGetItems");
    static final Set<String> ITEM_WRITES = Set.of("batchExecuteStatement", "batchWriteItem", "deleteItem",
            "executeTransaction", "putItem", "transactWriteItems", "updateItem");
    static final Set<String> HAND_WRITTEN = Set.of("getItem", "executeStatement");

    private SdkDelegation() {
    }

    /** Regenerates both clients in place: {@code SdkDelegation [module directory]}. */
    public static void main(String[] args) throws IOException {
        Path module = Path.of(args.length > 0 ? args[0] : ".");
        for (Map.Entry<Path, String> e : generate(module).entrySet()) {
            Files.writeString(e.getKey(), e.getValue());
        }
    }

    /** Both client files of {@code module} with their regions as generated now. */
    static Map<Path, String> generate(Path module) throws IOException {
        Path dir = module.resolve("src/main/java/" + PACKAGE.replace('.', '/'));
        Map<Path, String> out = new LinkedHashMap<>();
        out.put(dir.resolve("HavenDynamoDbClient.java"), client(dir.resolve("HavenDynamoDbClient.java"), DynamoDbClient.class,
                "executor.read(request, ReadShape.%s, consistency, session, %s::%s)", "executor.write(request, %s, %s, %s::%s)"));
        out.put(dir.resolve("HavenDynamoDbAsyncClient.java"), client(dir.resolve("HavenDynamoDbAsyncClient.java"),
                DynamoDbAsyncClient.class, "read(request, ReadShape.%s, %s::%s)", "write(request, %s, %s, %s::%s)"));
        return out;
    }

    /** The operations of {@code iface}, in the generated order. */
    static List<Method> operations(Class<?> iface) {
        return Arrays.stream(iface.getMethods())
                .filter(m -> !Modifier.isStatic(m.getModifiers()) && m.getParameterCount() == 1
                        && DynamoDbRequest.class.isAssignableFrom(m.getParameterTypes()[0])
                        && response(m).getSimpleName().endsWith("Response"))
                .sorted(TypeNames.ORDER)
                .toList();
    }

    /** What an operation answers: its return type, or what the future it returns completes with. */
    private static Class<?> response(Method m) {
        if (m.getReturnType() == CompletableFuture.class && m.getGenericReturnType() instanceof ParameterizedType p
                && p.getActualTypeArguments()[0] instanceof Class<?> c) {
            return c;
        }
        return m.getReturnType();
    }

    private static String client(Path file, Class<?> iface, String read, String write) throws IOException {
        String source = Files.readString(file);
        TypeNames names = new TypeNames(PACKAGE, GeneratedSource.importsOf(source));
        String sdk = names.name(iface);
        StringBuilder region = new StringBuilder(GeneratedSource.begin(GENERATOR, iface.getSimpleName())).append('\n');
        for (Method m : operations(iface)) {
            String op = m.getName();
            if (HAND_WRITTEN.contains(op)) {
                continue;
            }
            String call = READS.contains(op) ? read.formatted(constant(op), sdk, op)
                    : ITEM_WRITES.contains(op) ? write.formatted("session", "true", sdk, op)
                    : write.formatted("null", "false", sdk, op);
            region.append("\n    @Override\n    public ").append(names.name(m.getGenericReturnType())).append(' ').append(op)
                    .append('(').append(names.name(m.getParameterTypes()[0])).append(" request) {\n")
                    .append("        return ").append(call).append(";\n    }\n");
        }
        region.append('\n');
        return GeneratedSource.withRegion(source, GENERATOR, region.toString(), names.imports());
    }

    /** {@code batchGetItem} → {@code BATCH_GET_ITEM}, the name of its {@code ReadShape}. */
    private static String constant(String operation) {
        return operation.replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase(java.util.Locale.ROOT);
    }
}
