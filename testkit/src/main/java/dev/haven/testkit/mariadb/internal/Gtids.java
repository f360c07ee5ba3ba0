package dev.haven.testkit.mariadb.internal;

import java.util.Map;
import java.util.TreeMap;

/**
 * MariaDB GTID positions ({@code @@gtid_binlog_pos}, {@code @@gtid_slave_pos}): a comma-separated list of
 * {@code domain-server-sequence}, one per replication domain. Sequence numbers grow per domain across servers (a
 * promoted replica continues the domain's numbering), so comparing per domain is enough.
 */
public final class Gtids {

    private Gtids() {
    }

    /** Domain → highest sequence number; an empty or null position is the empty map. */
    public static Map<Long, Long> parse(String position) {
        Map<Long, Long> out = new TreeMap<>();
        if (position == null || position.isBlank()) {
            return out;
        }
        for (String gtid : position.split(",")) {
            String g = gtid.trim();
            if (g.isEmpty()) {
                continue;
            }
            String[] parts = g.split("-");
            if (parts.length != 3) {
                throw new IllegalArgumentException("Not a MariaDB GTID (domain-server-sequence): '" + g + "' in '" + position + "'");
            }
            out.merge(Long.parseLong(parts[0]), Long.parseLong(parts[2]), Math::max);
        }
        return out;
    }

    /** Transactions in {@code ahead} that {@code behind} lacks, summed over domains (0 when caught up or ahead). */
    public static long transactionsBehind(String ahead, String behind) {
        Map<Long, Long> a = parse(ahead);
        Map<Long, Long> b = parse(behind);
        long sum = 0;
        for (Map.Entry<Long, Long> e : a.entrySet()) {
            sum += Math.max(0, e.getValue() - b.getOrDefault(e.getKey(), 0L));
        }
        return sum;
    }

    /** Sum of the sequence numbers over domains: orders the positions of replicas of one primary. */
    public static long total(String position) {
        return parse(position).values().stream().mapToLong(Long::longValue).sum();
    }
}
