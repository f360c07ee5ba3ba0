package dev.haven.redis;

/**
 * Counters of a client's near cache since it was built.
 *
 * @param hits          GETs answered from memory
 * @param misses        GETs sent over the tracked connection (the entry then cached)
 * @param bypassed      GETs that could not use it (tracked connection unavailable) and were routed as usual
 * @param invalidations keys evicted by a server {@code invalidate} push (a {@code null} push counts as a flush)
 * @param flushes       whole-cache clears: flush pushes, reconnects of the tracked connection, primary changes
 * @param size          entries now (approximate)
 */
public record NearCacheStats(long hits, long misses, long bypassed, long invalidations, long flushes, long size) {
}
