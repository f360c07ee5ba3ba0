package dev.haven.dynamodb.internal;

import dev.haven.Endpoint;
import dev.haven.Role;
import dev.haven.spi.Probe;
import dev.haven.spi.TopologyProvider;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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
 * <p>Probing the home region increments {@code seq} of the item {@code {<hash key>: "haven#heartbeat"}} in the
 * heartbeat table ({@code UpdateItem ADD seq :1}, returning the new value): that value is the home region's
 * position. Probing another region reads the item there with {@code ConsistentRead=true}: its {@code seq} is how far
 * that region's replica has got. The core {@code LagTracker} turns the two into a staleness bound: a region holding
 * {@code seq >= n} holds every write acknowledged before heartbeat {@code n} was sent (as far as Global Tables
 * replicate in order, see the module README).
 *
 * <p>A counter incremented in place (rather than a value each client writes) keeps positions comparable when
 * several Haven clients share the item. A probe must answer within the monitor's probe timeout: a blackholed region
 * fails it, and so is declared down.
 */
public final class HeartbeatTopologyProvider implements TopologyProvider {

    public static final String HEARTBEAT_KEY = "haven#heartbeat";
    public static final String SEQ = "seq";

    private final String homeRegion;
    private final Map<String, DynamoDbClient> clients;
    private final String table;
    private final Map<String, AttributeValue> key;

    public HeartbeatTopologyProvider(String homeRegion, Map<String, DynamoDbClient> clients, String table, String hashKey) {
        this.homeRegion = homeRegion;
        this.clients = Map.copyOf(clients);
        this.table = table;
        this.key = Map.of(hashKey, AttributeValue.fromS(HEARTBEAT_KEY));
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
                    .updateExpression("ADD #seq :one")
                    .expressionAttributeNames(Map.of("#seq", SEQ))
                    .expressionAttributeValues(Map.of(":one", AttributeValue.fromN("1")))
                    .returnValues(ReturnValue.UPDATED_NEW)
                    .overrideConfiguration(deadline));
            return new Probe(Role.WRITER, 0, seq(r.attributes()), List.of());
        }
        GetItemResponse r = client.getItem(b -> b.tableName(table).key(key).consistentRead(true)
                .projectionExpression("#seq").expressionAttributeNames(Map.of("#seq", SEQ))
                .overrideConfiguration(deadline));
        return new Probe(Role.READER, 0, r.hasItem() ? seq(r.item()) : Long.MIN_VALUE, List.of());
    }

    private static long seq(Map<String, AttributeValue> item) {
        AttributeValue v = item == null ? null : item.get(SEQ);
        if (v == null || v.n() == null) {
            return Long.MIN_VALUE;
        }
        return Long.parseLong(v.n());
    }
}
