package dev.haven.redis.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.haven.Consistency;
import dev.haven.Endpoint;
import dev.haven.Ticker;
import dev.haven.internal.EndpointState;
import dev.haven.internal.TopologyMonitor;
import dev.haven.redis.NearCacheConfig;
import dev.haven.redis.NearCacheStats;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TrackingArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.push.PushListener;
import io.lettuce.core.api.push.PushMessage;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.ProtocolVersion;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The near cache behind {@code NearCacheConfig}: Caffeine entries filled over one RESP3 connection to the current
 * primary that runs {@code CLIENT TRACKING on} (default mode), so the server remembers exactly the keys this client
 * read and pushes {@code invalidate [keys]} (or {@code invalidate null} = flush) on that same connection when they
 * change.
 *
 * <p>Why the primary and default mode: every write happens there first, so the invalidation follows the write by one
 * push (no replication delay); default mode costs the server a tracking-table entry per cached key but sends only
 * invalidations for keys we hold, where {@code BCAST} would push every change under the prefixes to every client.
 * Misses therefore read the primary, not a replica: fine for hot keys, which mostly hit.
 *
 * <p>Race between a fill and an invalidation (the reply is read, the push for a later write arrives, then the caller
 * puts the old value): a stamp per key stripe is bumped before every eviction; a fill remembers the stamp before it
 * sends {@code GET}, puts, and removes its own entry again if the stamp (or the flush epoch) moved meanwhile.
 *
 * <p>The cache is cleared and tracking re-established (new connection, new {@code CLIENT TRACKING on}) whenever the
 * tracked connection is found closed, when a call on it fails, and when the monitor reports a different primary.
 * While no tracked connection can be had, GETs are routed as without a near cache (counted as bypassed).
 */
public final class NearCache implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NearCache.class);
    private static final int STRIPES = 4096;
    private static final long FAILED_CONNECT_MEMO_NANOS = 200_000_000L;

    /** A cached answer: {@code value == null} caches a missing key (also tracked by the server). */
    record Entry(String value, long loadedAtNanos) {
    }

    /** One tracked connection and the primary it goes to. */
    private record Tracked(StatefulRedisConnection<String, String> connection, String writerId) {
    }

    private final NearCacheConfig config;
    private final TopologyMonitor monitor;
    private final Function<Endpoint, RedisURI> uris;
    private final Ticker ticker;
    private final RedisClient client;
    private final Cache<String, Entry> cache;
    private final Predicate<String> keys;
    private final AtomicLongArray stamps = new AtomicLongArray(STRIPES);
    private final AtomicLong epoch = new AtomicLong();
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder bypassed = new LongAdder();
    private final LongAdder invalidations = new LongAdder();
    private final LongAdder flushes = new LongAdder();
    private volatile Tracked current;
    private volatile long failedAtNanos;
    private volatile boolean failedRecently;
    private volatile boolean closed;

    NearCache(NearCacheConfig config, TopologyMonitor monitor, io.lettuce.core.resource.ClientResources resources,
            ClientOptions dataOptions, Function<Endpoint, RedisURI> uris, Ticker ticker) {
        this.config = config;
        this.monitor = monitor;
        this.uris = uris;
        this.ticker = ticker;
        this.keys = config.keyFilter();
        this.client = RedisClient.create(resources);
        // Same timeouts/keepalive/no-auto-reconnect as data connections; RESP3 for push messages on this connection.
        this.client.setOptions(dataOptions.mutate().protocolVersion(ProtocolVersion.RESP3).build());
        this.cache = Caffeine.newBuilder()
                .maximumSize(config.maximumSize())
                .expireAfterWrite(config.maxAge())
                .build();
        monitor.addObserver(this::onTopology);
    }

    /**
     * A {@code GET key} under {@code consistency}: from memory when an entry qualifies, else over the tracked
     * connection (and cached), else {@code routed} (the ordinary routed read).
     */
    public String get(String key, Consistency consistency, Supplier<Object> routed) {
        long maxAgeNanos;
        switch (consistency.level()) {
            case EVENTUAL -> maxAgeNanos = Long.MAX_VALUE;
            case BOUNDED_STALENESS -> maxAgeNanos = consistency.maxStaleness().toNanos();
            default -> {
                return (String) routed.get(); // STRONG, SESSION: never from memory
            }
        }
        if (key == null || !keys.test(key)) {
            return (String) routed.get();
        }
        Tracked t = tracked();
        if (t == null) {
            bypassed.increment();
            return (String) routed.get();
        }
        long now = ticker.nanoTime();
        Entry e = cache.getIfPresent(key);
        if (e != null && now - e.loadedAtNanos() <= maxAgeNanos) {
            hits.increment();
            return e.value();
        }
        int stripe = stripe(key);
        long stamp = stamps.get(stripe);
        long ep = epoch.get();
        String value;
        try {
            value = t.connection().sync().get(key);
        } catch (RuntimeException ex) {
            RedisErrors.Kind kind = RedisErrors.classify(ex);
            if (kind == RedisErrors.Kind.APPLICATION || kind == RedisErrors.Kind.INTERRUPTED) {
                throw ex; // WRONGTYPE...: the same answer a routed read would give
            }
            drop(t, "tracked GET failed: " + ex);
            bypassed.increment();
            return (String) routed.get();
        }
        misses.increment();
        Entry filled = new Entry(value, ticker.nanoTime());
        cache.put(key, filled);
        if (stamps.get(stripe) != stamp || epoch.get() != ep || current != t || !t.connection().isOpen()) {
            cache.asMap().remove(key, filled); // an invalidation (or a reconnect) overtook this fill
        }
        return value;
    }

    /** After a write through a near-cached client: forget every key it may have touched (own writes read back at once). */
    public void onWrite(Object[] args) {
        if (args == null) {
            return;
        }
        for (Object a : args) {
            if (a instanceof String s) {
                evict(s);
            } else if (a instanceof String[] ss) {
                for (String s : ss) {
                    evict(s);
                }
            } else if (a instanceof Map<?, ?> m) {
                for (Object k : m.keySet()) {
                    if (k instanceof String s) {
                        evict(s);
                    }
                }
            }
        }
    }

    public NearCacheStats stats() {
        return new NearCacheStats(hits.sum(), misses.sum(), bypassed.sum(), invalidations.sum(), flushes.sum(),
                cache.estimatedSize());
    }

    private void evict(String key) {
        stamps.incrementAndGet(stripe(key));
        cache.invalidate(key);
    }

    private void flush(String why) {
        epoch.incrementAndGet();
        cache.invalidateAll();
        flushes.increment();
        log.debug("near cache cleared: {}", why);
    }

    private static int stripe(String key) {
        int h = key.hashCode();
        return (h ^ (h >>> 16)) & (STRIPES - 1);
    }

    /** The tracked connection to the current primary, (re)connecting and re-tracking when needed; null if none. */
    private Tracked tracked() {
        Tracked t = current;
        EndpointState w = monitor.snapshot().writer();
        if (t != null && t.connection().isOpen() && w != null && w.id().equals(t.writerId())) {
            return t;
        }
        synchronized (this) {
            t = current;
            w = monitor.snapshot().writer();
            if (t != null && t.connection().isOpen() && w != null && w.id().equals(t.writerId())) {
                return t;
            }
            if (t != null) {
                current = null;
                t.connection().closeAsync();
                flush(t.connection().isOpen() ? "primary changed" : "tracked connection lost");
            }
            if (closed || w == null || !w.available()) {
                return null;
            }
            if (failedRecently && ticker.nanoTime() - failedAtNanos < FAILED_CONNECT_MEMO_NANOS) {
                return null;
            }
            StatefulRedisConnection<String, String> c = null;
            try {
                c = client.connect(StringCodec.UTF8, uris.apply(w.endpoint()));
                Tracked nt = new Tracked(c, w.id());
                c.addListener((PushListener) msg -> onPush(nt, msg));
                c.sync().clientTracking(TrackingArgs.Builder.enabled());
                flush("tracking (re)started on " + w.id()); // nothing cached before this point is tracked
                current = nt;
                failedRecently = false;
                return nt;
            } catch (RuntimeException e) {
                if (c != null) {
                    c.closeAsync();
                }
                failedRecently = true;
                failedAtNanos = ticker.nanoTime();
                log.debug("near cache: no tracked connection to {}: {}", w.id(), e.toString());
                return null;
            }
        }
    }

    private void drop(Tracked t, String why) {
        synchronized (this) {
            if (current == t) {
                current = null;
                t.connection().closeAsync();
                flush(why);
            }
        }
    }

    private void onPush(Tracked t, PushMessage msg) {
        if (!"invalidate".equals(msg.getType())) {
            return;
        }
        if (current != t && current != null) {
            return; // an old connection's late push: its entries are already gone
        }
        List<Object> content = msg.getContent(b -> StringCodec.UTF8.decodeKey(b));
        Object keysPart = content.size() > 1 ? content.get(1) : null;
        if (keysPart == null) {
            flush("server flush (invalidate null)");
            return;
        }
        if (keysPart instanceof List<?> list) {
            for (Object k : list) {
                String key = k instanceof ByteBuffer bb ? StringCodec.UTF8.decodeKey(bb) : String.valueOf(k);
                evict(key);
                invalidations.increment();
            }
        }
    }

    private void onTopology(TopologyMonitor.Snapshot previous, TopologyMonitor.Snapshot now) {
        EndpointState before = previous.writer();
        EndpointState after = now.writer();
        String b = before == null ? null : before.id();
        String a = after == null ? null : after.id();
        if (!java.util.Objects.equals(a, b)) {
            Tracked t = current;
            if (t != null) {
                drop(t, "primary changed " + b + " -> " + a);
            } else {
                flush("primary changed " + b + " -> " + a);
            }
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            Tracked t = current;
            current = null;
            if (t != null) {
                t.connection().closeAsync();
            }
            cache.invalidateAll();
        }
        try {
            client.shutdown(java.time.Duration.ZERO, java.time.Duration.ofSeconds(2));
        } catch (RuntimeException e) {
            log.debug("near cache client shutdown", e);
        }
    }
}
