package dev.haven.benchmarks.ddb;

import dev.haven.testkit.dynamodb.CannedDynamoDbHttpClient;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
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
 * A {@link DynamoDbClient} without the SDK underneath: {@code GetItem} returns one prebuilt response (no
 * allocation), heartbeats and {@code DescribeTable} answer like {@link CannedDynamoDbHttpClient}. It takes the SDK's
 * ~40 KB and tens of µs per call out of the picture, so that Haven's own cost can be resolved on a noisy machine.
 */
public final class CannedDynamoDbClient implements DynamoDbClient {

    static final GetItemResponse ITEM = GetItemResponse.builder().item(Map.of("pk", AttributeValue.fromS("k"))).build();
    static final DescribeTableResponse TABLE = DescribeTableResponse.builder().table(TableDescription.builder().tableName("t")
            .keySchema(KeySchemaElement.builder().attributeName("pk").keyType(KeyType.HASH).build())
            .attributeDefinitions(AttributeDefinition.builder().attributeName("pk").attributeType(ScalarAttributeType.S).build())
            .build()).build();

    private final AtomicLong seq;
    private final AtomicLong dataGets = new AtomicLong();

    public CannedDynamoDbClient(AtomicLong seq) {
        this.seq = seq;
    }

    public long dataGets() {
        return dataGets.get();
    }

    @Override
    public GetItemResponse getItem(GetItemRequest r) {
        if (CannedRegions.HEARTBEAT_TABLE.equals(r.tableName())) {
            return GetItemResponse.builder().item(Map.of("seq", AttributeValue.fromN(Long.toString(seq.get())))).build();
        }
        dataGets.lazySet(dataGets.get() + 1); // benchmark thread only; cheap
        return ITEM;
    }

    @Override
    public UpdateItemResponse updateItem(UpdateItemRequest r) {
        return UpdateItemResponse.builder().attributes(Map.of("seq", AttributeValue.fromN(Long.toString(seq.incrementAndGet())))).build();
    }

    @Override
    public DescribeTableResponse describeTable(DescribeTableRequest r) {
        return TABLE;
    }

    @Override
    public String serviceName() {
        return SERVICE_NAME;
    }

    @Override
    public void close() {
    }
}
