package dev.haven.dynamodb.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.Consistency;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.DeleteRequest;
import software.amazon.awssdk.services.dynamodb.model.ExecuteStatementRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/** The item cache on a fake ticker: age and size bounds, who may use an entry, invalidation by writes. */
class ItemCacheTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000_000L);
    private final ItemCache cache = new ItemCache(100, Duration.ofSeconds(10), now::get);
    private final AtomicInteger fetches = new AtomicInteger();

    private static Map<String, AttributeValue> key(String pk) {
        return Map.of("pk", AttributeValue.fromS(pk));
    }

    private static GetItemRequest get(String pk) {
        return GetItemRequest.builder().tableName("t").key(key(pk)).build();
    }

    private Supplier<GetItemResponse> fetch(String value) {
        return () -> {
            fetches.incrementAndGet();
            return GetItemResponse.builder().item(Map.of("pk", AttributeValue.fromS("a"), "v", AttributeValue.fromS(value))).build();
        };
    }

    private String read(String pk, Consistency c, String valueIfFetched) {
        return cache.get(get(pk), c, fetch(valueIfFetched)).item().get("v").s();
    }

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    @Test
    void eventualReadsAreServedFromTheCacheUntilMaxAge() {
        assertThat(read("a", Consistency.EVENTUAL, "v1")).isEqualTo("v1");
        advance(Duration.ofMillis(9_999));
        assertThat(read("a", Consistency.EVENTUAL, "v2")).isEqualTo("v1");
        assertThat(fetches).hasValue(1);
        advance(Duration.ofMillis(2));
        assertThat(read("a", Consistency.EVENTUAL, "v3")).isEqualTo("v3");
        assertThat(fetches).hasValue(2);
        assertThat(cache.hits()).isEqualTo(1);
        assertThat(cache.misses()).isEqualTo(2);
    }

    @Test
    void boundedReadsUseOnlyEntriesKnownToBeFreshEnough() {
        Consistency oneSecond = Consistency.boundedStaleness(Duration.ofSeconds(1));
        // Fetched by an EVENTUAL read: freshness unknown, never good enough for a bound.
        read("a", Consistency.EVENTUAL, "v1");
        assertThat(read("a", oneSecond, "v2")).isEqualTo("v2");
        assertThat(fetches).hasValue(2);
        // That bounded read stored "fresh as of now - 1 s": already at the bound, so 1 ms later it is too old...
        advance(Duration.ofMillis(1));
        assertThat(read("a", oneSecond, "v3")).isEqualTo("v3");
        // ...but a looser bound can use it.
        assertThat(read("a", Consistency.boundedStaleness(Duration.ofSeconds(5)), "v4")).isEqualTo("v3");
        assertThat(fetches).hasValue(3);
        // A STRONG read is fresh as of its send time: bounded(1 s) reads use it for 1 s.
        assertThat(read("a", Consistency.STRONG, "s1")).isEqualTo("s1");
        advance(Duration.ofMillis(1000));
        assertThat(read("a", oneSecond, "x")).isEqualTo("s1");
        advance(Duration.ofMillis(1));
        assertThat(read("a", oneSecond, "v5")).isEqualTo("v5");
        // EVENTUAL reads use whatever is there.
        assertThat(read("a", Consistency.EVENTUAL, "x")).isEqualTo("v5");
    }

    @Test
    void strongAndSessionReadsNeverUseTheCache() {
        read("a", Consistency.EVENTUAL, "v1");
        assertThat(read("a", Consistency.STRONG, "s1")).isEqualTo("s1");
        assertThat(read("a", Consistency.SESSION, "z1")).isEqualTo("z1");
        assertThat(fetches).hasValue(3);
        // SESSION did not fill it: EVENTUAL sees the STRONG answer.
        assertThat(read("a", Consistency.EVENTUAL, "x")).isEqualTo("s1");
    }

    @Test
    void projectionsAreNotCached() {
        GetItemRequest projected = get("a").toBuilder().projectionExpression("v").build();
        cache.get(projected, Consistency.EVENTUAL, fetch("v1"));
        cache.get(projected, Consistency.EVENTUAL, fetch("v2"));
        assertThat(fetches).hasValue(2);
        assertThat(cache.size()).isZero();
    }

    @Test
    void boundedBySize() {
        for (int i = 0; i < 1000; i++) {
            read("k" + i, Consistency.EVENTUAL, "v");
        }
        assertThat(cache.size()).isLessThanOrEqualTo(100);
    }

    @Test
    void writesInvalidateTheirItems() {
        read("a", Consistency.EVENTUAL, "v1");
        read("b", Consistency.EVENTUAL, "v1");
        cache.onWrite(PutItemRequest.builder().tableName("t").item(Map.of("pk", AttributeValue.fromS("a"), "v", AttributeValue.fromS("new"))).build());
        assertThat(read("a", Consistency.EVENTUAL, "v2")).isEqualTo("v2");
        assertThat(read("b", Consistency.EVENTUAL, "v2")).isEqualTo("v1"); // another item: untouched

        cache.onWrite(UpdateItemRequest.builder().tableName("t").key(key("a")).build());
        assertThat(read("a", Consistency.EVENTUAL, "v3")).isEqualTo("v3");
        cache.onWrite(DeleteItemRequest.builder().tableName("t").key(key("a")).build());
        assertThat(read("a", Consistency.EVENTUAL, "v4")).isEqualTo("v4");
        cache.onWrite(BatchWriteItemRequest.builder().requestItems(Map.of("t", List.of(
                WriteRequest.builder().deleteRequest(DeleteRequest.builder().key(key("a")).build()).build()))).build());
        assertThat(read("a", Consistency.EVENTUAL, "v5")).isEqualTo("v5");
        cache.onWrite(TransactWriteItemsRequest.builder().transactItems(TransactWriteItem.builder()
                .put(Put.builder().tableName("t").item(Map.of("pk", AttributeValue.fromS("a"))).build()).build()).build());
        assertThat(read("a", Consistency.EVENTUAL, "v6")).isEqualTo("v6");
        assertThat(read("b", Consistency.EVENTUAL, "x")).isEqualTo("v1");
        // A PartiQL write: its items are unknown, everything goes.
        cache.onWrite(ExecuteStatementRequest.builder().statement("UPDATE t SET v = 1 WHERE pk = 'b'").build());
        assertThat(read("b", Consistency.EVENTUAL, "v7")).isEqualTo("v7");
    }

    @Test
    void aReadInFlightDuringAWriteDoesNotFillTheCache() {
        // The read fetched the old value while a write (through this client) started: it must not be cached.
        GetItemResponse old = cache.get(get("a"), Consistency.EVENTUAL, () -> {
            cache.onWrite(UpdateItemRequest.builder().tableName("t").key(key("a")).build());
            return fetch("old").get();
        });
        assertThat(old.item().get("v").s()).isEqualTo("old");
        assertThat(read("a", Consistency.EVENTUAL, "new")).isEqualTo("new");
        assertThat(fetches).hasValue(2);
    }
}
