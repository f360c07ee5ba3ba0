package dev.haven.testkit.dynamodb;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/** Test helpers: a fresh global table per test, items by id, polling reads with a deadline. */
final class Tables {

    private static final AtomicInteger NEXT = new AtomicInteger();

    private Tables() {
    }

    static String fresh(DynamoDbRegions regions) {
        String name = "table-" + NEXT.incrementAndGet();
        regions.createGlobalTable(CreateTableRequest.builder().tableName(name)
                .keySchema(KeySchemaElement.builder().attributeName("id").keyType(KeyType.HASH).build())
                .attributeDefinitions(AttributeDefinition.builder().attributeName("id").attributeType(ScalarAttributeType.S).build())
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .build());
        return name;
    }

    static Map<String, AttributeValue> key(String id) {
        return Map.of("id", AttributeValue.fromS(id));
    }

    static Optional<Map<String, AttributeValue>> get(DynamoDbClient client, String table, String id) {
        Map<String, AttributeValue> item = client.getItem(b -> b.tableName(table).key(key(id)).consistentRead(true)).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(item);
    }

    static String value(DynamoDbClient client, String table, String id) {
        return get(client, table, id).map(i -> i.get("v")).map(AttributeValue::s).orElse(null);
    }

    /** Polls (5 ms) until the item's "v" equals {@code expected} (null = absent); returns nanos waited, or -1 on timeout. */
    static long awaitValue(DynamoDbClient client, String table, String id, String expected, Duration timeout) throws InterruptedException {
        long t0 = System.nanoTime();
        long deadline = t0 + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (java.util.Objects.equals(value(client, table, id), expected)) {
                return System.nanoTime() - t0;
            }
            Thread.sleep(5);
        }
        return -1;
    }
}
