package dev.haven.dynamodb.internal;

import dev.haven.Endpoint;
import dev.haven.Position;
import dev.haven.Role;
import dev.haven.spi.Probe;
import dev.haven.spi.TopologyProvider;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemResponse;

/**
 * Regions of a global table as a topology: the home region is the WRITER, every other region a READER, and
 * replication positions come from a heartbeat item.
 *
 * <p>Probing the home region increments {@code seq} of this client's own item
 * {@code {<hash key>: "haven#heartbeat#<cluster>#<random id>"}} in the heartbeat table ({@code UpdateItem ADD seq :1},
 * returning the new value, and {@code SET haven_expires_at} to one day ahead, in epoch seconds, for the table's TTL):
 * that value is the home region's position. Probing another region reads the item there with {@code ConsistentRead=true}: its {@code seq} is how far
 * that region's replica has got. The core {@code LagTracker} turns the two into a staleness bound: a region holding
 * {@code seq >= n} holds every write acknowledged before heartbeat {@code n} was sent (as far as Global Tables
 * replicate in order, see the module README).
 *
 * <p>One item per monitor (one per cluster per JVM), not one shared item: a fleet of clients probing one item would
 * make it a hot key (DynamoDB allows ~1,000 writes per second per item). {@link #deleteItem} removes it when the
 * monitor stops (its last client closes); the TTL attribute removes the items of processes that died (if TTL is enabled on {@link #EXPIRES_AT}). A probe must
 * answer within the monitor's probe timeout: a blackholed region fails it, and so is declared down.
 */
public final class HeartbeatTopologyProvider implements TopologyProvider {

    public static final String HEARTBEAT_KEY_PREFIX = "haven#heartbeat#";
    public static final String SEQ = "seq";
    /** The TTL attribute of heartbeat items (epoch seconds). */
    public static final String EXPIRES_AT = "haven_expires_at";
    private static final long TTL_SECONDS = Duration.ofDays(1).toSeconds();

    private final String homeRegion;
    private final Map<String, DynamoDbClient> clients;
    private final String table;
    private final Map<String, AttributeValue> key;
    private final Clock clock;

    /** A provider with its own heartbeat item, {@code haven#heartbeat#<cluster>#<random id>}. */
    public HeartbeatTopologyProvider(String homeRegion, Map<String, DynamoDbClient> clients, String table, String hashKey,
            String cluster, Clock clock) {
        this.homeRegion = homeRegion;
        this.clients = Map.copyOf(clients);
        this.table = table;
        this.key = Map.of(hashKey, AttributeValue.fromS(HEARTBEAT_KEY_PREFIX + cluster + "#" + UUID.randomUUID()));
        this.clock = clock;
    }

    /** The hash key value of this client's heartbeat item. */
    public String itemKey() {
        return key.values().iterator().next().s();
    }

    /** Deletes this client's heartbeat item in the home region (best effort, within {@code timeout}). */
    public void deleteItem(Duration timeout) {
        clients.get(homeRegion).deleteItem(b -> b.tableName(table).key(key).overrideConfiguration(o -> o
                .apiCallTimeout(timeout).apiCallAttemptTimeout(timeout)));
    }

    @Override
    public Probe probe(Endpoint endpoint, Duration timeout) {
        DynamoDbClient client = clients.get(endpoint.id());
        if (client == null) {
            throw new IllegalStateException("no client for region " + endpoint.id());
        }
        AwsRequestOverrideConfiguration deadline = AwsRequestOverrideConfiguration.builder()
                .apiCallTimeout(timeout).apiCallAttemptTimeout(timeout).build();
        if (endpoint.id().equals(homeRegion)) {
            UpdateItemResponse r = client.updateItem(b -> b.tableName(table).key(key)
                    .updateExpression("ADD #seq :one SET #exp = :exp")
                    .expressionAttributeNames(Map.of("#seq", SEQ, "#exp", EXPIRES_AT))
                    .expressionAttributeValues(Map.of(":one", AttributeValue.fromN("1"),
                            ":exp", AttributeValue.fromN(Long.toString(clock.instant().getEpochSecond() + TTL_SECONDS))))
                    .returnValues(ReturnValue.UPDATED_NEW)
                    .overrideConfiguration(deadline));
            return new Probe(Role.WRITER, 0, Position.offset(seq(r.attributes())), List.of());
        }
        GetItemResponse r = client.getItem(b -> b.tableName(table).key(key).consistentRead(true)
                .projectionExpression("#seq").expressionAttributeNames(Map.of("#seq", SEQ))
                .overrideConfiguration(deadline));
        return new Probe(Role.READER, 0, r.hasItem() ? Position.offset(seq(r.item())) : null, List.of());
    }

    private static long seq(Map<String, AttributeValue> item) {
        AttributeValue v = item == null ? null : item.get(SEQ);
        if (v == null || v.n() == null) {
            return Long.MIN_VALUE;
        }
        return Long.parseLong(v.n());
    }
}
