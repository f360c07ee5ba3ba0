package dev.haven.redis.internal;

import io.lettuce.core.api.StatefulRedisConnection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Read-your-writes state of one {@code HavenRedisConnection}: how many writes it made, the primary's replication
 * offset known to cover all of them, and the connection that carried the last write (for {@code WAIT}).
 *
 * <p>The offset is resolved lazily: a write only bumps a counter; the first {@code SESSION} read after it asks the
 * primary for {@code master_repl_offset} on the very connection that carried the write. Redis answers commands of
 * one connection in order, so that offset includes the write. A burst of writes costs one {@code INFO} at the next
 * read, and sessions that never read with {@code SESSION} pay nothing.
 */
public final class Session {

    private final AtomicLong writes = new AtomicLong();
    private long resolvedWrites; // guarded by this
    private volatile long position = Long.MIN_VALUE;
    private volatile StatefulRedisConnection<String, String> lastWriteConnection;

    void onWrite(StatefulRedisConnection<String, String> via) {
        lastWriteConnection = via;
        writes.incrementAndGet();
    }

    StatefulRedisConnection<String, String> lastWriteConnection() {
        return lastWriteConnection;
    }

    long writes() {
        return writes.get();
    }

    /** The position a SESSION read must reach; {@code Long.MIN_VALUE} before any write. Blocks for the offset. */
    long position(PositionSource source) {
        long w = writes.get();
        if (w == 0) {
            return Long.MIN_VALUE;
        }
        synchronized (this) {
            if (resolvedWrites >= w) {
                return position;
            }
            return record(w, source.offsetAfter(lastWriteConnection));
        }
    }

    /**
     * {@link #position} without blocking: the offset is asked asynchronously when writes are unresolved. Concurrent
     * callers may each ask; every answer covers the writes counted before it was asked, so the highest one is kept.
     */
    CompletionStage<Long> positionAsync(AsyncPositionSource source) {
        long w = writes.get();
        if (w == 0) {
            return CompletableFuture.completedFuture(Long.MIN_VALUE);
        }
        StatefulRedisConnection<String, String> via;
        synchronized (this) {
            if (resolvedWrites >= w) {
                return CompletableFuture.completedFuture(position);
            }
            via = lastWriteConnection; // read after the count: it carried the w-th write or a later one
        }
        return source.offsetAfterAsync(via).thenApply(p -> {
            synchronized (this) {
                return record(w, p);
            }
        });
    }

    /** Guarded by this: {@code p} was read after the first {@code w} writes. */
    private long record(long w, long p) {
        if (p == Long.MAX_VALUE) {
            return p; // unknown: only the primary qualifies; do not remember, ask again next time
        }
        position = Math.max(position, p);
        resolvedWrites = Math.max(resolvedWrites, w);
        return position;
    }

    /** The primary's offset read on {@code via} after the session's writes, or {@code Long.MAX_VALUE} if unknown. */
    interface PositionSource {
        long offsetAfter(StatefulRedisConnection<String, String> via);
    }

    /** {@link PositionSource} without blocking; the stage never fails (unknown is {@code Long.MAX_VALUE}). */
    interface AsyncPositionSource {
        CompletionStage<Long> offsetAfterAsync(StatefulRedisConnection<String, String> via);
    }
}
