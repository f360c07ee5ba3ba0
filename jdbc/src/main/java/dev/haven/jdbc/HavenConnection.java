package dev.haven.jdbc;

import dev.haven.Consistency;
import dev.haven.Endpoint;
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
     * statement. {@link Consistency#STRONG} sends even read-only work to the writer; so does
     * {@link Consistency#SESSION} for now, because JDBC connections do not yet carry the commit position
     * of the session's writes (the writer always has them).
     *
     * @throws IllegalStateException when the connection is already bound to a server
     */
    void consistency(Consistency consistency);

    Consistency consistency();

    /** The server this connection is bound to, if it has run a statement. */
    Optional<Endpoint> endpoint();
}
