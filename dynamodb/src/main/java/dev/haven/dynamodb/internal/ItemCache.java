package dev.haven.dynamodb.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.haven.Consistency;
import dev.haven.Ticker;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.DeleteTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * The optional item cache of {@code GetItem}: a Caffeine cache bounded by size and by age (expire after write,
 * on Haven's ticker), keyed by table and primary key. Only whole-item reads are cached (no projection, no
 * {@code AttributesToGet}); absent items are cached too.
 *
 * <p><b>Who may use an entry.</b> An entry remembers how fresh its data is known to be:
 * <ul>
 *   <li>fetched by a STRONG read: fresh as of the moment the read was sent;</li>
 *   <li>fetched by a {@code boundedStaleness(d)} read: fresh as of (sent − d);</li>
 *   <li>fetched by an EVENTUAL read: unknown.</li>
 * </ul>
 * EVENTUAL reads use any entry younger than {@code max-age}; {@code boundedStaleness(d)} reads use an entry only
 * if its known freshness is within {@code d} now; STRONG and SESSION reads never use the cache (STRONG and bounded
 * reads fill it; SESSION reads neither read nor fill it).
 *
 * <p><b>Writes through the same client</b> ({@code PutItem}, {@code UpdateItem}, {@code DeleteItem},
 * {@code BatchWriteItem}, {@code TransactWriteItems}) invalidate their items before they are sent and again after
 * they finish (successful or not); PartiQL writes ({@code ExecuteStatement}, {@code BatchExecuteStatement},
 * {@code ExecuteTransaction}) and {@code DeleteTable} invalidate everything / the table. A read that was in flight
 * while any write started or finished does not fill the cache (a global write epoch), so a value read before a
 * write cannot be cached after it. Writes by other clients or in other regions are <b>not</b> seen: the cache
 * serves them only after {@code max-age}.
 */
public final class ItemCache {

    record Key(String table, Map<String, AttributeValue> key) {
    }

    record Entry(GetItemResponse response, long freshAsOf) {
        static final long UNKNOWN = Long.MIN_VALUE;
    }

    private final Cache<Key, Entry> cache;
    private final Ticker ticker;
    /** Key attribute names per table, learned from cached GetItems, to find the key of a PutItem's item. */
    private final Map<String, Set<String>> keyNames = new ConcurrentHashMap<>();
    private final AtomicLong epoch = new AtomicLong();
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();

    public ItemCache(long maximumSize, Duration maxAge, Ticker ticker) {
        this.ticker = ticker;
        this.cache = Caffeine.newBuilder()
                .maximumSize(maximumSize)
                .expireAfterWrite(maxAge)
                .ticker(ticker::nanoTime)
                .executor(Runnable::run)
                .build();
    }

    static boolean cacheable(GetItemRequest r) {
        return r.tableName() != null && r.hasKey() && r.projectionExpression() == null && !r.hasAttributesToGet();
    }

    /**
     * The cached answer for {@code request} read with {@code consistency} (already STRONG if the request asks
     * {@code ConsistentRead}), or a fresh one from {@code fetch}, which then fills the cache if allowed.
     */
    public GetItemResponse get(GetItemRequest request, Consistency consistency, Supplier<GetItemResponse> fetch) {
        Object found = lookup(request, consistency);
        if (found instanceof GetItemResponse hit) {
            return hit;
        }
        GetItemResponse r = fetch.get();
        fill((Miss) found, r);
        return r;
    }

    /** {@link #get} for the async client: a hit completes at once; a miss fills the cache when the fetch answers. */
    public CompletableFuture<GetItemResponse> getAsync(GetItemRequest request, Consistency consistency,
            Supplier<CompletableFuture<GetItemResponse>> fetch) {
        Object found = lookup(request, consistency);
        if (found instanceof GetItemResponse hit) {
            return CompletableFuture.completedFuture(hit);
        }
        return fetch.get().thenApply(r -> {
            fill((Miss) found, r);
            return r;
        });
    }

    /** A read that missed: what is needed to fill the cache with its answer ({@code key == null}: never fill). */
    private record Miss(Key key, long epochBefore, long freshAsOf) {
        static final Miss NEVER = new Miss(null, 0, 0);
    }

    /** A cached {@link GetItemResponse}, or the {@link Miss} to {@link #fill} with the fetched answer. */
    private Object lookup(GetItemRequest request, Consistency consistency) {
        Consistency.Level level = consistency.level();
        if (level == Consistency.Level.SESSION || !cacheable(request)) {
            return Miss.NEVER;
        }
        Key k = new Key(request.tableName(), request.key());
        long now = ticker.nanoTime();
        if (level != Consistency.Level.STRONG) {
            Entry e = cache.getIfPresent(k);
            if (e != null && (level == Consistency.Level.EVENTUAL
                    || (e.freshAsOf != Entry.UNKNOWN && now - e.freshAsOf <= consistency.maxStalenessNanos()))) {
                hits.incrementAndGet();
                return e.response;
            }
        }
        misses.incrementAndGet();
        long freshAsOf = switch (level) {
            case STRONG -> now;
            case BOUNDED_STALENESS -> now - consistency.maxStalenessNanos();
            default -> Entry.UNKNOWN;
        };
        return new Miss(k, epoch.get(), freshAsOf);
    }

    private void fill(Miss miss, GetItemResponse r) {
        Key k = miss.key;
        if (k == null) {
            return;
        }
        keyNames.putIfAbsent(k.table, Set.copyOf(k.key.keySet()));
        long before = miss.epochBefore;
        if (epoch.get() == before) {
            cache.asMap().merge(k, new Entry(r, miss.freshAsOf), (old, neu) -> neu.freshAsOf >= old.freshAsOf || old.freshAsOf == Entry.UNKNOWN ? neu : old);
            if (epoch.get() != before) {
                cache.invalidate(k); // a write started meanwhile
            }
        }
    }

    /** Before a write is sent and after it finished: invalidates what it may change and moves the write epoch. */
    public void onWrite(Object request) {
        epoch.incrementAndGet();
        if (request instanceof PutItemRequest p) {
            invalidateItem(p.tableName(), p.item());
        } else if (request instanceof UpdateItemRequest u) {
            invalidateKey(u.tableName(), u.key());
        } else if (request instanceof DeleteItemRequest d) {
            invalidateKey(d.tableName(), d.key());
        } else if (request instanceof BatchWriteItemRequest b) {
            b.requestItems().forEach((table, writes) -> {
                for (WriteRequest w : writes) {
                    if (w.putRequest() != null) {
                        invalidateItem(table, w.putRequest().item());
                    } else if (w.deleteRequest() != null) {
                        invalidateKey(table, w.deleteRequest().key());
                    }
                }
            });
        } else if (request instanceof TransactWriteItemsRequest t) {
            for (TransactWriteItem w : t.transactItems()) {
                if (w.put() != null) {
                    invalidateItem(w.put().tableName(), w.put().item());
                } else if (w.update() != null) {
                    invalidateKey(w.update().tableName(), w.update().key());
                } else if (w.delete() != null) {
                    invalidateKey(w.delete().tableName(), w.delete().key());
                }
            }
        } else if (request instanceof DeleteTableRequest d) {
            String table = d.tableName();
            cache.asMap().keySet().removeIf(k -> k.table.equals(table));
        } else {
            cache.invalidateAll(); // PartiQL writes: the items are not known without parsing the statement
        }
    }

    private void invalidateKey(String table, Map<String, AttributeValue> key) {
        if (table != null && key != null) {
            cache.invalidate(new Key(table, key));
        }
    }

    private void invalidateItem(String table, Map<String, AttributeValue> item) {
        Set<String> names = table == null ? null : keyNames.get(table);
        if (names == null || item == null) {
            return; // nothing of this table was ever cached
        }
        Map<String, AttributeValue> key = new HashMap<>(names.size() * 2);
        for (String n : names) {
            AttributeValue v = item.get(n);
            if (v == null) {
                cache.asMap().keySet().removeIf(k -> k.table.equals(table)); // unexpected shape: be safe
                return;
            }
            key.put(n, v);
        }
        cache.invalidate(new Key(table, key));
    }

    public long hits() {
        return hits.get();
    }

    public long misses() {
        return misses.get();
    }

    public long size() {
        cache.cleanUp();
        return cache.estimatedSize();
    }

    public void invalidateAll() {
        epoch.incrementAndGet();
        cache.invalidateAll();
    }
}
