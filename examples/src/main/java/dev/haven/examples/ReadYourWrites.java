package dev.haven.examples;

import dev.haven.Consistency;
import dev.haven.HavenSession;
import dev.haven.jdbc.HavenConnection;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * The README's read-your-writes example ({@code SESSION} with a {@link HavenSession} carried as a token between
 * requests), compiled with the build so that it cannot drift from the API.
 */
public final class ReadYourWrites {

    private ReadYourWrites() {
    }

    /**
     * One request: renames an account and reads it back, from a replica when one has replayed the rename.
     *
     * @param token the session token the client sent with the request (null for a new session)
     * @return the token to send back with the response
     */
    public static String rename(DataSource ds, String token, long account, String name) throws SQLException {
        HavenSession session = HavenSession.fromToken(token); // refuses a token that does not parse
        try (Connection c = ds.getConnection()) {
            c.unwrap(HavenConnection.class).session(session); // the commit moves the session's mark
            try (PreparedStatement ps = c.prepareStatement("UPDATE accounts SET name = ? WHERE id = ?")) {
                ps.setString(1, name);
                ps.setLong(2, account);
                ps.executeUpdate();
            }
        }
        try (Connection c = ds.getConnection()) {
            c.setReadOnly(true);
            HavenConnection hc = c.unwrap(HavenConnection.class);
            hc.session(session);
            hc.consistency(Consistency.SESSION); // a replica that has the rename, else the writer
            try (PreparedStatement ps = c.prepareStatement("SELECT name FROM accounts WHERE id = ?")) {
                ps.setLong(1, account);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next() || !name.equals(rs.getString(1))) {
                        throw new IllegalStateException("read-your-writes broken for account " + account);
                    }
                }
            }
        }
        return session.token(); // e.g. hs1;orders@3:16b3a48
    }
}
