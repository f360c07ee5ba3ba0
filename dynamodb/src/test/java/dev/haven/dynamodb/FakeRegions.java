package dev.haven.dynamodb;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableRequest;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableResponse;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemResponse;

/**
 * No-network DynamoDB regions for unit tests: one {@link DynamoDbClient} proxy per region that answers heartbeats
 * (a shared counter), DescribeTable of the heartbeat table, and any other operation with an empty response, and
 * records every non-heartbeat call. A region can be made unreachable, lagging, or scripted to fail.
 */
final class FakeRegions {

    static final String HEARTBEAT = "haven-heartbeat";

    record Call(String region, String operation, Object request) {
    }

    final AtomicLong seq = new AtomicLong();
    final List<Call> calls = new CopyOnWriteArrayList<>();
    final Map<String, Fake> regions = new LinkedHashMap<>();

    final class Fake {
        final String name;
        volatile boolean down;
        volatile boolean lagging;
        volatile long frozenSeq;
        volatile long delayMillis;
        final Map<String, Deque<RuntimeException>> failures = new ConcurrentHashMap<>();
        final DynamoDbClient client;

        Fake(String name) {
            this.name = name;
            this.client = (DynamoDbClient) Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {DynamoDbClient.class}, (proxy, m, args) -> handle(m, args));
        }

        void lag(boolean on) {
            frozenSeq = seq.get();
            lagging = on;
        }

        synchronized void fail(String operation, RuntimeException... errors) {
            failures.computeIfAbsent(operation, k -> new ArrayDeque<>()).addAll(List.of(errors));
        }

        private Object handle(Method m, Object[] args) throws Throwable {
            switch (m.getName()) {
                case "close":
                    return null;
                case "serviceName":
                    return DynamoDbClient.SERVICE_NAME;
                case "toString":
                    return "Fake(" + name + ")";
                case "hashCode":
                    return System.identityHashCode(this);
                case "equals":
                    return args[0] == client;
                default:
            }
            if (m.isDefault() && (args == null || args.length != 1 || !(args[0] instanceof software.amazon.awssdk.services.dynamodb.model.DynamoDbRequest))) {
                try {
                    return java.lang.reflect.InvocationHandler.invokeDefault(client, m, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            }
            if (down) {
                throw SdkClientException.create("connection refused (fake " + name + ")");
            }
            Object req = args[0];
            if (req instanceof UpdateItemRequest u && HEARTBEAT.equals(u.tableName())) {
                return UpdateItemResponse.builder().attributes(Map.of("seq", AttributeValue.fromN(Long.toString(seq.incrementAndGet())))).build();
            }
            if (req instanceof GetItemRequest g && HEARTBEAT.equals(g.tableName())) {
                long s = lagging ? frozenSeq : seq.get();
                return s == 0 ? GetItemResponse.builder().build()
                        : GetItemResponse.builder().item(Map.of("seq", AttributeValue.fromN(Long.toString(s)))).build();
            }
            if (req instanceof software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest del && HEARTBEAT.equals(del.tableName())) {
                return software.amazon.awssdk.services.dynamodb.model.DeleteItemResponse.builder().build(); // on close
            }
            if (req instanceof DescribeTableRequest d && HEARTBEAT.equals(d.tableName())) {
                return DescribeTableResponse.builder().table(TableDescription.builder().tableName(HEARTBEAT)
                        .keySchema(KeySchemaElement.builder().attributeName("pk").keyType(KeyType.HASH).build())
                        .attributeDefinitions(AttributeDefinition.builder().attributeName("pk").attributeType(ScalarAttributeType.S).build())
                        .build()).build();
            }
            if (req instanceof DescribeTableRequest d && d.tableName() != null && d.tableName().startsWith("no-such")) {
                throw software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException.builder().statusCode(400)
                        .message("Requested resource not found").build();
            }
            calls.add(new Call(name, m.getName(), req));
            if (delayMillis > 0) {
                Thread.sleep(delayMillis);
            }
            RuntimeException failure = null;
            synchronized (this) {
                Deque<RuntimeException> q = failures.get(m.getName());
                if (q != null) {
                    failure = q.poll();
                }
            }
            if (failure != null) {
                throw failure;
            }
            Object builder = m.getReturnType().getMethod("builder").invoke(null);
            return ((software.amazon.awssdk.utils.builder.SdkBuilder<?, ?>) builder).build();
        }
    }

    FakeRegions(String... names) {
        for (String n : names) {
            regions.put(n, new Fake(n));
        }
    }

    Fake region(String name) {
        return regions.get(name);
    }

    HavenDynamoDbClient.Builder builder(String home) {
        HavenDynamoDbClient.Builder b = HavenDynamoDbClient.builder().homeRegion(home).heartbeatTable(HEARTBEAT)
                .probeInterval(java.time.Duration.ofMillis(100)).fastProbeInterval(java.time.Duration.ofMillis(20))
                .lagProbeInterval(java.time.Duration.ofMillis(20)).lagMargin(java.time.Duration.ZERO);
        for (Fake f : regions.values()) {
            b.region(f.name, f.client);
        }
        return b;
    }

    List<Call> calls(String operation) {
        List<Call> out = new ArrayList<>();
        for (Call c : calls) {
            if (c.operation().equals(operation)) {
                out.add(c);
            }
        }
        return out;
    }
}
