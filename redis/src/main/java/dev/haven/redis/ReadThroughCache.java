package dev.haven.redis;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.sync.RedisCommands;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cache-aside in front of a database: {@link #get} reads Redis, and on a miss runs the loader (typically a
 * {@code HavenDataSource} query) and stores its answer with a TTL; {@link #write} runs a database write and then deletes
 * the key. Redis is an optimisation only:
 *
 * <ul>
 *   <li><b>Redis down</b>: every Redis call has its own deadline ({@code redisTimeout}, default 100 ms) and goes through a
 *       circuit breaker; a failure or an open breaker means "read the database", never an error to the caller.</li>
 *   <li><b>Single flight</b>: concurrent {@code get}s of one key share one Redis lookup and at most one loader call
 *       (a map of in-flight futures, each removed when it completes; at most {@code maxInFlight} keys).</li>
 *   <li><b>Writes</b>: the key is deleted after the database write (also when it failed: its outcome may be unknown).
 *       A delete that cannot reach Redis is remembered and retried before the key is read from Redis again; until then
 *       that key is read from the database. A load that overlapped a write in this process does not store its (maybe
 *       old) answer.</li>
 * </ul>
 *
 * <pre>{@code
 * ReadThroughCache<Long, String> names = ReadThroughCache.<Long, String>builder(redis.reads(Consistency.SESSION), id -> {
 *             try (Connection c = dataSource.getConnection();
 *                  PreparedStatement ps = c.prepareStatement("select name from users where id = ?")) {
 *                 ps.setLong(1, id);
 *                 try (ResultSet rs = ps.executeQuery()) { return rs.next() ? rs.getString(1) : null; }
 *             }
 *         })
 *         .key(id -> "user:name:" + id).ttl(Duration.ofMinutes(5)).build();
 * names.get(42L);
 * names.write(42L, () -> dataSource.transaction(c -> update(c, 42L, "Ada")));
 * }</pre>
 *
 * Pass a {@code SESSION} view of a {@code HavenRedisConnection}: the cache then reads its own {@code SET}/{@code DEL}
 * back; a bounded view may read a lagging replica that still has a value {@link #write} just deleted.
 * Values are stored as strings ({@link Builder#codec}); a {@code null} from the loader (no row) is returned and not stored.
 */
public final class ReadThroughCache<K, V> implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ReadThroughCache.class);
    private static final int STRIPES = 1024;
    private static final int MAX_PENDING_DELETES = 100_000;

    /** The database read of one key; {@code null} = no such row. */
    @FunctionalInterface
    public interface Loader<K, V> {
        V load(K key) throws SQLException;
    }

    /** A database write. */
    @FunctionalInterface
    public interface SqlCall<R> {
        R run() throws SQLException;
    }

    /** Counters since creation. {@code redisFailures} = Redis calls that failed or timed out (the database answered). */
    public record Stats(long redisHits, long redisMisses, long loads, long redisFailures, long redisSkipped,
            long singleFlightJoins, int pendingDeletes, String breakerState) {
    }

    private final RedisCommands<String, String> redis;
    private final Loader<K, V> loader;
    private final Function<K, String> key;
    private final Function<V, String> encode;
    private final Function<String, V> decode;
    private final Duration ttl;
    private final long redisTimeoutNanos;
    private final int maxInFlight;
    private final CircuitBreaker breaker;
    private final ThreadPoolExecutor executor;
    private final ConcurrentHashMap<String, CompletableFuture<V>> inFlight = new ConcurrentHashMap<>();
    private final AtomicLongArray writeVersions = new AtomicLongArray(STRIPES);
    private final Set<String> pendingDeletes = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean draining = new AtomicBoolean();
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder loads = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final LongAdder skipped = new LongAdder();
    private final LongAdder joins = new LongAdder();

    private ReadThroughCache(Builder<K, V> b) {
        this.redis = b.redis;
        this.loader = b.loader;
        this.key = b.key;
        this.encode = b.encode;
        this.decode = b.decode;
        this.ttl = b.ttl;
        this.redisTimeoutNanos = b.redisTimeout.toNanos();
        this.maxInFlight = b.maxInFlight;
        this.breaker = CircuitBreaker.of("haven-read-through", CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(20).minimumNumberOfCalls(5).failureRateThreshold(50)
                .waitDurationInOpenState(b.breakerOpenFor).permittedNumberOfCallsInHalfOpenState(2)
                .build());
        AtomicInteger n = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(b.redisThreads, b.redisThreads, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(4 * b.maxInFlight), r -> {
                    Thread t = new Thread(r, "haven-read-through-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        this.executor.allowCoreThreadTimeOut(true);
    }

    public static <K, V> Builder<K, V> builder(RedisCommands<String, String> redis, Loader<K, V> loader) {
        return new Builder<>(redis, loader);
    }

    /**
     * The value of {@code k}: from Redis, else from the loader (then stored in Redis). Concurrent calls for one key
     * share one lookup. Redis failures are not surfaced; loader failures are.
     */
    public V get(K k) throws SQLException {
        String rk = Objects.requireNonNull(key.apply(k), "key function returned null");
        CompletableFuture<V> mine = new CompletableFuture<>();
        CompletableFuture<V> leader = inFlight.size() < maxInFlight ? inFlight.putIfAbsent(rk, mine) : null;
        if (leader != null) {
            joins.increment();
            return await(leader);
        }
        try {
            V v = lookup(k, rk);
            mine.complete(v);
            return v;
        } catch (SQLException | RuntimeException | Error e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            inFlight.remove(rk, mine);
        }
    }

    /** Runs {@code dbWrite}, then deletes {@code k}'s Redis entry (retried later if Redis cannot be reached). */
    public <R> R write(K k, SqlCall<R> dbWrite) throws SQLException {
        String rk = Objects.requireNonNull(key.apply(k), "key function returned null");
        int stripe = stripe(rk);
        writeVersions.incrementAndGet(stripe); // loads running now must not store what they read
        try {
            return dbWrite.run();
        } finally {
            writeVersions.incrementAndGet(stripe);
            delete(rk);
        }
    }

    /** Deletes {@code k}'s Redis entry (e.g. after a write made elsewhere in this process). */
    public void invalidate(K k) {
        String rk = Objects.requireNonNull(key.apply(k), "key function returned null");
        writeVersions.incrementAndGet(stripe(rk));
        delete(rk);
    }

    public Stats stats() {
        return new Stats(hits.sum(), misses.sum(), loads.sum(), failures.sum(), skipped.sum(), joins.sum(),
                pendingDeletes.size(), breaker.getState().name());
    }

    private V lookup(K k, String rk) throws SQLException {
        int stripe = stripe(rk);
        long version = writeVersions.get(stripe);
        drainPendingDeletes();
        boolean redisUsable = !pendingDeletes.contains(rk); // its delete has not reached Redis: Redis may be stale
        if (redisUsable) {
            try {
                String cached = redisCall(() -> redis.get(rk));
                if (cached != null) {
                    hits.increment();
                    return decode.apply(cached);
                }
                misses.increment();
            } catch (RedisUnavailable e) {
                redisUsable = false;
            }
        } else {
            skipped.increment();
        }
        loads.increment();
        V v = loader.load(k);
        if (v != null && redisUsable && writeVersions.get(stripe) == version) {
            String encoded = encode.apply(v);
            try {
                redisCall(() -> redis.set(rk, encoded, SetArgs.Builder.px(ttl)));
                if (writeVersions.get(stripe) != version) {
                    delete(rk); // a write overtook this load while we stored it
                }
            } catch (RedisUnavailable e) {
                // not stored: the next reader loads again
            }
        }
        return v;
    }

    private void delete(String rk) {
        try {
            redisCall(() -> redis.del(rk));
            pendingDeletes.remove(rk);
        } catch (RedisUnavailable e) {
            if (pendingDeletes.size() < MAX_PENDING_DELETES) {
                pendingDeletes.add(rk);
            } else {
                log.warn("ReadThroughCache: more than {} deletes could not reach Redis; {} may be served stale until its TTL ({})",
                        MAX_PENDING_DELETES, rk, ttl);
            }
        }
    }

    private void drainPendingDeletes() {
        if (pendingDeletes.isEmpty() || !breaker.tryAcquirePermission()) {
            return;
        }
        breaker.releasePermission();
        if (!draining.compareAndSet(false, true)) {
            return;
        }
        try {
            List<String> batch = new ArrayList<>();
            for (String k : pendingDeletes) {
                batch.add(k);
                if (batch.size() == 500) {
                    break;
                }
            }
            String[] keys = batch.toArray(String[]::new);
            redisCall(() -> redis.del(keys));
            batch.forEach(pendingDeletes::remove);
        } catch (RedisUnavailable e) {
            // still down: retried by a later call
        } finally {
            draining.set(false);
        }
    }

    /** Redis is not usable for this call (failure, timeout, open breaker, saturated executor). */
    private static final class RedisUnavailable extends Exception {
        RedisUnavailable() {
            super(null, null, false, false);
        }
    }

    private <T> T redisCall(java.util.function.Supplier<T> call) throws RedisUnavailable {
        if (!breaker.tryAcquirePermission()) {
            failures.increment();
            throw new RedisUnavailable();
        }
        long t0 = System.nanoTime();
        Future<T> f;
        try {
            f = executor.submit(call::get);
        } catch (RejectedExecutionException e) {
            breaker.releasePermission();
            failures.increment();
            throw new RedisUnavailable();
        }
        try {
            T r = f.get(redisTimeoutNanos, TimeUnit.NANOSECONDS);
            breaker.onSuccess(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
            return r;
        } catch (InterruptedException e) {
            f.cancel(true);
            breaker.releasePermission();
            Thread.currentThread().interrupt();
            throw new RedisUnavailable();
        } catch (TimeoutException | ExecutionException e) {
            f.cancel(true); // frees the thread stuck in a routed call
            breaker.onError(System.nanoTime() - t0, TimeUnit.NANOSECONDS, e instanceof ExecutionException ee ? ee.getCause() : e);
            failures.increment();
            log.debug("ReadThroughCache: Redis call failed ({}), using the database", e.toString());
            throw new RedisUnavailable();
        }
    }

    private V await(CompletableFuture<V> f) throws SQLException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("Interrupted while waiting for a concurrent load of the same key", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof SQLException se) {
                throw se;
            }
            if (c instanceof RuntimeException re) {
                throw re;
            }
            if (c instanceof Error er) {
                throw er;
            }
            throw new SQLException(c);
        }
    }

    private static int stripe(String rk) {
        int h = rk.hashCode();
        return (h ^ (h >>> 16)) & (STRIPES - 1);
    }

    /** Stops the Redis call threads (the Redis client and the data source belong to the caller). */
    @Override
    public void close() {
        executor.shutdownNow();
    }

    public static final class Builder<K, V> {
        private final RedisCommands<String, String> redis;
        private final Loader<K, V> loader;
        private Function<K, String> key = String::valueOf;
        private Function<V, String> encode;
        private Function<String, V> decode;
        private Duration ttl = Duration.ofMinutes(5);
        private Duration redisTimeout = Duration.ofMillis(100);
        private Duration breakerOpenFor = Duration.ofSeconds(5);
        private int maxInFlight = 10_000;
        private int redisThreads = 8;

        private Builder(RedisCommands<String, String> redis, Loader<K, V> loader) {
            this.redis = Objects.requireNonNull(redis, "redis");
            this.loader = Objects.requireNonNull(loader, "loader");
        }

        /** Redis key of an application key (default {@code String.valueOf}); use a prefix per cache. */
        public Builder<K, V> key(Function<K, String> key) {
            this.key = Objects.requireNonNull(key, "key");
            return this;
        }

        /** How values are stored in Redis; required unless {@code V} is {@code String}. */
        public Builder<K, V> codec(Function<V, String> encode, Function<String, V> decode) {
            this.encode = Objects.requireNonNull(encode, "encode");
            this.decode = Objects.requireNonNull(decode, "decode");
            return this;
        }

        /** TTL of stored values (default 5 min): also bounds staleness from writes made outside this cache. */
        public Builder<K, V> ttl(Duration ttl) {
            this.ttl = ttl;
            return this;
        }

        /** Deadline of one Redis call before the database is used instead (default 100 ms). */
        public Builder<K, V> redisTimeout(Duration d) {
            this.redisTimeout = d;
            return this;
        }

        /** How long the breaker keeps Redis out after it opened (default 5 s). */
        public Builder<K, V> breakerOpenFor(Duration d) {
            this.breakerOpenFor = d;
            return this;
        }

        /** Keys with a load in flight at most (default 10,000); beyond, calls load without single flight. */
        public Builder<K, V> maxInFlight(int n) {
            this.maxInFlight = n;
            return this;
        }

        /** Threads that run Redis calls under their deadline (default 8). */
        public Builder<K, V> redisThreads(int n) {
            this.redisThreads = n;
            return this;
        }

        @SuppressWarnings("unchecked")
        public ReadThroughCache<K, V> build() {
            if (ttl == null || ttl.toMillis() < 1) {
                throw new IllegalArgumentException("ttl must be >= 1ms: was " + ttl);
            }
            if (redisTimeout == null || redisTimeout.toMillis() < 1) {
                throw new IllegalArgumentException("redisTimeout must be >= 1ms: was " + redisTimeout);
            }
            if (breakerOpenFor == null || breakerOpenFor.toMillis() < 1) {
                throw new IllegalArgumentException("breakerOpenFor must be >= 1ms: was " + breakerOpenFor);
            }
            if (maxInFlight < 1) {
                throw new IllegalArgumentException("maxInFlight must be >= 1: was " + maxInFlight);
            }
            if (redisThreads < 1 || redisThreads > 256) {
                throw new IllegalArgumentException("redisThreads must be in 1..256: was " + redisThreads);
            }
            if (encode == null) {
                encode = v -> (String) v;  // V = String; a wrong guess fails with ClassCastException at the first store
                decode = s -> (V) s;
            }
            return new ReadThroughCache<>(this);
        }
    }
}
