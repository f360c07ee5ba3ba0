package dev.haven.redis.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.haven.Consistency;
import dev.haven.Endpoint;
import dev.haven.Ticker;
import dev.haven.engine.EndpointState;
import dev.haven.engine.TopologyMonitor;
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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
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
    private final AtomicBoolean reconnecting = new AtomicBoolean();

    NearCache(NearCacheConfig config, dev.haven.engine.MonitorRegistry.Lease lease, io.lettuce.core.resource.ClientResources resources,
            ClientOptions dataOptions, Function<Endpoint, RedisURI> uris, Ticker ticker) {
        this.config = config;
        this.monitor = lease.monitor();
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
        lease.addObserver(this::onTopology); // removed when the client's lease on the shared monitor closes
    }

    /**
     * A {@code GET key} under {@code consistency}: from memory when an entry qualifies, else over the tracked
     * connection (and cached), else {@code routed} (the ordinary routed read). Blocks (sync view).
     */
    public String get(String key, Consistency consistency, Supplier<Object> routed) {
        Lookup l = lookup(key, consistency, false);
        if (l == null) {
            return (String) routed.get();
        }
        if (l.hit()) {
            return l.value();
        }
        String value;
        try {
            value = l.connection().sync().get(key);
        } catch (RuntimeException ex) {
            if (l.failed(ex)) {
                return (String) routed.get();
            }
            throw ex; // WRONGTYPE...: the same answer a routed read would give
        }
        return l.filled(value);
    }

    /**
     * The first step of a {@code GET key} under {@code consistency}: {@code null} to route it as without a near cache;
     * else a {@link Lookup} that is a {@linkplain Lookup#hit() hit}, or a fill to send over
     * {@link Lookup#connection()} and finish with {@link Lookup#filled} or {@link Lookup#failed}.
     *
     * @param noWait never block: when the tracked connection must be (re)established, start that in the background
     *               and route this GET (async view, possibly on an event loop)
     */
    public Lookup lookup(String key, Consistency consistency, boolean noWait) {
        long maxAgeNanos;
        switch (consistency.level()) {
            case EVENTUAL -> maxAgeNanos = Long.MAX_VALUE;
            case BOUNDED_STALENESS -> maxAgeNanos = consistency.maxStaleness().toNanos();
            default -> {
                return null; // STRONG, SESSION: never from memory
            }
        }
        if (key == null || !keys.test(key)) {
            return null;
        }
        Tracked t = noWait ? trackedNow() : tracked();
        if (t == null) {
            bypassed.increment();
            return null;
        }
        long now = ticker.nanoTime();
        Entry e = cache.getIfPresent(key);
        if (e != null && now - e.loadedAtNanos() <= maxAgeNanos) {
            hits.increment();
            return new Lookup(t, key, e.value(), true, 0, 0, 0);
        }
        int stripe = stripe(key);
        return new Lookup(t, key, null, false, stripe, stamps.get(stripe), epoch.get());
    }

    /** One GET through the near cache: a hit, or a fill whose stamp and epoch were taken before it is sent. */
    public final class Lookup {
        private final Tracked tracked;
        private final String key;
        private final String value;
        private final boolean hit;
        private final int stripe;
        private final long stamp;
        private final long epochAtStart;

        private Lookup(Tracked tracked, String key, String value, boolean hit, int stripe, long stamp, long epochAtStart) {
            this.tracked = tracked;
            this.key = key;
            this.value = value;
            this.hit = hit;
            this.stripe = stripe;
            this.stamp = stamp;
            this.epochAtStart = epochAtStart;
        }

        public boolean hit() {
            return hit;
        }

        /** The cached value of a hit ({@code null}: the key is cached as missing). */
        public String value() {
            return value;
        }

        /** The tracked connection a fill's {@code GET} goes over. */
        public StatefulRedisConnection<String, String> connection() {
            return tracked.connection();
        }

        /** The fill's {@code GET} answered {@code v}: cache it unless an invalidation overtook it; returns {@code v}. */
        public String filled(String v) {
            misses.increment();
            Entry filled = new Entry(v, ticker.nanoTime());
            cache.put(key, filled);
            if (stamps.get(stripe) != stamp || epoch.get() != epochAtStart || current != tracked || !tracked.connection().isOpen()) {
                cache.asMap().remove(key, filled); // an invalidation (or a reconnect) overtook this fill
            }
            return v;
        }

        /**
         * The fill's {@code GET} failed with {@code ex}. Returns true to route the GET instead (tracking is dropped and
         * re-established); false when {@code ex} is the caller's answer (WRONGTYPE...).
         */
        public boolean failed(RuntimeException ex) {
            if (!RedisErrors.classify(ex).retryableRead()) { // WRONGTYPE..., or an interrupt
                return false;
            }
            drop(tracked, "tracked GET failed: " + ex);
            bypassed.increment();
            return true;
        }
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

    /** The tracked connection if it is usable as is (open, to the current primary), else null. */
    private Tracked usable() {
        Tracked t = current;
        EndpointState w = monitor.snapshot().writer();
        return t != null && t.connection().isOpen() && w != null && w.id().equals(t.writerId()) ? t : null;
    }

    /** The tracked connection to the current primary, (re)connecting and re-tracking when needed; null if none. */
    private Tracked tracked() {
        Tracked t = usable();
        if (t != null) {
            return t;
        }
        synchronized (this) {
            t = usable();
            if (t != null) {
                return t;
            }
            EndpointState w = reconnectTarget();
            if (w == null) {
                return null;
            }
            StatefulRedisConnection<String, String> c = null;
            try {
                c = client.connect(StringCodec.UTF8, uris.apply(w.endpoint()));
                Tracked nt = listen(c, w);
                c.sync().clientTracking(TrackingArgs.Builder.enabled());
                return install(nt);
            } catch (RuntimeException e) {
                connectFailed(c, w, e);
                return null;
            }
        }
    }

    /**
     * {@link #tracked()} that never blocks: null while the tracked connection is being (re)established in the
     * background (connect and {@code CLIENT TRACKING on} asynchronously, one attempt at a time).
     */
    private Tracked trackedNow() {
        Tracked t = usable();
        if (t != null || !reconnecting.compareAndSet(false, true)) {
            return t;
        }
        EndpointState w;
        synchronized (this) {
            t = usable();
            w = t == null ? reconnectTarget() : null;
        }
        if (w == null) {
            reconnecting.set(false);
            return t;
        }
        RedisURI uri = uris.apply(w.endpoint());
        AtomicReference<StatefulRedisConnection<String, String>> opened = new AtomicReference<>();
        client.connectAsync(StringCodec.UTF8, uri)
                .thenCompose(c -> {
                    opened.set(c);
                    Tracked nt = listen(c, w);
                    return c.async().clientTracking(TrackingArgs.Builder.enabled()).thenApply(ok -> nt);
                })
                .toCompletableFuture()
                .orTimeout(uri.getTimeout().toMillis() + 1000, java.util.concurrent.TimeUnit.MILLISECONDS)
                .whenComplete((nt, err) -> {
                    synchronized (this) {
                        if (err == null) {
                            install(nt);
                        } else {
                            connectFailed(opened.get(), w, err);
                        }
                    }
                    reconnecting.set(false);
                });
        return null;
    }

    /** Guarded by this: drops a stale tracked connection; returns the primary to track, or null (none, closed, failed moments ago). */
    private EndpointState reconnectTarget() {
        Tracked t = current;
        EndpointState w = monitor.snapshot().writer();
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
        return w;
    }

    private Tracked listen(StatefulRedisConnection<String, String> c, EndpointState w) {
        Tracked nt = new Tracked(c, w.id());
        c.addListener((PushListener) msg -> onPush(nt, msg));
        return nt;
    }

    /** Guarded by this: tracking is on for {@code nt}. */
    private Tracked install(Tracked nt) {
        if (closed) {
            nt.connection().closeAsync();
            return null;
        }
        flush("tracking (re)started on " + nt.writerId()); // nothing cached before this point is tracked
        current = nt;
        failedRecently = false;
        return nt;
    }

    /** Guarded by this. */
    private void connectFailed(StatefulRedisConnection<String, String> c, EndpointState w, Throwable e) {
        if (c != null) {
            c.closeAsync();
        }
        failedRecently = true;
        failedAtNanos = ticker.nanoTime();
        log.debug("near cache: no tracked connection to {}: {}", w.id(), e.toString());
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
        java.util.concurrent.CompletableFuture<Void> closing = null;
        synchronized (this) {
            closed = true;
            Tracked t = current;
            current = null;
            if (t != null) {
                closing = t.connection().closeAsync();
            }
            cache.invalidateAll();
        }
        if (closing != null) { // closed before the client shuts down, or the client closes it again (and Lettuce warns)
            NodeConnection.awaitClosed(java.util.List.of(closing), java.time.Duration.ofSeconds(2));
        }
        try {
            client.shutdown(java.time.Duration.ZERO, java.time.Duration.ofSeconds(2));
        } catch (RuntimeException e) {
            log.debug("near cache client shutdown", e);
        }
    }
}
