package dev.haven.redis.internal;

import dev.haven.HavenSession;
import dev.haven.Position;
import io.lettuce.core.api.StatefulRedisConnection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Read-your-writes state of one {@code HavenRedisConnection}: how many writes it made, the primary's replication
 * offset known to cover all of them, and the connection that carried the last write (for {@code WAIT}).
 *
 * <p>The offset is resolved lazily: a write only bumps a counter; the first {@code SESSION} read after it asks the
 * primary for {@code master_repl_offset} on the very connection that carried the write. Redis answers commands of
 * one connection in order, so that offset includes the write. A burst of writes costs one {@code INFO} at the next
 * read, and sessions that never read with {@code SESSION} pay nothing.
 *
 * <p>Linked to a {@link HavenSession} (the session of a whole request flow, across stores and processes), every write
 * is also registered there as a pending write of this cluster, resolved the same lazy way when the application asks
 * for the token or a {@code SESSION} read needs the mark; the mark is the primary's epoch at the write and the offset.
 * A {@code SESSION} read then goes by the {@link HavenSession}'s mark, which covers this connection's writes, other
 * connections' and those of earlier requests carried in by the token.
 */
public final class Session {

    private final AtomicLong writes = new AtomicLong();
    private long resolvedWrites; // guarded by this
    private volatile long position = Long.MIN_VALUE;
    private volatile StatefulRedisConnection<String, String> lastWriteConnection;
    private volatile long lastWriteEpoch;

    private final HavenSession haven; // null: this connection's writes only
    private final String cluster;
    private final LongSupplier writerEpoch;
    private final Supplier<HavenSession.Mark> pendingMark;

    /** A session of one connection's own writes. */
    public Session() {
        this(null, null, null, () -> 0);
    }

    /**
     * A session that also records its writes in {@code haven} under {@code cluster}.
     *
     * @param source      the primary's offset after the writes, asked (blocking) when the mark is needed
     * @param writerEpoch the monitor's current writer epoch
     */
    Session(HavenSession haven, String cluster, PositionSource source, LongSupplier writerEpoch) {
        this.haven = haven;
        this.cluster = cluster;
        this.writerEpoch = writerEpoch;
        this.pendingMark = haven == null ? null : () -> new HavenSession.Mark(lastWriteEpoch, Position.offset(position(source)));
    }

    void onWrite(StatefulRedisConnection<String, String> via) {
        lastWriteConnection = via;
        lastWriteEpoch = writerEpoch.getAsLong();
        writes.incrementAndGet();
        if (haven != null) {
            haven.recordPendingWrite(cluster, pendingMark); // after the count: resolving it covers this write
        }
    }

    /**
     * The position a SESSION read must reach: with a linked {@link HavenSession}, its mark for this cluster (a mark of
     * another epoch than the current writer's is {@code Long.MAX_VALUE}, which only the primary satisfies: offsets of
     * two primaries are not compared); otherwise {@link #position}. Blocks for unresolved offsets.
     */
    long readPosition(PositionSource source) {
        return haven == null ? position(source) : linkedPosition();
    }

    /** {@link #readPosition} without blocking on this connection's own writes. */
    CompletionStage<Long> readPositionAsync(AsyncPositionSource source, java.util.concurrent.Executor executor) {
        if (haven == null) {
            return positionAsync(source);
        }
        // Our own writes are resolved without blocking. The session's other pending writes (other connections) are
        // asked by mark(), one INFO each, bounded by the command timeout: on the executor, never on the thread that
        // completed our INFO (a Lettuce event loop, which would stall every connection it serves while it waits).
        return positionAsync(source).thenApplyAsync(own -> linkedPosition(), executor);
    }

    private long linkedPosition() {
        HavenSession.Mark m = haven.mark(cluster).orElse(null);
        if (m == null) {
            return Long.MIN_VALUE;
        }
        // a mark of another kind (not a Redis offset) is no mark any replica reaches
        return m.epoch() == writerEpoch.getAsLong() && m.position() instanceof Position.Offset o ? o.value() : Long.MAX_VALUE;
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
