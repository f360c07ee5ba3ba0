package dev.haven;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Where a server is in its replication stream: how far a writer has written, or a replica has replayed. Opaque to
 * everything but the store that makes it; comparable only by {@link #covers}: a server at position {@code a} holds every
 * write a server at {@code b} holds when {@code a.covers(b)}.
 *
 * <p>Three kinds, one per way stores number their writes:
 * <ul>
 *   <li>{@link #offset(long)}: a single counter that only grows within one writer lineage (PostgreSQL WAL LSN in bytes,
 *       Redis {@code master_repl_offset}, DynamoDB heartbeat sequence and write times in µs);</li>
 *   <li>{@link #mariaDbGtid(String)}: MariaDB's GTID position, {@code domain-server-seq} per replication domain (with
 *       {@code gtid_strict_mode} the sequence grows within a domain, whichever server wrote it);</li>
 *   <li>{@link #mySqlGtidSet(String)}: MySQL's GTID set, {@code source_uuid[:tag]:interval[:interval]...} per source
 *       (a replica applying in parallel may have gaps: coverage is set inclusion, not a comparison of highest numbers).
 *       </li>
 * </ul>
 * Positions of different kinds never cover each other. Positions of two writer lineages (a PostgreSQL timeline, a
 * Redis primary's epoch) must not be compared: the epoch that travels beside a position ({@link HavenSession.Mark})
 * says which lineage it belongs to.
 *
 * <pre>{@code
 * Position written = Position.mySqlGtidSet("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-57");
 * Position replayed = Position.mySqlGtidSet("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-50:52-60");
 * replayed.covers(written); // false: transaction 51 is missing
 * }</pre>
 *
 * <p>Immutable and thread-safe; {@link #encode()} gives the compact text a session token carries, {@link #parse} reads
 * it back.
 */
public sealed interface Position permits Position.Offset, Position.MariaDbGtid, Position.MySqlGtidSet {

    /** A position no server ever reaches (a write whose position could not be learnt: read from the writer). */
    Position UNREACHABLE = new Offset(Long.MAX_VALUE);

    /** Whether a server at this position holds every write a server at {@code other} holds. */
    boolean covers(Position other);

    /**
     * The least position covering both this and {@code other}: the later of two offsets, the union of two GTID sets.
     * Positions of different kinds join to {@link #UNREACHABLE}: they never describe one lineage, and no replica can be
     * shown to hold both.
     */
    Position join(Position other);

    /** The compact text form {@link #parse} reads: hex for an offset, a one-letter kind then the GTIDs otherwise. */
    String encode();

    /** A single growing counter; {@code value} is compared as a signed {@code long}. */
    static Offset offset(long value) {
        return new Offset(value);
    }

    /**
     * MariaDB's GTID position as {@code @@gtid_binlog_pos}, {@code @@gtid_current_pos} or {@code @@gtid_slave_pos} give it:
     * comma-separated {@code domain-server-seq}, at most one per domain; blank for a server with no GTIDs yet.
     *
     * @throws IllegalArgumentException naming the rule and the value when it is not one
     */
    static MariaDbGtid mariaDbGtid(String gtidPos) {
        return MariaDbGtid.parse(gtidPos);
    }

    /**
     * MySQL's GTID set as {@code @@gtid_executed} gives it: comma-separated {@code uuid[:tag]:interval[:interval]...},
     * line breaks allowed; blank for the empty set.
     *
     * @throws IllegalArgumentException naming the rule and the value when it is not one
     */
    static MySqlGtidSet mySqlGtidSet(String gtidSet) {
        return MySqlGtidSet.parse(gtidSet);
    }

    /**
     * Reads what {@link #encode()} wrote.
     *
     * @throws IllegalArgumentException naming the rule and the value when it is not such a text
     */
    static Position parse(String encoded) {
        Objects.requireNonNull(encoded, "encoded");
        if (encoded.startsWith("g")) {
            return MariaDbGtid.parse(encoded.substring(1));
        }
        if (encoded.startsWith("u")) {
            return MySqlGtidSet.parse(encoded.substring(1));
        }
        if (encoded.isEmpty() || encoded.length() > 16 || !encoded.chars().allMatch(Position::isLowerHex)) {
            throw new IllegalArgumentException(
                    "a position must be 1 to 16 lowercase hex digits, or 'g'/'u' then GTIDs: was '" + shorten(encoded)
                            + "'");
        }
        return new Offset(Long.parseUnsignedLong(encoded, 16));
    }

    private static boolean isLowerHex(int c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    }

    private static String shorten(String s) {
        return s.length() > 120 ? s.substring(0, 117) + "..." : s;
    }

    /** A single counter: PostgreSQL LSN, Redis offset, a DynamoDB heartbeat sequence or write time. */
    record Offset(long value) implements Position {

        @Override
        public boolean covers(Position other) {
            return other instanceof Offset o && value >= o.value;
        }

        @Override
        public Position join(Position other) {
            if (!(other instanceof Offset o)) {
                return UNREACHABLE;
            }
            return o.value <= value ? this : other;
        }

        @Override
        public String encode() {
            return Long.toHexString(value);
        }

        @Override
        public String toString() {
            return Long.toString(value);
        }
    }

    /** MariaDB's GTID position: per replication domain, the sequence number of the last transaction. */
    final class MariaDbGtid implements Position {

        /** Domain id → {server id, sequence number} of the domain's last transaction. */
        private final TreeMap<Long, long[]> domains;

        private MariaDbGtid(TreeMap<Long, long[]> domains) {
            this.domains = domains;
        }

        static MariaDbGtid parse(String text) {
            TreeMap<Long, long[]> domains = new TreeMap<>();
            String s = text == null ? "" : text.strip();
            if (!s.isEmpty()) {
                for (String part : s.split(",", -1)) {
                    String[] f = part.strip().split("-", -1);
                    if (f.length != 3) {
                        throw invalid(text);
                    }
                    long domain = unsigned(f[0], 0xFFFF_FFFFL, text);
                    long server = unsigned(f[1], 0xFFFF_FFFFL, text);
                    long seq = unsigned(f[2], -1, text);
                    if (domains.put(domain, new long[] {server, seq}) != null) {
                        throw new IllegalArgumentException("a MariaDB GTID position must name each domain once: was '"
                                + shorten(text) + "'");
                    }
                }
            }
            return new MariaDbGtid(domains);
        }

        private static IllegalArgumentException invalid(String text) {
            return new IllegalArgumentException(
                    "a MariaDB GTID position must be comma-separated domain-server-seq (decimal): was '"
                            + shorten(String.valueOf(text)) + "'");
        }

        private static long unsigned(String digits, long max, String text) {
            if (digits.isEmpty() || digits.length() > 20 || !digits.chars().allMatch(Character::isDigit)) {
                throw invalid(text);
            }
            try {
                long v = Long.parseUnsignedLong(digits);
                if (max != -1 && Long.compareUnsigned(v, max) > 0) {
                    throw invalid(text);
                }
                return v;
            } catch (NumberFormatException e) {
                throw invalid(text);
            }
        }

        /** The sequence number of {@code domain}'s last transaction, or -1 when the position has none. */
        public long sequence(long domain) {
            long[] v = domains.get(domain);
            return v == null ? -1 : v[1];
        }

        @Override
        public boolean covers(Position other) {
            if (!(other instanceof MariaDbGtid o)) {
                return false;
            }
            for (Map.Entry<Long, long[]> e : o.domains.entrySet()) {
                long[] mine = domains.get(e.getKey());
                if (mine == null || Long.compareUnsigned(mine[1], e.getValue()[1]) < 0) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public Position join(Position other) {
            if (!(other instanceof MariaDbGtid o)) {
                return UNREACHABLE;
            }
            TreeMap<Long, long[]> joined = new TreeMap<>(domains);
            o.domains.forEach((d, v) -> joined.merge(d, v, (a, b) -> Long.compareUnsigned(a[1], b[1]) >= 0 ? a : b));
            return new MariaDbGtid(joined);
        }

        @Override
        public String encode() {
            return "g" + this;
        }

        /** Equal when the canonical text (sorted, intervals merged) is. */
        @Override
        public boolean equals(Object o) {
            return o instanceof MariaDbGtid g && toString().equals(g.toString());
        }

        @Override
        public int hashCode() {
            return toString().hashCode();
        }

        /** The position as MariaDB writes it. */
        @Override
        public String toString() {
            StringBuilder b = new StringBuilder();
            domains.forEach((d, v) -> {
                if (b.length() > 0) {
                    b.append(',');
                }
                b.append(Long.toUnsignedString(d)).append('-').append(Long.toUnsignedString(v[0])).append('-')
                        .append(Long.toUnsignedString(v[1]));
            });
            return b.toString();
        }
    }

    /** MySQL's GTID set: per source (server uuid, and tag on MySQL 8.3+), the transaction numbers it holds. */
    final class MySqlGtidSet implements Position {

        /** Source ({@code uuid} or {@code uuid:tag}, lower case) → sorted, disjoint, non-adjacent [start, end] pairs. */
        private final TreeMap<String, long[]> sources;

        private MySqlGtidSet(TreeMap<String, long[]> sources) {
            this.sources = sources;
        }

        static MySqlGtidSet parse(String text) {
            TreeMap<String, long[]> sources = new TreeMap<>();
            String s = text == null ? "" : text.replaceAll("\\s", "");
            if (!s.isEmpty()) {
                for (String part : s.split(",", -1)) {
                    String[] f = part.split(":", -1);
                    if (f.length < 2 || !isUuid(f[0])) {
                        throw invalid(text);
                    }
                    String uuid = f[0].toLowerCase(Locale.ROOT);
                    String source = uuid;
                    List<long[]> intervals = new ArrayList<>();
                    for (int i = 1; i < f.length; i++) {
                        if (!f[i].isEmpty() && !Character.isDigit(f[i].charAt(0))) {
                            // MySQL 8.3+ tagged GTIDs: the intervals after a tag belong to uuid:tag
                            if (!f[i].matches("[A-Za-z_][A-Za-z0-9_]{0,31}") || (i > 1 && intervals.isEmpty())) {
                                throw invalid(text);
                            }
                            if (!intervals.isEmpty()) {
                                sources.put(source, merge(sources.get(source), intervals));
                                intervals = new ArrayList<>();
                            }
                            source = uuid + ":" + f[i].toLowerCase(Locale.ROOT);
                            continue;
                        }
                        intervals.add(interval(f[i], text));
                    }
                    if (intervals.isEmpty()) {
                        throw invalid(text);
                    }
                    sources.put(source, merge(sources.get(source), intervals));
                }
            }
            return new MySqlGtidSet(sources);
        }

        private static boolean isUuid(String s) {
            return s.matches("[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}");
        }

        private static long[] interval(String f, String text) {
            String[] ends = f.split("-", -1);
            if (ends.length > 2) {
                throw invalid(text);
            }
            long start = number(ends[0], text);
            long end = ends.length == 2 ? number(ends[1], text) : start;
            if (start < 1 || end < start) {
                throw invalid(text);
            }
            return new long[] {start, end};
        }

        private static long number(String digits, String text) {
            if (digits.isEmpty() || digits.length() > 19 || !digits.chars().allMatch(Character::isDigit)) {
                throw invalid(text);
            }
            return Long.parseLong(digits);
        }

        private static IllegalArgumentException invalid(String text) {
            return new IllegalArgumentException(
                    "a MySQL GTID set must be comma-separated uuid[:tag]:start[-end][:start[-end]]...: was '"
                            + shorten(String.valueOf(text)) + "'");
        }

        /** {@code existing} (flat pairs, may be null) and {@code more}, sorted and merged into flat pairs. */
        private static long[] merge(long[] existing, List<long[]> more) {
            List<long[]> all = new ArrayList<>(more);
            if (existing != null) {
                for (int i = 0; i < existing.length; i += 2) {
                    all.add(new long[] {existing[i], existing[i + 1]});
                }
            }
            all.sort((a, b) -> Long.compare(a[0], b[0]));
            long[] out = new long[all.size() * 2];
            int n = 0;
            for (long[] iv : all) {
                if (n > 0 && iv[0] <= out[n - 1] + 1) {
                    out[n - 1] = Math.max(out[n - 1], iv[1]);
                } else {
                    out[n++] = iv[0];
                    out[n++] = iv[1];
                }
            }
            return Arrays.copyOf(out, n);
        }

        /** Whether the set holds transaction {@code number} of {@code source} ({@code uuid} or {@code uuid:tag}). */
        public boolean contains(String source, long number) {
            long[] iv = sources.get(source.toLowerCase(Locale.ROOT));
            if (iv == null) {
                return false;
            }
            for (int i = 0; i < iv.length; i += 2) {
                if (number >= iv[i] && number <= iv[i + 1]) {
                    return true;
                }
            }
            return false;
        }

        /** How many transactions the set holds. */
        public long size() {
            long n = 0;
            for (long[] iv : sources.values()) {
                for (int i = 0; i < iv.length; i += 2) {
                    n += iv[i + 1] - iv[i] + 1;
                }
            }
            return n;
        }

        @Override
        public boolean covers(Position other) {
            if (!(other instanceof MySqlGtidSet o)) {
                return false;
            }
            for (Map.Entry<String, long[]> e : o.sources.entrySet()) {
                long[] mine = sources.get(e.getKey());
                long[] theirs = e.getValue();
                if (mine == null) {
                    return false;
                }
                // Both sorted and merged: every interval of theirs must lie inside one of mine.
                int j = 0;
                for (int i = 0; i < theirs.length; i += 2) {
                    while (j < mine.length && mine[j + 1] < theirs[i]) {
                        j += 2;
                    }
                    if (j >= mine.length || mine[j] > theirs[i] || mine[j + 1] < theirs[i + 1]) {
                        return false;
                    }
                }
            }
            return true;
        }

        @Override
        public Position join(Position other) {
            if (!(other instanceof MySqlGtidSet o)) {
                return UNREACHABLE;
            }
            TreeMap<String, long[]> joined = new TreeMap<>(sources);
            o.sources.forEach((src, iv) -> {
                List<long[]> pairs = new ArrayList<>();
                for (int i = 0; i < iv.length; i += 2) {
                    pairs.add(new long[] {iv[i], iv[i + 1]});
                }
                joined.put(src, merge(joined.get(src), pairs));
            });
            return new MySqlGtidSet(joined);
        }

        @Override
        public String encode() {
            return "u" + this;
        }

        /** Equal when the canonical text (sorted, intervals merged) is. */
        @Override
        public boolean equals(Object o) {
            return o instanceof MySqlGtidSet g && toString().equals(g.toString());
        }

        @Override
        public int hashCode() {
            return toString().hashCode();
        }

        /** The set as MySQL writes it (without line breaks). */
        @Override
        public String toString() {
            StringBuilder b = new StringBuilder();
            sources.forEach((src, iv) -> {
                if (b.length() > 0) {
                    b.append(',');
                }
                b.append(src);
                for (int i = 0; i < iv.length; i += 2) {
                    b.append(':').append(iv[i]);
                    if (iv[i + 1] != iv[i]) {
                        b.append('-').append(iv[i + 1]);
                    }
                }
            });
            return b.toString();
        }
    }
}
