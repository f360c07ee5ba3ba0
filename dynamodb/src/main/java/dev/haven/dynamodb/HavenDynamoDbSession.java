package dev.haven.dynamodb;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Read-your-writes across regions: a token that remembers when its last write through a
 * {@link HavenDynamoDbClient#withSession(HavenDynamoDbSession) session view} was acknowledged by DynamoDB. A
 * {@code SESSION} read through the same view goes only to regions known to hold every write acknowledged by then
 * &mdash; a region qualifies once it has replicated a heartbeat that the home region took <em>after</em> that
 * write &mdash; or to the home region with {@code ConsistentRead=true}.
 *
 * <p>The token is session-wide, not per item: after a write, every {@code SESSION} read of the session waits for
 * (or avoids) regions that lack it, which is conservative. It is thread-safe and belongs to one
 * {@link HavenDynamoDbClient} (times are that client's ticker's).
 *
 * <pre>{@code
 * HavenDynamoDbSession session = HavenDynamoDbSession.create();
 * DynamoDbClient mine = client.withSession(session);   // reads default to Consistency.SESSION
 * mine.putItem(put);
 * mine.getItem(get);                                    // sees the put, in whichever region serves it
 * }</pre>
 */
public final class HavenDynamoDbSession {

    /** No write yet. */
    static final long NONE = Long.MIN_VALUE;

    private final AtomicLong lastWriteNanos = new AtomicLong(NONE);

    private HavenDynamoDbSession() {
    }

    public static HavenDynamoDbSession create() {
        return new HavenDynamoDbSession();
    }

    /** Ticker time at which the session's last write was acknowledged, or {@code Long.MIN_VALUE}. */
    public long lastWriteNanos() {
        return lastWriteNanos.get();
    }

    /** Records a write acknowledged at {@code ackNanos} (monotonic: an older time never replaces a newer one). */
    public void recordWrite(long ackNanos) {
        lastWriteNanos.accumulateAndGet(ackNanos, (a, b) -> a == NONE ? b : Math.max(a, b));
    }

    @Override
    public String toString() {
        long t = lastWriteNanos.get();
        return "HavenDynamoDbSession{" + (t == NONE ? "no writes" : "last write at " + t + " ns") + "}";
    }
}
