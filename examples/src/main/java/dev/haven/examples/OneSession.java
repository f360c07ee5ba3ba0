package dev.haven.examples;

import dev.haven.Consistency;
import dev.haven.HavenSession;
import dev.haven.dynamodb.HavenDynamoDbClient;
import dev.haven.jdbc.HavenConnection;
import dev.haven.redis.HavenRedisClient;
import dev.haven.redis.HavenRedisConnection;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import javax.sql.DataSource;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The README's cross-store read-your-writes example: one {@link HavenSession} records an order's row in PostgreSQL, its
 * cached copy in Redis and an audit item in DynamoDB, travels to the next request as one token, and there every
 * {@code SESSION} read sees the write of its store — from a replica (region) that has it, else the primary (home).
 * Compiled with the build and run by {@code OneSessionIT} against real servers.
 */
public final class OneSession {

    private final DataSource sql;
    private final HavenRedisClient cache;
    private final HavenDynamoDbClient dynamo;
    private final String auditTable;

    /** What the second request read back, one value per store. */
    public record Order(String row, String cached, String audited) {
    }

    public OneSession(DataSource sql, HavenRedisClient cache, HavenDynamoDbClient dynamo, String auditTable) {
        this.sql = sql;
        this.cache = cache;
        this.dynamo = dynamo;
        this.auditTable = auditTable;
    }

    /**
     * Request 1: places (or updates) order {@code id} in the three stores.
     *
     * @param token the session token the caller sent (null for a new session)
     * @return the token to send back: it names each store's cluster and where the write landed there
     */
    public String placeOrder(String token, long id, String item) throws SQLException {
        HavenSession session = HavenSession.fromToken(token); // refuses a token that does not parse
        try (Connection c = sql.getConnection()) {
            c.unwrap(HavenConnection.class).session(session); // the commit records the WAL position
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO orders(id, item) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET item = excluded.item")) {
                ps.setLong(1, id);
                ps.setString(2, item);
                ps.executeUpdate();
            }
        }
        try (HavenRedisConnection redis = cache.connect(session)) { // the write records the primary's offset (lazily)
            redis.sync().set("order:" + id, item);
        }
        dynamo.withSession(session).putItem(b -> b.tableName(auditTable).item(Map.of( // records the acknowledgement time
                "pk", AttributeValue.fromS("order#" + id), "item", AttributeValue.fromS(item))));
        return session.token(); // e.g. hs1;cache@3:1f0a2;haven-dynamodb@0:63f1a2b4c5d6e;orders@1:3000148
    }

    /** Request 2 (maybe on another instance of the application): reads order {@code id} back from every store. */
    public Order readOrder(String token, long id) throws SQLException {
        HavenSession session = HavenSession.fromToken(token);
        String row;
        try (Connection c = sql.getConnection()) {
            c.setReadOnly(true);
            HavenConnection hc = c.unwrap(HavenConnection.class);
            hc.session(session);
            hc.consistency(Consistency.SESSION); // a replica that has replayed the commit, else the writer
            try (PreparedStatement ps = c.prepareStatement("SELECT item FROM orders WHERE id = ?")) {
                ps.setLong(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    row = rs.next() ? rs.getString(1) : null;
                }
            }
        }
        String cached;
        try (HavenRedisConnection redis = cache.connect(session)) {
            cached = redis.reads(Consistency.SESSION).get("order:" + id); // a replica at the offset, else the primary
        }
        Map<String, AttributeValue> audit = dynamo.withSession(session) // a region that has the put, else home
                .getItem(b -> b.tableName(auditTable).key(Map.of("pk", AttributeValue.fromS("order#" + id)))).item();
        return new Order(row, cached, audit.containsKey("item") ? audit.get("item").s() : null);
    }
}
