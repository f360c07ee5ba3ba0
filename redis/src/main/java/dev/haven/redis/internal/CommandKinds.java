package dev.haven.redis.internal;

import java.util.Set;

/**
 * Which Lettuce command methods are reads (may go to a replica), which are refused on Haven's shared, routed
 * connections, and, by default, everything else is a write (goes to the primary, never re-sent when its outcome is
 * unknown). Classified by method name: Lettuce names its methods after the commands.
 */
public final class CommandKinds {

    public enum Kind { READ, WRITE, UNSUPPORTED, LOCAL }

    /** Read-only commands routed by consistency. Documented in the module README. */
    static final Set<String> READS = Set.of(
            // strings and keys
            "get", "mget", "getrange", "strlen", "exists", "ttl", "pttl", "expiretime", "pexpiretime", "type", "keys",
            "scan", "randomkey", "dbsize", "dump", "getbit", "bitcount", "bitpos", "lcs", "stralgoLcs",
            "objectEncoding", "objectIdletime", "objectFreq", "objectRefcount", "memoryUsage", "echo", "ping",
            "sortReadOnly", "touch",
            // hashes
            "hget", "hmget", "hgetall", "hkeys", "hvals", "hlen", "hexists", "hstrlen", "hscan", "hrandfield",
            "hrandfieldWithvalues", "httl", "hpttl", "hexpiretime", "hpexpiretime",
            // lists
            "lrange", "llen", "lindex", "lpos",
            // sets
            "smembers", "sismember", "smismember", "scard", "srandmember", "sscan", "sinter", "sunion", "sdiff",
            "sintercard",
            // sorted sets
            "zrange", "zrangeWithScores", "zrangebyscore", "zrangebyscoreWithScores", "zrevrange", "zrevrangeWithScores",
            "zrevrangebyscore", "zrevrangebyscoreWithScores", "zrangebylex", "zrevrangebylex", "zscore", "zmscore",
            "zrank", "zrankWithScore", "zrevrank", "zrevrankWithScore", "zcard", "zcount", "zlexcount", "zscan",
            "zrandmember", "zrandmemberWithScores", "zinter", "zinterWithScores", "zunion", "zunionWithScores", "zdiff",
            "zdiffWithScores", "zintercard",
            // hyperloglog, geo, streams
            "pfcount", "geopos", "geodist", "geohash", "geosearch",
            "xrange", "xrevrange", "xlen", "xread", "xinfoStream", "xinfoGroups", "xinfoConsumers", "xpending",
            // scripts and functions declared read-only
            "evalReadOnly", "evalshaReadOnly", "fcallReadOnly");

    /**
     * Refused: they hold connection state (transactions, database, auth, subscriptions) or block it (BLPOP...), which a
     * shared, multiplexed, per-call routed connection cannot give.
     */
    static final Set<String> UNSUPPORTED = Set.of(
            "multi", "exec", "discard", "watch", "unwatch", "select", "auth", "quit", "readOnly", "readWrite",
            "clientSetname", "clientSetinfo", "clientTracking", "clientPause", "clientKill",
            "swapdb", "getStatefulConnection", "shutdown", "debugSegfault", "debugCrashAndRecover",
            "blpop", "brpop", "brpoplpush", "blmove", "blmpop", "bzpopmin", "bzpopmax", "bzmpop",
            "waitForReplication"); // waitForReplication: handled as WAIT on the session's write connection

    /** Answered by the proxy itself. */
    static final Set<String> LOCAL = Set.of("isOpen", "toString", "hashCode", "equals");

    private CommandKinds() {
    }

    public static Kind of(String methodName) {
        if (READS.contains(methodName)) {
            return Kind.READ;
        }
        if (UNSUPPORTED.contains(methodName)) {
            return Kind.UNSUPPORTED;
        }
        if (LOCAL.contains(methodName)) {
            return Kind.LOCAL;
        }
        return Kind.WRITE;
    }
}
