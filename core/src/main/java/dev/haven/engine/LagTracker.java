package dev.haven.engine;

import dev.haven.Position;

/**
 * Measures replica staleness from a short history of writer positions, as DESIGN.md prescribes.
 *
 * <p>Each sample {@code (t, p)} says: every write acknowledged before {@code t} has a position
 * {@code <= p} (callers take {@code t} <em>before</em> asking the writer for its position). A replica
 * that has replayed up to position {@code r} therefore holds every write acknowledged before the newest
 * sample time {@code t} with {@code p <= r}: it is fresh as of {@code t}, and its staleness at any later
 * {@code now} is at most {@code now - t}. The bound is conservative, stays correct when the writer is
 * idle (positions stop moving, sample times keep advancing), and unlike
 * {@code now() - pg_last_xact_replay_timestamp()} needs no clock agreement between servers.
 *
 * <p>A replica older than the whole history is "unknown" ({@link #UNKNOWN}): too stale for any bound.
 * Positions are only comparable within one writer lineage; {@link #reset()} when the writer changes.
 *
 * <p>Thread-safety: appends come from the monitor thread, lookups from the monitor too; methods are
 * synchronized (a few calls per probe round, never on the request path, which reads the
 * {@code freshAsOf} values the monitor publishes).
 */
public final class LagTracker {

    /** Returned by {@link #freshAsOf(Position)} when the history cannot vouch for a position. */
    public static final long UNKNOWN = Long.MIN_VALUE;

    private long[] times;
    private Position[] positions;
    private long epoch; // the writer lineage of every sample held
    private int size;
    private int head; // index of the oldest sample

    public LagTracker(int capacity) {
        if (capacity < 2) {
            throw new IllegalArgumentException("lag history capacity must be >= 2: was " + capacity);
        }
        this.times = new long[capacity];
        this.positions = new Position[capacity];
    }

    /** Records that at {@code timeNanos} (taken before the query) the writer was at {@code position}. */
    public synchronized void record(long timeNanos, Position position) {
        record(timeNanos, epoch, position);
    }

    /**
     * Records that at {@code timeNanos} (taken before the query) the writer of lineage {@code writerEpoch} was at
     * {@code position}; a sample of another lineage starts the history over.
     */
    public synchronized void record(long timeNanos, long writerEpoch, Position position) {
        if (size > 0) {
            int newest = index(size - 1);
            if (writerEpoch != epoch || !position.covers(positions[newest]) || timeNanos < times[newest]) {
                // Positions and times never go backwards within one writer; a regression means a new
                // lineage (failover or restore): start over rather than mix histories.
                size = 0;
                head = 0;
            }
        }
        if (size == times.length) {
            head = (head + 1) % times.length;
            size--;
        }
        epoch = writerEpoch;
        int slot = index(size);
        times[slot] = timeNanos;
        positions[slot] = position;
        size++;
    }

    /**
     * The time as of which a replica at {@code replicaPosition} is known to be complete: the newest
     * sample time whose writer position it covers, or {@link #UNKNOWN}.
     */
    public synchronized long freshAsOf(Position replicaPosition) {
        // Newest first: the answer is usually one of the last samples.
        for (int i = size - 1; i >= 0; i--) {
            int slot = index(i);
            if (replicaPosition.covers(positions[slot])) {
                return times[slot];
            }
        }
        return UNKNOWN;
    }

    /**
     * The writer's position in the oldest sample taken at or after {@code timeNanos}, with its lineage: it covers every
     * write acknowledged before {@code timeNanos}. {@code null} when no such sample is held yet (or any more).
     */
    public synchronized dev.haven.HavenSession.Mark writerMarkSince(long timeNanos) {
        for (int i = 0; i < size; i++) {
            int slot = index(i);
            if (times[slot] - timeNanos >= 0) {
                return new dev.haven.HavenSession.Mark(epoch, positions[slot]);
            }
        }
        return null;
    }

    /** Staleness in nanoseconds at {@code nowNanos} of a replica fresh as of {@code freshAsOf}. */
    public static long stalenessNanos(long freshAsOf, long nowNanos) {
        if (freshAsOf == UNKNOWN) {
            return Long.MAX_VALUE;
        }
        return Math.max(0, nowNanos - freshAsOf);
    }

    /** Grows the history to at least {@code capacity} samples, keeping the samples it has. */
    public synchronized void ensureCapacity(int capacity) {
        if (capacity <= times.length) {
            return;
        }
        long[] t = new long[capacity];
        Position[] p = new Position[capacity];
        for (int i = 0; i < size; i++) {
            t[i] = times[index(i)];
            p[i] = positions[index(i)];
        }
        times = t;
        positions = p;
        head = 0;
    }

    public synchronized int capacity() {
        return times.length;
    }

    public synchronized void reset() {
        size = 0;
        head = 0;
        java.util.Arrays.fill(positions, null);
    }

    public synchronized int size() {
        return size;
    }

    private int index(int i) {
        return (head + i) % times.length;
    }
}
