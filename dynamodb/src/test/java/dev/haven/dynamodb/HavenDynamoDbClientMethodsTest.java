package dev.haven.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbRequest;

/** Every operation of {@link DynamoDbClient} is delegated by {@link HavenDynamoDbClient} and reaches a region. */
class HavenDynamoDbClientMethodsTest {

    private static final Set<String> NOT_OPERATIONS = Set.of("close", "serviceName", "serviceClientConfiguration", "waiter");

    private FakeRegions fakes;
    private HavenDynamoDbClient client;

    @BeforeEach
    void start() {
        fakes = new FakeRegions("us-east-1", "us-west-2", "eu-west-1");
        client = fakes.builder("us-east-1").hedging(false).build();
    }

    @AfterEach
    void stop() {
        client.close();
    }

    @Test
    void everyRequestTakingOperationIsOverridden() throws Exception {
        List<String> missing = new ArrayList<>();
        int operations = 0;
        for (Method m : DynamoDbClient.class.getMethods()) {
            if (Modifier.isStatic(m.getModifiers()) || m.getParameterCount() != 1
                    || !DynamoDbRequest.class.isAssignableFrom(m.getParameterTypes()[0])
                    || !m.getReturnType().getSimpleName().endsWith("Response")) {
                continue;
            }
            operations++;
            try {
                Method own = HavenDynamoDbClient.class.getMethod(m.getName(), m.getParameterTypes());
                if (own.getDeclaringClass() != HavenDynamoDbClient.class) {
                    missing.add(m.getName());
                }
            } catch (NoSuchMethodException e) {
                missing.add(m.getName());
            }
        }
        assertThat(operations).isGreaterThanOrEqualTo(57);
        assertThat(missing).as("operations not delegated by HavenDynamoDbClient").isEmpty();
    }

    @Test
    void everyMethodTakingARequestReachesARegionClient() throws Exception {
        List<String> unreached = new ArrayList<>();
        int invoked = 0;
        for (Method m : DynamoDbClient.class.getMethods()) {
            if (Modifier.isStatic(m.getModifiers()) || NOT_OPERATIONS.contains(m.getName())) {
                continue;
            }
            Object[] args;
            if (m.getParameterCount() == 0) {
                args = new Object[0];
            } else if (m.getParameterTypes()[0] == Consumer.class) {
                args = new Object[] {(Consumer<Object>) b -> { }};
            } else if (SdkRequest.class.isAssignableFrom(m.getParameterTypes()[0])) {
                Object builder = m.getParameterTypes()[0].getMethod("builder").invoke(null);
                args = new Object[] {((software.amazon.awssdk.utils.builder.SdkBuilder<?, ?>) builder).build()};
            } else {
                unreached.add(m + " (unexpected parameters)");
                continue;
            }
            String operation = m.getName().endsWith("Paginator") ? m.getName().substring(0, m.getName().length() - "Paginator".length()) : m.getName();
            int before = fakes.calls(operation).size();
            Object result = m.invoke(client, args);
            if (result instanceof Iterable<?> pages) {
                pages.iterator().next(); // a paginator calls on its first page
            }
            invoked++;
            if (fakes.calls(operation).size() != before + 1) {
                unreached.add(m.getName() + java.util.Arrays.toString(m.getParameterTypes()));
            }
        }
        assertThat(invoked).isGreaterThanOrEqualTo(120);
        assertThat(unreached).as("methods that did not reach exactly one region client once").isEmpty();
    }

    @Test
    void writesAndManagementGoToTheHomeRegion() throws Exception {
        client.putItem(b -> b.tableName("t"));
        client.createTable(b -> b.tableName("t"));
        client.executeStatement(b -> b.statement("UPDATE t SET a = 1 WHERE pk = 'x'"));
        assertThat(fakes.calls).extracting(FakeRegions.Call::region).containsOnly("us-east-1");
        assertThat(client.serviceName()).isEqualTo("dynamodb");
        assertThat(client.waiter()).isNotNull();
    }
}
