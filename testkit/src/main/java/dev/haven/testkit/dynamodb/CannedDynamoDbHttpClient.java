package dev.haven.testkit.dynamodb;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpResponse;

/**
 * A no-network {@link SdkHttpClient} that plays one DynamoDB region: every {@code GetItem} of a data item answers
 * {@code {"Item":{"pk":{"S":"k"}}}}, and the calls Haven makes to bring its topology up get compatible answers:
 * {@code DescribeTable} (a table with a single String hash key {@code pk}), {@code UpdateItem} (the home region's
 * heartbeat: a {@code seq} counter, incremented per call) and {@code GetItem} of the heartbeat key (the current
 * {@code seq}, shared by all regions of one {@link Counter}: every region is fully replicated).
 *
 * <p>Optionally every {@code slowEvery}-th data {@code GetItem} stalls {@code slowMillis} (a region with a slow
 * tail), or every one stalls {@link #stallMillis(long)} (a slow or blackholed region); heartbeat probes are never
 * slowed. A stalled request ends at once with an {@link IOException} when it is {@linkplain ExecutableHttpRequest#abort()
 * aborted}, as a real HTTP client's does when its connection is closed under it. The request body is only scanned
 * for {@code GetItem}, in a per-thread buffer (the raw and the Haven benchmarks pay it alike).
 *
 * <p>For tests and benchmarks without network: Haven's unit tests (hedging, cancellation) and the JMH benchmarks.
 * {@link #byHost(Map)} serves several "regions" from one {@link SdkHttpClient} by the request's host
 * ({@code dynamodb.<region>.amazonaws.com}).
 */
public final class CannedDynamoDbHttpClient implements SdkHttpClient {

    /** The heartbeat sequence shared by the "regions" of one benchmark. */
    public static final class Counter {
        final AtomicLong seq = new AtomicLong();
    }

    static final byte[] ITEM = "{\"Item\":{\"pk\":{\"S\":\"k\"}}}".getBytes(StandardCharsets.UTF_8);
    static final byte[] TABLE = ("{\"Table\":{\"TableName\":\"t\",\"TableStatus\":\"ACTIVE\","
            + "\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}],"
            + "\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"}]}}").getBytes(StandardCharsets.UTF_8);
    static final byte[] EMPTY = "{}".getBytes(StandardCharsets.UTF_8);
    static final byte[] HEARTBEAT_KEY = "haven#heartbeat".getBytes(StandardCharsets.UTF_8);
    static final String TARGET = "X-Amz-Target";
    static final String PREFIX = "DynamoDB_20120810.";

    private static final SdkHttpResponse OK = SdkHttpResponse.builder().statusCode(200)
            .putHeader("Content-Type", "application/x-amz-json-1.0")
            .putHeader("x-amzn-RequestId", "canned")
            .build();
    private static final ThreadLocal<byte[]> BUFFER = ThreadLocal.withInitial(() -> new byte[4096]);

    private final Counter counter;
    private final int slowEvery;
    private final long slowMillis;
    private final AtomicLong dataGets = new AtomicLong();
    private final AtomicLong aborts = new AtomicLong();
    private volatile long stallMillis;
    private volatile long hangMillis;
    private volatile long connectHangMillis;
    private volatile boolean abortThrowsNullPointer;
    private volatile Thread lastDataGetThread;

    public CannedDynamoDbHttpClient(Counter counter) {
        this(counter, 0, 0);
    }

    /** Every {@code slowEvery}-th data GetItem (0: none) sleeps {@code slowMillis}. */
    public CannedDynamoDbHttpClient(Counter counter, int slowEvery, long slowMillis) {
        this.counter = counter;
        this.slowEvery = slowEvery;
        this.slowMillis = slowMillis;
    }

    /** Data GetItems this "region" answered. */
    public long dataGets() {
        return dataGets.get();
    }

    /** Requests aborted while they stalled. */
    public long aborts() {
        return aborts.get();
    }

    /**
     * From now on every request, heartbeat probes included, stalls {@code millis} (0: none) unless aborted: a region
     * that answers nothing at all (a frozen server), where {@link #stallMillis} is one whose data reads are slow.
     */
    public void hangMillis(long millis) {
        this.hangMillis = millis;
    }

    /**
     * From now on every request, heartbeat probes included, hangs {@code millis} (0: none) before it is sent and then
     * fails with a connect timeout, <b>whether or not it is aborted</b>: a TCP connect to a server that accepts no more
     * connections (a frozen proxy or a stopped process, once its listen queue is full, drops the SYNs), which no HTTP
     * client can abort ({@code HttpURLConnection.disconnect()} does nothing before the connection exists).
     */
    public void connectHangMillis(long millis) {
        this.connectHangMillis = millis;
    }

    /**
     * From now on a stalled request that is aborted fails with a {@link NullPointerException} instead of an
     * {@link IOException}: what the JDK's {@code HttpURLConnection} (the SDK's URL-connection client) can throw on the
     * request's thread when another thread's {@code disconnect()} races with it.
     */
    public void abortThrowsNullPointer(boolean on) {
        this.abortThrowsNullPointer = on;
    }

    /** From now on every data GetItem stalls {@code millis} (0: none) unless aborted. */
    public void stallMillis(long millis) {
        this.stallMillis = millis;
    }

    /** The thread that ran the last data GetItem (the caller's, for a sync SDK client). */
    public Thread lastDataGetThread() {
        return lastDataGetThread;
    }

    @Override
    public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
        return new Call(request);
    }

    /** One request; {@link #abort()} ends its stall. */
    private final class Call implements ExecutableHttpRequest {
        private final HttpExecuteRequest request;
        private boolean aborted;

        Call(HttpExecuteRequest request) {
            this.request = request;
        }

        @Override
        public HttpExecuteResponse call() throws IOException {
            return answer(request, this);
        }

        synchronized void stall(long millis) throws IOException {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            long left;
            while (!aborted && (left = deadline - System.nanoTime()) > 0) {
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                }
            }
            if (aborted) {
                aborts.incrementAndGet();
                if (abortThrowsNullPointer) {
                    throw new NullPointerException("Cannot invoke \"sun.net.www.http.HttpClient.getInputStream()\" because"
                            + " \"this.http\" is null");
                }
                throw new IOException("request aborted");
            }
        }

        @Override
        public synchronized void abort() {
            aborted = true;
            notifyAll();
        }
    }

    HttpExecuteResponse answer(HttpExecuteRequest request, Call call) throws IOException {
        long connectHang = connectHangMillis;
        if (connectHang > 0) {
            try {
                Thread.sleep(connectHang); // not ended by abort(): see connectHangMillis
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            throw new java.net.SocketTimeoutException("connect timed out");
        }
        String target = request.httpRequest().firstMatchingHeader(TARGET).orElse("");
        long hang = hangMillis;
        if (hang > 0) {
            call.stall(hang);
        }
        byte[] body;
        switch (target.substring(target.indexOf('.') + 1)) {
            case "GetItem" -> {
                if (mentionsHeartbeat(request.contentStreamProvider())) {
                    body = ("{\"Item\":{\"pk\":{\"S\":\"haven#heartbeat\"},\"seq\":{\"N\":\"" + counter.seq.get() + "\"}}}")
                            .getBytes(StandardCharsets.UTF_8);
                } else {
                    long n = dataGets.incrementAndGet();
                    lastDataGetThread = Thread.currentThread();
                    long stall = stallMillis;
                    if (slowEvery > 0 && n % slowEvery == 0) {
                        stall = Math.max(stall, slowMillis);
                    }
                    if (stall > 0) {
                        call.stall(stall);
                    }
                    body = ITEM;
                }
            }
            case "UpdateItem" -> body = ("{\"Attributes\":{\"seq\":{\"N\":\"" + counter.seq.incrementAndGet() + "\"}}}")
                    .getBytes(StandardCharsets.UTF_8);
            case "DescribeTable" -> body = TABLE;
            default -> body = EMPTY;
        }
        return HttpExecuteResponse.builder().response(OK)
                .responseBody(AbortableInputStream.create(new ByteArrayInputStream(body)))
                .build();
    }

    private static boolean mentionsHeartbeat(Optional<ContentStreamProvider> content) throws IOException {
        if (content.isEmpty()) {
            return false;
        }
        byte[] buf = BUFFER.get();
        int len = 0;
        try (InputStream in = content.get().newStream()) {
            int r;
            while (len < buf.length && (r = in.read(buf, len, buf.length - len)) > 0) {
                len += r;
            }
        }
        outer:
        for (int i = 0; i + HEARTBEAT_KEY.length <= len; i++) {
            for (int j = 0; j < HEARTBEAT_KEY.length; j++) {
                if (buf[i + j] != HEARTBEAT_KEY[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    /**
     * One client for several regions: a request goes to the canned region whose name is in its host
     * ({@code dynamodb.us-east-1.amazonaws.com} → {@code "us-east-1"}).
     */
    public static SdkHttpClient byHost(Map<String, CannedDynamoDbHttpClient> regions) {
        Map<String, CannedDynamoDbHttpClient> copy = Map.copyOf(regions);
        return new SdkHttpClient() {
            @Override
            public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
                String host = request.httpRequest().host();
                for (Map.Entry<String, CannedDynamoDbHttpClient> e : copy.entrySet()) {
                    if (host.contains(e.getKey())) {
                        return e.getValue().prepareRequest(request);
                    }
                }
                throw new IllegalArgumentException("no canned region for host " + host + " among " + copy.keySet());
            }

            @Override
            public String clientName() {
                return "canned";
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public String clientName() {
        return "canned";
    }

    @Override
    public void close() {
    }
}
