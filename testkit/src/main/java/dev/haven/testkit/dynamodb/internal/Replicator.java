package dev.haven.testkit.dynamodb.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.function.Predicate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.DescribeStreamResponse;
import software.amazon.awssdk.services.dynamodb.model.ExpiredIteratorException;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.OperationType;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.StreamRecord;
import software.amazon.awssdk.services.dynamodb.model.TrimmedDataAccessException;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * An imitation of DynamoDB Global Tables' asynchronous replication between DynamoDB Local processes.
 *
 * <h2>Design</h2>
 * One <em>reader</em> thread per region follows the DynamoDB Stream (NEW_AND_OLD_IMAGES) of every global table in
 * that region: DescribeStream finds the shards, each is read from TRIM_HORIZON (a child shard only once its parent
 * is finished), GetRecords drains it. Each record becomes a {@link Change} stamped with a last-writer-wins timestamp
 * and is appended, in stream order, to the queue of every outgoing <em>link</em> (source → target region).
 * One <em>applier</em> thread per link applies its queue in order, each change no earlier than its arrival time
 * (when the reader received it) plus the replication delay in force, as a conditional PutItem/DeleteItem that
 * succeeds only if the change's stamp beats the target item's ({@link LastWriterWins#CONDITION}).
 *
 * <p>Stamps: a change that carries {@link LastWriterWins#TS}/{@link LastWriterWins#REGION} naming its own region
 * keeps them. A change without them (a plain SDK writer) is stamped with the stream record's
 * ApproximateCreationDateTime (at least one microsecond past the stamp it replaced), and the reader writes that
 * stamp back into the source item (conditional on nobody having stamped it meanwhile) so that every region compares
 * against the same stamp.
 *
 * <p>Loop prevention: a put the replicator made carries a stamp naming another region, so the target's reader skips
 * it. A delete carries no image to mark, so the applier registers an <em>echo</em> (region, table, key) before each
 * replicated delete, withdrawn if nothing was deleted, and the target's reader swallows the one REMOVE it expects.
 * The write-back of a stamp is announced the same way (with its stamp), so it is not replicated a second time.
 *
 * <p>Concurrency: readers own their shard state (only their thread touches it); the list of followed tables is
 * copy-on-write. A link's queue has one producer (the source's reader) and one consumer (its applier), so the applier
 * peeks, applies and only then removes, which keeps a change pending (visible to {@link #awaitReplicated}) while it
 * is being applied or retried. Every sleep is a short park, every SDK call has the client's api-call timeout, and
 * {@link #close()} stops and joins all threads.
 */
public final class Replicator implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Replicator.class);

    private static final long IDLE_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final long BUSY_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    private static final long APPLIER_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    private static final long DESCRIBE_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final Map<String, String> NAMES = Map.of("#hts", LastWriterWins.TS, "#hrg", LastWriterWins.REGION);

    private final Function<String, DynamoDbClient> dynamo;
    private final Function<String, DynamoDbStreamsClient> streams;
    private final Map<String, Reader> readers = new LinkedHashMap<>();
    private final List<Link> links = new ArrayList<>();
    private final Map<String, Integer> echoes = new ConcurrentHashMap<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile long delayNanos;
    private volatile boolean running;

    public Replicator(List<String> regions, Function<String, DynamoDbClient> dynamo, Function<String, DynamoDbStreamsClient> streams,
            Duration delay) {
        this.dynamo = dynamo;
        this.streams = streams;
        this.delayNanos = delay.toNanos();
        for (String r : regions) {
            readers.put(r, new Reader(r));
        }
        for (String from : regions) {
            for (String to : regions) {
                if (!from.equals(to)) {
                    Link l = new Link(from, to);
                    links.add(l);
                    readers.get(from).outgoing.add(l);
                }
            }
        }
    }

    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        for (Reader r : readers.values()) {
            threads.add(daemon(r, "haven-dynamodb-stream-" + r.region));
        }
        for (Link l : links) {
            threads.add(daemon(l, "haven-dynamodb-replicator-" + l.from + "->" + l.to));
        }
        threads.forEach(Thread::start);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    // ------------------------------------------------------------------------------------------------ control

    /** Starts following a table's stream in one region, from TRIM_HORIZON. Replaces an earlier stream of that table. */
    public void follow(String region, String table) {
        String arn = dynamo.apply(region).describeTable(b -> b.tableName(table)).table().latestStreamArn();
        if (arn == null) {
            throw new IllegalStateException("Table " + table + " in " + region + " has no stream");
        }
        Reader r = reader(region);
        r.tables.removeIf(t -> t.table.equals(table));
        r.tables.add(new TableStream(table, arn));
    }

    /** Forgets every stream of a region (its server was killed: the streams are gone with its memory). */
    public void forget(String region) {
        reader(region).tables.clear();
        echoes.keySet().removeIf(k -> k.startsWith(region + '\u0000'));
    }

    public void delay(Duration d) {
        delayNanos = d.toNanos();
    }

    public void pause(String from, String to, boolean paused) {
        link(from, to).paused = paused;
    }

    public void pauseAll(boolean paused) {
        links.forEach(l -> l.paused = paused);
    }

    public long appliedCount() {
        return links.stream().mapToLong(l -> l.applied.get()).sum();
    }

    /** Changes not applied because the target held a newer stamp (last writer wins). */
    public long discardedCount() {
        return links.stream().mapToLong(l -> l.discarded.get()).sum();
    }

    /**
     * Waits until every change that the regions' streams hold at the time of the call has been read (two complete
     * passes of each running region's reader that started after the call) and handled by every link (applied, or
     * discarded by last-writer-wins). A paused link, or one whose target is down, therefore makes this time out.
     *
     * @return null on success, else a message saying what was still pending
     */
    public String awaitReplicated(Duration timeout, Predicate<String> running) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<Reader, Long> startPasses = new HashMap<>();
        for (Reader r : readers.values()) {
            startPasses.put(r, r.cleanPasses.get());
        }
        for (Reader r : readers.values()) {
            while (running.test(r.region) && r.cleanPasses.get() < startPasses.get(r) + 2) {
                if (System.nanoTime() > deadline) {
                    return "the stream of " + r.region + " was not read completely" + (r.lastError == null ? "" : "; last error: " + r.lastError);
                }
                LockSupport.parkNanos(APPLIER_PARK_NANOS);
            }
        }
        Map<Link, Long> target = new HashMap<>();
        for (Link l : links) {
            target.put(l, l.enqueued.get());
        }
        while (true) {
            List<String> pending = new ArrayList<>();
            for (Link l : links) {
                long left = target.get(l) - l.handled.get();
                if (left > 0) {
                    pending.add(l.from + "→" + l.to + ": " + left + " pending" + (l.paused ? " (paused)" : "")
                            + (l.lastError == null ? "" : " (last error: " + l.lastError + ")"));
                }
            }
            if (pending.isEmpty()) {
                return null;
            }
            if (System.nanoTime() > deadline) {
                return String.join("; ", pending);
            }
            LockSupport.parkNanos(APPLIER_PARK_NANOS);
        }
    }

    @Override
    public void close() {
        List<Thread> toJoin;
        synchronized (this) {
            running = false;
            toJoin = new ArrayList<>(threads);
            threads.clear();
        }
        toJoin.forEach(Thread::interrupt);
        for (Thread t : toJoin) {
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private Reader reader(String region) {
        Reader r = readers.get(region);
        if (r == null) {
            throw new IllegalArgumentException("unknown region " + region);
        }
        return r;
    }

    private Link link(String from, String to) {
        for (Link l : links) {
            if (l.from.equals(from) && l.to.equals(to)) {
                return l;
            }
        }
        throw new IllegalArgumentException("no replication link " + from + " → " + to);
    }

    // ------------------------------------------------------------------------------------------------ echoes

    private static String echoKey(String region, String table, Map<String, AttributeValue> keys) {
        return region + '\u0000' + table + '\u0000' + new TreeMap<>(keys);
    }

    private static String stampEchoKey(String region, String table, Map<String, AttributeValue> keys, long ts) {
        return echoKey(region, table, keys) + "\u0000stamp " + ts;
    }

    private void expectEcho(String key) {
        echoes.merge(key, 1, Integer::sum);
    }

    /** Removes one expected echo; true if there was one. */
    private boolean consumeEcho(String key) {
        boolean[] had = new boolean[1];
        echoes.computeIfPresent(key, (k, n) -> {
            had[0] = true;
            return n > 1 ? n - 1 : null;
        });
        return had[0];
    }

    // ------------------------------------------------------------------------------------------------ reading

    /** One change to apply elsewhere: a full item (put) or only its key (delete), with its stamp. */
    static final class Change {
        final String table;
        final Map<String, AttributeValue> keys;
        final Map<String, AttributeValue> item; // null: delete
        final long ts;
        final String origin;
        final long arrivalNanos;

        Change(String table, Map<String, AttributeValue> keys, Map<String, AttributeValue> item, long ts, String origin, long arrivalNanos) {
            this.table = table;
            this.keys = keys;
            this.item = item;
            this.ts = ts;
            this.origin = origin;
            this.arrivalNanos = arrivalNanos;
        }
    }

    private static final class TableStream {
        final String table;
        final String arn;
        final Map<String, ShardState> shards = new LinkedHashMap<>();
        long lastDescribeNanos;
        boolean describedOnce;

        TableStream(String table, String arn) {
            this.table = table;
            this.arn = arn;
        }
    }

    private static final class ShardState {
        final String id;
        final String parent;
        String iterator;
        String lastSequence;
        boolean started;
        boolean finished;

        ShardState(String id, String parent) {
            this.id = id;
            this.parent = parent;
        }
    }

    private final class Reader implements Runnable {
        final String region;
        final List<TableStream> tables = new CopyOnWriteArrayList<>();
        final List<Link> outgoing = new ArrayList<>();
        final AtomicLong cleanPasses = new AtomicLong();
        volatile String lastError;
        /**
         * The last stamp this reader gave each item (bounded, oldest forgotten): a local write's stamp is always past
         * it. The stamp in a write's old image is not enough: a second write can land before the write-back of the
         * first one's stamp (the write-back then stamps the second write, and the second write's record carries no
         * stamp), and ApproximateCreationDateTime has a granularity of a second, so two writes of one writer within a
         * second got equal stamps and the target kept the first one forever (found by OneSessionIT: a session read in
         * a region never saw the write).
         */
        private final Map<String, Long> lastStamps = new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
                return size() > 100_000;
            }
        };

        Reader(String region) {
            this.region = region;
        }

        @Override
        public void run() {
            while (running) {
                boolean clean = true;
                boolean busy = false;
                for (TableStream t : tables) {
                    try {
                        busy |= poll(t);
                    } catch (SdkException | IllegalStateException e) {
                        clean = false;
                        if (running && !e.toString().equals(lastError)) {
                            LOG.debug("Reading the stream of {} in {} failed: {}", t.table, region, e.toString());
                        }
                        lastError = e.toString();
                    }
                }
                if (clean) {
                    lastError = null;
                    cleanPasses.incrementAndGet();
                }
                LockSupport.parkNanos(clean ? (busy ? BUSY_POLL_NANOS : IDLE_POLL_NANOS) : RETRY_NANOS);
            }
        }

        /** Reads every shard of a table's stream to its current end; true if any record was read. */
        private boolean poll(TableStream t) {
            DynamoDbStreamsClient client = streams.apply(region);
            long now = System.nanoTime();
            if (!t.describedOnce || now - t.lastDescribeNanos > DESCRIBE_EVERY_NANOS) {
                describe(client, t);
                t.lastDescribeNanos = now;
                t.describedOnce = true;
            }
            boolean any = false;
            for (ShardState s : t.shards.values()) {
                if (s.finished) {
                    continue;
                }
                if (!s.started) {
                    ShardState parent = s.parent == null ? null : t.shards.get(s.parent);
                    if (parent != null && !parent.finished) {
                        continue; // a child's records follow its parent's: read it once the parent is done
                    }
                    s.iterator = iterator(client, t, s, ShardIteratorType.TRIM_HORIZON);
                    s.started = true;
                }
                any |= drain(client, t, s);
            }
            return any;
        }

        private void describe(DynamoDbStreamsClient client, TableStream t) {
            String exclusiveStart = null;
            do {
                String start = exclusiveStart;
                DescribeStreamResponse r = client.describeStream(b -> b.streamArn(t.arn).exclusiveStartShardId(start));
                for (Shard sh : r.streamDescription().shards()) {
                    t.shards.computeIfAbsent(sh.shardId(), id -> new ShardState(id, sh.parentShardId()));
                }
                exclusiveStart = r.streamDescription().lastEvaluatedShardId();
            } while (exclusiveStart != null && running);
        }

        private String iterator(DynamoDbStreamsClient client, TableStream t, ShardState s, ShardIteratorType type) {
            return client.getShardIterator(b -> {
                b.streamArn(t.arn).shardId(s.id).shardIteratorType(type);
                if (type == ShardIteratorType.AFTER_SEQUENCE_NUMBER) {
                    b.sequenceNumber(s.lastSequence);
                }
            }).shardIterator();
        }

        private boolean drain(DynamoDbStreamsClient client, TableStream t, ShardState s) {
            boolean any = false;
            for (int page = 0; page < 100 && running; page++) {
                GetRecordsResponse r;
                try {
                    String it = s.iterator;
                    r = client.getRecords(b -> b.shardIterator(it).limit(1000));
                } catch (ExpiredIteratorException | TrimmedDataAccessException e) {
                    s.iterator = s.lastSequence == null || e instanceof TrimmedDataAccessException
                            ? iterator(client, t, s, ShardIteratorType.TRIM_HORIZON)
                            : iterator(client, t, s, ShardIteratorType.AFTER_SEQUENCE_NUMBER);
                    continue;
                }
                for (Record rec : r.records()) {
                    handle(t.table, rec);
                    s.lastSequence = rec.dynamodb().sequenceNumber();
                    any = true;
                }
                s.iterator = r.nextShardIterator();
                if (s.iterator == null) {
                    s.finished = true;
                    return any;
                }
                if (!r.hasRecords() || r.records().isEmpty()) {
                    return any;
                }
            }
            return any;
        }

        private void handle(String table, Record rec) {
            long arrival = System.nanoTime();
            StreamRecord d = rec.dynamodb();
            // DynamoDB Local sets it; fall back to our clock rather than fail if a version does not
            Instant created = d.approximateCreationDateTime() != null ? d.approximateCreationDateTime() : Instant.now();
            Map<String, AttributeValue> keys = d.keys();
            Map<String, AttributeValue> oldImage = d.hasOldImage() ? d.oldImage() : null;
            if (rec.eventName() == OperationType.REMOVE) {
                if (consumeEcho(echoKey(region, table, keys))) {
                    return; // our own replicated delete
                }
                long ts = nextStamp(table, keys, LastWriterWins.stampOf(created, LastWriterWins.ts(oldImage)));
                enqueue(new Change(table, keys, null, ts, region, arrival));
                return;
            }
            Map<String, AttributeValue> newImage = d.newImage();
            switch (LastWriterWins.origin(oldImage, newImage, region)) {
                case REPLICA:
                    return;
                case LOCAL_STAMPED:
                    if (consumeEcho(stampEchoKey(region, table, keys, LastWriterWins.ts(newImage)))) {
                        return; // our own write-back of a stamp: its change was enqueued already
                    }
                    lastStamps.merge(echoKey(region, table, keys), LastWriterWins.ts(newImage), Math::max);
                    enqueue(new Change(table, keys, newImage, LastWriterWins.ts(newImage), region, arrival));
                    return;
                case LOCAL_UNSTAMPED:
                default:
                    // the stamp this write replaced: kept in the new image by an UpdateItem, only in the old one after a PutItem
                    Long previous = LastWriterWins.later(LastWriterWins.ts(oldImage), LastWriterWins.ts(newImage));
                    long ts = nextStamp(table, keys, LastWriterWins.stampOf(created, previous));
                    Map<String, AttributeValue> stamped = new HashMap<>(newImage);
                    stamped.put(LastWriterWins.TS, AttributeValue.fromN(Long.toString(ts)));
                    stamped.put(LastWriterWins.REGION, AttributeValue.fromS(region));
                    enqueue(new Change(table, keys, stamped, ts, region, arrival));
                    writeBack(table, keys, newImage, ts);
            }
        }

        private void enqueue(Change c) {
            for (Link l : outgoing) {
                l.enqueued.incrementAndGet();
                l.queue.add(c);
            }
        }

        /** Stamps an unstamped local write in its own region, unless it changed meanwhile. */
        /** {@code ts}, or just past the last stamp this reader gave the item if that is not older. */
        private long nextStamp(String table, Map<String, AttributeValue> keys, long ts) {
            String key = echoKey(region, table, keys);
            Long last = lastStamps.get(key);
            long stamp = last == null ? ts : Math.max(ts, last + 1);
            lastStamps.put(key, stamp);
            return stamp;
        }

        private void writeBack(String table, Map<String, AttributeValue> keys, Map<String, AttributeValue> seen, long ts) {
            Map<String, String> names = new HashMap<>(NAMES);
            Map<String, AttributeValue> values = new HashMap<>();
            values.put(":hts", AttributeValue.fromN(Long.toString(ts)));
            values.put(":hrg", AttributeValue.fromS(region));
            String condition;
            Long seenTs = LastWriterWins.ts(seen);
            String seenRegion = LastWriterWins.region(seen);
            if (seenTs == null || seenRegion == null) {
                names.put("#hk", keys.keySet().iterator().next());
                // only the write this stamp belongs to: a later unstamped write of the item gets its own stamp
                StringBuilder sameWrite = new StringBuilder("attribute_exists(#hk) AND attribute_not_exists(#hts)");
                int n = 0;
                for (Map.Entry<String, AttributeValue> a : new TreeMap<>(seen).entrySet()) {
                    if (!keys.containsKey(a.getKey())) {
                        names.put("#a" + n, a.getKey());
                        values.put(":a" + n, a.getValue());
                        sameWrite.append(" AND #a").append(n).append(" = :a").append(n);
                        n++;
                    }
                }
                condition = sameWrite.toString();
            } else {
                values.put(":pts", AttributeValue.fromN(Long.toString(seenTs)));
                values.put(":prg", AttributeValue.fromS(seenRegion));
                condition = "#hts = :pts AND #hrg = :prg";
            }
            String echo = stampEchoKey(region, table, keys, ts);
            expectEcho(echo);
            try {
                dynamo.apply(region).updateItem(b -> b.tableName(table).key(keys)
                        .updateExpression("SET #hts = :hts, #hrg = :hrg")
                        .conditionExpression(condition)
                        .expressionAttributeNames(names)
                        .expressionAttributeValues(values));
            } catch (ConditionalCheckFailedException e) {
                consumeEcho(echo); // written again (or replicated over) meanwhile: that change gets its own stamp
            } catch (SdkException e) {
                consumeEcho(echo);
                LOG.debug("Could not stamp an item of {} in {}: {}", table, region, e.toString());
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ applying

    private final class Link implements Runnable {
        final String from;
        final String to;
        final ConcurrentLinkedQueue<Change> queue = new ConcurrentLinkedQueue<>();
        final AtomicLong enqueued = new AtomicLong();
        final AtomicLong handled = new AtomicLong();
        final AtomicLong applied = new AtomicLong();
        final AtomicLong discarded = new AtomicLong();
        volatile boolean paused;
        volatile String lastError;

        Link(String from, String to) {
            this.from = from;
            this.to = to;
        }

        @Override
        public void run() {
            while (running) {
                Change c = queue.peek();
                if (c == null || paused) {
                    LockSupport.parkNanos(APPLIER_PARK_NANOS);
                    continue;
                }
                long wait = c.arrivalNanos + delayNanos - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(Math.min(wait, APPLIER_PARK_NANOS));
                    continue;
                }
                if (apply(c)) {
                    queue.poll();
                    handled.incrementAndGet();
                } else {
                    LockSupport.parkNanos(RETRY_NANOS); // target down or table missing: keep the change, as Global Tables would
                }
            }
        }

        /** True when the change is done with (applied or lost to a newer stamp); false to retry later. */
        private boolean apply(Change c) {
            Map<String, AttributeValue> values = Map.of(
                    ":hts", AttributeValue.fromN(Long.toString(c.ts)),
                    ":hrg", AttributeValue.fromS(c.origin));
            DynamoDbClient client = dynamo.apply(to);
            String echo = null;
            try {
                if (c.item != null) {
                    client.putItem(b -> b.tableName(c.table).item(c.item)
                            .conditionExpression(LastWriterWins.CONDITION)
                            .expressionAttributeNames(NAMES)
                            .expressionAttributeValues(values));
                } else {
                    echo = echoKey(to, c.table, c.keys);
                    expectEcho(echo); // before the call: the target's reader may see the REMOVE before we return
                    DeleteItemResponse r = client.deleteItem(b -> b.tableName(c.table).key(c.keys)
                            .conditionExpression(LastWriterWins.CONDITION)
                            .expressionAttributeNames(NAMES)
                            .expressionAttributeValues(values)
                            .returnValues(ReturnValue.ALL_OLD));
                    if (!r.hasAttributes() || r.attributes().isEmpty()) {
                        consumeEcho(echo); // nothing was there: no REMOVE will come
                    }
                }
                applied.incrementAndGet();
                lastError = null;
                return true;
            } catch (ConditionalCheckFailedException e) {
                if (echo != null) {
                    consumeEcho(echo);
                }
                discarded.incrementAndGet();
                lastError = null;
                return true;
            } catch (SdkException e) {
                if (echo != null) {
                    consumeEcho(echo);
                }
                if (running && !e.toString().equals(lastError)) {
                    LOG.debug("Replicating a change of {} from {} to {} failed (will retry): {}", c.table, from, to, e.toString());
                }
                lastError = e.toString();
                return false;
            }
        }
    }
}
