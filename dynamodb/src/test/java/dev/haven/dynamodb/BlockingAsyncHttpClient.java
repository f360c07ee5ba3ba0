package dev.haven.dynamodb;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.async.AsyncExecuteRequest;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

/**
 * An async HTTP client for the SDK's async DynamoDB clients in tests, over the URL-connection client (the module ships
 * no Netty): each request runs on a pool thread, and a request the SDK gives up on (its attempt timeout) is aborted.
 */
final class BlockingAsyncHttpClient implements SdkAsyncHttpClient {

    private final SdkHttpClient http;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "test-async-http");
        t.setDaemon(true);
        return t;
    });

    BlockingAsyncHttpClient(Duration socketTimeout) {
        this.http = UrlConnectionHttpClient.builder().connectionTimeout(socketTimeout).socketTimeout(socketTimeout).build();
    }

    @Override
    public CompletableFuture<Void> execute(AsyncExecuteRequest request) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        body(request.requestContentPublisher()).thenAcceptAsync(body -> {
            ExecutableHttpRequest call = http.prepareRequest(HttpExecuteRequest.builder().request(request.request())
                    .contentStreamProvider(body.length == 0 ? null : () -> new ByteArrayInputStream(body)).build());
            done.whenComplete((v, t) -> {
                if (t != null) {
                    call.abort(); // the SDK gave up on it
                }
            });
            try {
                HttpExecuteResponse response = call.call();
                byte[] bytes;
                try (InputStream in = response.responseBody().orElse(AbortableInputStream.createEmpty())) {
                    bytes = in.readAllBytes();
                }
                request.responseHandler().onHeaders(response.httpResponse());
                request.responseHandler().onStream(single(ByteBuffer.wrap(bytes)));
                done.complete(null);
            } catch (Throwable t) {
                if (!done.isDone()) {
                    request.responseHandler().onError(t);
                    done.completeExceptionally(t);
                }
            }
        }, pool).exceptionally(t -> {
            done.completeExceptionally(t);
            return null;
        });
        return done;
    }

    private static CompletableFuture<byte[]> body(Publisher<ByteBuffer> content) {
        CompletableFuture<byte[]> out = new CompletableFuture<>();
        if (content == null) {
            out.complete(new byte[0]);
            return out;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        content.subscribe(new Subscriber<>() {
            @Override
            public void onSubscribe(Subscription s) {
                s.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(ByteBuffer b) {
                byte[] chunk = new byte[b.remaining()];
                b.get(chunk);
                bytes.writeBytes(chunk);
            }

            @Override
            public void onError(Throwable t) {
                out.completeExceptionally(t);
            }

            @Override
            public void onComplete() {
                out.complete(bytes.toByteArray());
            }
        });
        return out;
    }

    private static Publisher<ByteBuffer> single(ByteBuffer buffer) {
        return subscriber -> {
            AtomicBoolean emitted = new AtomicBoolean();
            subscriber.onSubscribe(new Subscription() {
                @Override
                public void request(long n) {
                    if (n > 0 && emitted.compareAndSet(false, true)) {
                        if (buffer.hasRemaining()) {
                            subscriber.onNext(buffer);
                        }
                        subscriber.onComplete();
                    }
                }

                @Override
                public void cancel() {
                    emitted.set(true);
                }
            });
        };
    }

    @Override
    public String clientName() {
        return "TestBlockingAsync";
    }

    @Override
    public void close() {
        pool.shutdownNow();
        try {
            pool.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        http.close();
    }
}
