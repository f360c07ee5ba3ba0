package dev.haven;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Read-your-writes for {@link Consistency#SESSION} reads: remembers, per cluster, where the last write made through it
 * landed (the writer's epoch and position), so that a later {@code SESSION} read goes to a replica that has replayed
 * it, or to the writer. It travels between requests and processes as a short {@link #token()}: give it back to the
 * client (a header, a cookie) and continue the session with {@link #fromToken}.
 *
 * <pre>{@code
 * HavenSession session = HavenSession.fromToken(request.getHeader("X-Haven-Session")); // empty for null
 * try (Connection c = dataSource.getConnection()) {
 *     c.unwrap(HavenConnection.class).session(session);
 *     c.createStatement().executeUpdate("UPDATE accounts SET name = 'x' WHERE id = 1");    // recorded
 * }
 * try (Connection c = dataSource.getConnection()) {
 *     c.setReadOnly(true);
 *     HavenConnection hc = c.unwrap(HavenConnection.class);
 *     hc.session(session);
 *     hc.consistency(Consistency.SESSION);  // a replica that has the update, else the writer
 *     ...
 * }
 * response.setHeader("X-Haven-Session", session.token());
 * }</pre>
 *
 * <p>Thread-safe; a write only ever moves a cluster's mark forward (a higher epoch, or the same epoch and a higher
 * position). Tokens carry cluster names, epochs and positions, nothing secret. A token's marks for clusters a client
 * does not serve are kept and passed on untouched, so one token serves every store and cluster of a request flow.
 * After a failover to a new epoch (PostgreSQL timeline) a mark from an older epoch sends {@code SESSION} reads to the
 * writer until the session writes again: positions of different epochs are never compared.
 */
public final class HavenSession {

    /**
     * Token format version 1: {@code hs1} then {@code ;<cluster>@<epoch hex>:<position>} per cluster, the position as
     * {@link Position#encode()} writes it (hex for an offset, {@code g}/{@code u} and GTIDs for MariaDB/MySQL).
     */
    private static final String V1 = "hs1";
    private static final int MAX_TOKEN = 4096;
    private static final Pattern ENTRY = Pattern.compile(
            "([A-Za-z0-9._-]{1,64})@([0-9a-f]{1,16}):([0-9a-f]{1,16}|g[0-9,-]{0,4000}|u[0-9A-Za-z:,_-]{0,4000})");

    /**
     * Where one cluster's latest write of the session landed.
     *
     * @param epoch    the writer's epoch at the write (PostgreSQL: the timeline)
     * @param position the writer's position after the write (PostgreSQL: the WAL insert LSN; MySQL: the GTID set);
     *                 {@link Position#UNREACHABLE} when it could not be learnt, which sends SESSION reads to the writer
     */
    public record Mark(long epoch, Position position) {

        public Mark {
            Objects.requireNonNull(position, "position");
        }

        /** Whether this mark is at or after {@code other}: a higher epoch, or the same epoch and a covering position. */
        public boolean covers(Mark other) {
            return epoch > other.epoch || (epoch == other.epoch && position.covers(other.position));
        }

        /** The later of two marks; of one epoch, a mark covering both (a session's writes on several threads). */
        Mark join(Mark other) {
            if (epoch != other.epoch) {
                return epoch > other.epoch ? this : other;
            }
            return covers(other) ? this : other.covers(this) ? other : new Mark(epoch, position.join(other.position));
        }
    }

    private final Map<String, Mark> marks = new ConcurrentHashMap<>();
    /** Writes whose mark a store resolves on demand (Redis asks the primary's offset only when needed), per source. */
    private final Map<Supplier<Mark>, String> pending = new ConcurrentHashMap<>();

    private HavenSession() {
    }

    /** A new session without writes. */
    public static HavenSession create() {
        return new HavenSession();
    }

    /**
     * Continues a session from its {@link #token()}; {@code null} or blank gives a new session.
     *
     * @throws IllegalArgumentException when the token is not one {@code token()} writes (naming the rule and the
     *                                  value): a read is never routed on a guess
     */
    public static HavenSession fromToken(String token) {
        HavenSession s = new HavenSession();
        if (token == null || token.isBlank()) {
            return s;
        }
        if (token.length() > MAX_TOKEN) {
            throw invalid("must be at most " + MAX_TOKEN + " characters", token);
        }
        String[] parts = token.trim().split(";", -1);
        if (!parts[0].equals(V1)) {
            throw invalid("must start with '" + V1 + "' (a token of another version or not a Haven session token)", token);
        }
        for (int i = 1; i < parts.length; i++) {
            java.util.regex.Matcher m = ENTRY.matcher(parts[i]);
            if (!m.matches()) {
                throw invalid("must be " + V1 + ";<cluster>@<epoch hex>:<position>;... ('" + shorten(parts[i])
                        + "' is not)", token);
            }
            Position position;
            try {
                position = Position.parse(m.group(3));
            } catch (IllegalArgumentException e) {
                throw invalid("must carry positions Haven wrote (" + e.getMessage() + ")", token);
            }
            Mark mark = new Mark(Long.parseUnsignedLong(m.group(2), 16), position);
            if (s.marks.putIfAbsent(m.group(1), mark) != null) {
                throw invalid("must name each cluster once ('" + m.group(1) + "' twice)", token);
            }
        }
        return s;
    }

    private static IllegalArgumentException invalid(String rule, String token) {
        return new IllegalArgumentException("haven session token " + rule + ": was '" + shorten(token) + "'");
    }

    private static String shorten(String s) {
        return s.length() > 120 ? s.substring(0, 117) + "..." : s;
    }

    /**
     * The session as a token for {@link #fromToken}: {@code hs1} alone while it has no writes. Writes whose position a
     * store resolves lazily (Redis) are resolved first, which may take one round trip per store connection that wrote.
     */
    public String token() {
        resolvePending(null);
        return format();
    }

    private String format() {
        StringBuilder b = new StringBuilder(V1);
        for (Map.Entry<String, Mark> e : new TreeMap<>(marks).entrySet()) {
            b.append(';').append(e.getKey()).append('@').append(Long.toHexString(e.getValue().epoch())).append(':')
                    .append(e.getValue().position().encode());
        }
        return b.toString();
    }

    /** The mark of {@code cluster}'s latest write in this session, if it wrote there. */
    public Optional<Mark> mark(String cluster) {
        resolvePending(cluster);
        return Optional.ofNullable(marks.get(cluster));
    }

    /**
     * For store modules: a write to {@code cluster} completed at {@code mark}. Keeps the later of the two marks, so
     * writes completing out of order on several threads never move the session back.
     */
    public void recordWrite(String cluster, Mark mark) {
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(mark, "mark");
        marks.merge(cluster, mark, Mark::join);
    }

    /**
     * For store modules whose write position is known only after a round trip they defer (Redis asks the primary's
     * replication offset on the connection that wrote, once for a burst of writes): {@code source} gives the mark of
     * every write it made so far in this session and is asked when the mark is needed ({@link #mark}, {@link #token}).
     * Registering the same source again before it was asked does nothing. The source must answer within a bounded
     * time and never throw: a mark it cannot learn is {@code (epoch, Position.UNREACHABLE)}, which no replica reaches.
     */
    public void recordPendingWrite(String cluster, Supplier<Mark> source) {
        Objects.requireNonNull(cluster, "cluster");
        pending.put(Objects.requireNonNull(source, "source"), cluster);
    }

    /** Asks the pending sources ({@code cluster}'s, or all for null) for their marks and records them. */
    private void resolvePending(String cluster) {
        if (pending.isEmpty()) {
            return;
        }
        for (Map.Entry<Supplier<Mark>, String> e : pending.entrySet()) {
            if (cluster == null || cluster.equals(e.getValue())) {
                // Removed before it is asked: a write registering the source again meanwhile is asked next time.
                if (pending.remove(e.getKey(), e.getValue())) {
                    recordWrite(e.getValue(), e.getKey().get());
                }
            }
        }
    }

    @Override
    public String toString() {
        int unresolved = pending.size();
        return "HavenSession{" + format() + (unresolved == 0 ? "" : ", " + unresolved + " pending") + "}"; // no I/O
    }
}
