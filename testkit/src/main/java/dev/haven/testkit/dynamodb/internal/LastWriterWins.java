package dev.haven.testkit.dynamodb.internal;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The replicator's decisions, as pure functions of stream images: who made a change, which stamp it carries, and
 * whether it beats the stamp of the item it would replace.
 *
 * <p>Every replicated item carries {@link #TS} (microseconds since the epoch, a Number) and {@link #REGION} (the
 * region the change was made in). A change wins over an item when its stamp is later; equal stamps are broken by
 * region name, the lexicographically greater region winning, so every region picks the same winner.
 */
public final class LastWriterWins {

    /** Write timestamp of the change, microseconds since the epoch (a Number attribute). */
    public static final String TS = "haven:rep:ts";
    /** Region the change was made in (a String attribute). */
    public static final String REGION = "haven:rep:region";

    private LastWriterWins() {
    }

    /** Who made an INSERT/MODIFY seen on a region's stream. */
    public enum Origin {
        /** A writer of that region that stamped the item itself (a Haven client): replicate with its stamp. */
        LOCAL_STAMPED,
        /** A writer of that region that did not touch the stamp (any plain client): stamp it, then replicate. */
        LOCAL_UNSTAMPED,
        /** The replicator applying another region's change: never replicated again (loop prevention). */
        REPLICA
    }

    /**
     * Classifies a put. A new image whose stamp is missing, or equal to the old image's stamp (an UpdateItem that
     * left the attributes alone, or a PutItem that copied them), is an unstamped local write. A new stamp naming the
     * stream's own region is a stamped local write; naming another region, it was written by the replicator.
     */
    public static Origin origin(Map<String, AttributeValue> oldImage, Map<String, AttributeValue> newImage, String streamRegion) {
        Long newTs = ts(newImage);
        String newRegion = region(newImage);
        if (newTs == null || newRegion == null) {
            return Origin.LOCAL_UNSTAMPED;
        }
        if (newTs.equals(ts(oldImage)) && newRegion.equals(region(oldImage))) {
            return Origin.LOCAL_UNSTAMPED;
        }
        return newRegion.equals(streamRegion) ? Origin.LOCAL_STAMPED : Origin.REPLICA;
    }

    /**
     * The stamp of an unstamped local change: the stream record's creation time, but at least one microsecond after
     * the stamp it replaces. The item was overwritten locally without any comparison, so its new stamp must beat the
     * old one, or the regions that still hold the old version would keep it and the regions would diverge.
     */
    public static long stampOf(Instant approximateCreation, Long previousTs) {
        long micros = Math.addExact(Math.multiplyExact(approximateCreation.getEpochSecond(), 1_000_000L),
                approximateCreation.getNano() / 1_000L);
        return previousTs == null ? micros : Math.max(micros, previousTs + 1);
    }

    /** True when a change stamped (ts, region) replaces an item stamped (otherTs, otherRegion). */
    public static boolean newer(long ts, String region, long otherTs, String otherRegion) {
        return ts > otherTs || (ts == otherTs && region.compareTo(otherRegion) > 0);
    }

    /**
     * The same rule as a DynamoDB condition expression (for PutItem and DeleteItem), with {@code #hts}/{@code #hrg}
     * naming {@link #TS}/{@link #REGION} and {@code :hts}/{@code :hrg} the change's stamp. An item without a stamp (absent,
     * or written locally and not stamped yet) always loses.
     */
    public static final String CONDITION = "attribute_not_exists(#hts) OR #hts < :hts OR (#hts = :hts AND #hrg < :hrg)";

    /** The later of two optional stamps. */
    public static Long later(Long a, Long b) {
        if (a == null) {
            return b;
        }
        return b == null ? a : Long.valueOf(Math.max(a, b));
    }

    /** The stamp of an image, or null. */
    public static Long ts(Map<String, AttributeValue> image) {
        if (image == null) {
            return null;
        }
        AttributeValue v = image.get(TS);
        if (v == null || v.n() == null) {
            return null;
        }
        try {
            return Long.parseLong(v.n());
        } catch (NumberFormatException e) {
            return null; // not ours (e.g. a decimal): treated as unstamped
        }
    }

    /** The region of an image's stamp, or null. */
    public static String region(Map<String, AttributeValue> image) {
        if (image == null) {
            return null;
        }
        AttributeValue v = image.get(REGION);
        return v == null ? null : v.s();
    }

    /** Microseconds since the epoch of an instant (for writers that stamp their own items). */
    public static long micros(Instant instant) {
        Objects.requireNonNull(instant, "instant");
        return stampOf(instant, null);
    }
}
