package dev.haven.benchmarks.ddb;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
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
 * <p>Optionally every {@code slowEvery}-th data {@code GetItem} sleeps {@code slowMillis} (a region with a slow
 * tail); heartbeat probes are never slowed. The request body is only scanned for {@code GetItem}, in a per-thread
 * buffer (the raw and the Haven benchmarks pay it alike).
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

    @Override
    public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
        return new ExecutableHttpRequest() {
            @Override
            public HttpExecuteResponse call() throws IOException {
                return answer(request);
            }

            @Override
            public void abort() {
            }
        };
    }

    HttpExecuteResponse answer(HttpExecuteRequest request) throws IOException {
        String target = request.httpRequest().firstMatchingHeader(TARGET).orElse("");
        byte[] body;
        switch (target.substring(target.indexOf('.') + 1)) {
            case "GetItem" -> {
                if (mentionsHeartbeat(request.contentStreamProvider())) {
                    body = ("{\"Item\":{\"pk\":{\"S\":\"haven#heartbeat\"},\"seq\":{\"N\":\"" + counter.seq.get() + "\"}}}")
                            .getBytes(StandardCharsets.UTF_8);
                } else {
                    long n = dataGets.incrementAndGet();
                    if (slowEvery > 0 && n % slowEvery == 0) {
                        try {
                            Thread.sleep(slowMillis);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new IOException("interrupted", e);
                        }
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

    @Override
    public String clientName() {
        return "canned";
    }

    @Override
    public void close() {
    }
}
