package dev.haven.jdbc;

import dev.haven.Consistency;
import dev.haven.Endpoint;
import dev.haven.HavenSession;
import java.sql.Connection;
import java.util.Optional;

/**
 * Haven's view of a connection from {@link HavenDataSource}, reached with {@code unwrap}. A connection
 * binds to a server lazily, at its first statement: read-only connections go to a replica that
 * satisfies their consistency, all others to the writer.
 *
 * <pre>{@code
 * try (Connection c = dataSource.getConnection()) {
 *     c.setReadOnly(true);
 *     c.unwrap(HavenConnection.class).consistency(Consistency.boundedStaleness(Duration.ofMillis(200)));
 *     try (ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM orders")) { ... }
 * }
 * }</pre>
 */
public interface HavenConnection extends Connection {

    /**
     * Sets what reads on this connection require; takes effect at binding, so call it before the first
     * statement. {@link Consistency#STRONG} sends even read-only work to the writer. {@link Consistency#SESSION}
     * needs a {@link #session(HavenSession)}: it goes to a replica that has replayed the session's latest write on this
     * cluster (any replica while the session has none), else to the writer; without a session, or with a custom
     * topology provider, it goes to the writer (the one place sure to have the caller's writes).
     *
     * @throws IllegalStateException when the connection is already bound to a server
     */
    void consistency(Consistency consistency);

    Consistency consistency();

    /**
     * Attaches a read-your-writes session: writes committed on this connection (autocommit statements, transactions
     * at {@code commit()}) move the session's mark for this cluster to where they landed, and
     * {@link Consistency#SESSION} reads bound after this call are routed by it. A commit costs no extra round trip: the
     * mark is learnt when the session needs it (a {@code SESSION} read, {@link HavenSession#token()}), from the writer
     * position Haven's probes sampled after the commit, or, when no probe ran since, with one query on a writer
     * connection for all the session's commits so far. A mark that could not be learnt (no writer reachable) sends the
     * session's {@code SESSION} reads to the writer until the next failover.
     *
     * @param session the session, or {@code null} to detach it
     */
    void session(HavenSession session);

    /** The session attached with {@link #session(HavenSession)}. */
    Optional<HavenSession> session();

    /** The server this connection is bound to, if it has run a statement. */
    Optional<Endpoint> endpoint();
}
