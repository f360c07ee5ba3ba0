package dev.haven.testkit.dynamodb.internal;

import static dev.haven.testkit.dynamodb.internal.LastWriterWins.Origin.LOCAL_STAMPED;
import static dev.haven.testkit.dynamodb.internal.LastWriterWins.Origin.LOCAL_UNSTAMPED;
import static dev.haven.testkit.dynamodb.internal.LastWriterWins.Origin.REPLICA;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class LastWriterWinsTest {

    private static Map<String, AttributeValue> image(String v, Long ts, String region) {
        Map<String, AttributeValue> m = new HashMap<>();
        m.put("id", AttributeValue.fromS("k"));
        m.put("v", AttributeValue.fromS(v));
        if (ts != null) {
            m.put(LastWriterWins.TS, AttributeValue.fromN(Long.toString(ts)));
        }
        if (region != null) {
            m.put(LastWriterWins.REGION, AttributeValue.fromS(region));
        }
        return m;
    }

    @Test
    void plainWritesAreUnstamped() {
        assertThat(LastWriterWins.origin(null, image("a", null, null), "us-east-1")).isEqualTo(LOCAL_UNSTAMPED);
        assertThat(LastWriterWins.origin(image("a", 5L, "us-west-2"), image("b", null, null), "us-east-1")).isEqualTo(LOCAL_UNSTAMPED);
    }

    @Test
    void anUpdateThatKeepsAReplicatedStampIsALocalWriteNotAReplica() {
        // UpdateItem SET v = :b on an item the replicator brought from us-west-2: the stamp is unchanged
        assertThat(LastWriterWins.origin(image("a", 5L, "us-west-2"), image("b", 5L, "us-west-2"), "us-east-1")).isEqualTo(LOCAL_UNSTAMPED);
    }

    @Test
    void aNewStampNamesItsRegion() {
        assertThat(LastWriterWins.origin(image("a", 5L, "us-west-2"), image("b", 6L, "us-east-1"), "us-east-1")).isEqualTo(LOCAL_STAMPED);
        assertThat(LastWriterWins.origin(null, image("b", 6L, "us-east-1"), "us-east-1")).isEqualTo(LOCAL_STAMPED);
        assertThat(LastWriterWins.origin(image("a", 5L, "us-east-1"), image("b", 6L, "us-west-2"), "us-east-1")).isEqualTo(REPLICA);
        assertThat(LastWriterWins.origin(null, image("b", 6L, "us-west-2"), "us-east-1")).isEqualTo(REPLICA);
    }

    @Test
    void laterStampWinsAndTiesGoToTheGreaterRegionName() {
        assertThat(LastWriterWins.newer(2, "a", 1, "z")).isTrue();
        assertThat(LastWriterWins.newer(1, "z", 2, "a")).isFalse();
        assertThat(LastWriterWins.newer(1, "us-west-2", 1, "us-east-1")).isTrue();
        assertThat(LastWriterWins.newer(1, "us-east-1", 1, "us-west-2")).isFalse();
        assertThat(LastWriterWins.newer(1, "us-east-1", 1, "us-east-1")).as("the same change is not newer than itself").isFalse();
    }

    @Test
    void streamTimeStampsAreMicrosAndAlwaysBeatTheStampTheyReplace() {
        Instant t = Instant.ofEpochSecond(1_700_000_000L, 123_456_789);
        assertThat(LastWriterWins.stampOf(t, null)).isEqualTo(1_700_000_000_123_456L);
        assertThat(LastWriterWins.stampOf(t, 1_000L)).isEqualTo(1_700_000_000_123_456L);
        // a replicated stamp from a region whose clock (or granularity) is ahead: the local overwrite must still win
        assertThat(LastWriterWins.stampOf(t, 1_700_000_000_900_000L)).isEqualTo(1_700_000_000_900_001L);
    }

    @Test
    void laterOfOptionalStamps() {
        assertThat(LastWriterWins.later(null, null)).isNull();
        assertThat(LastWriterWins.later(3L, null)).isEqualTo(3L);
        assertThat(LastWriterWins.later(null, 4L)).isEqualTo(4L);
        assertThat(LastWriterWins.later(5L, 4L)).isEqualTo(5L);
    }

    @Test
    void foreignOrMalformedStampsAreIgnored() {
        Map<String, AttributeValue> m = image("a", null, null);
        m.put(LastWriterWins.TS, AttributeValue.fromN("1.5"));
        assertThat(LastWriterWins.ts(m)).isNull();
        m.put(LastWriterWins.TS, AttributeValue.fromS("7"));
        assertThat(LastWriterWins.ts(m)).isNull();
        assertThat(LastWriterWins.ts(null)).isNull();
        assertThat(LastWriterWins.region(null)).isNull();
    }
}
