package dev.haven.benchmarks.ddb;

import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;

/** A {@link DynamoDbAsyncClient} without the SDK: {@code GetItem} returns an already completed future of one response. */
public final class CannedDynamoDbAsyncClient implements DynamoDbAsyncClient {

    private final CompletableFuture<GetItemResponse> item = CompletableFuture.completedFuture(CannedDynamoDbClient.ITEM);

    @Override
    public CompletableFuture<GetItemResponse> getItem(GetItemRequest r) {
        return item;
    }

    @Override
    public String serviceName() {
        return SERVICE_NAME;
    }

    @Override
    public void close() {
    }
}
