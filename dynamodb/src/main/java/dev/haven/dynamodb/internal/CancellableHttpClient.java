package dev.haven.dynamodb.internal;

import java.io.IOException;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;

/**
 * The {@link SdkHttpClient} under every SDK client Haven builds: plain delegation, except that a request prepared
 * on a thread running a {@link Leg} of a hedged read is registered with it, so that the leg can be cancelled from
 * another thread by aborting its HTTP request (the SDK's own attempt timeout does the same). A sync SDK client
 * prepares and runs its request on the calling thread, which is what makes the thread-local hand-over work.
 *
 * <p>Closes the delegate only when Haven built it ({@code owned}).
 */
final class CancellableHttpClient implements SdkHttpClient {

    private static final ThreadLocal<Leg> CURRENT = new ThreadLocal<>();

    private final SdkHttpClient delegate;
    private final boolean owned;

    CancellableHttpClient(SdkHttpClient delegate, boolean owned) {
        this.delegate = delegate;
        this.owned = owned;
    }

    /** Marks the calling thread as running {@code leg} ({@code null}: none) for the SDK calls it makes next. */
    static void enter(Leg leg) {
        CURRENT.set(leg);
    }

    @Override
    public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
        ExecutableHttpRequest r = delegate.prepareRequest(request);
        Leg leg = CURRENT.get();
        return leg == null ? r : leg.register(r);
    }

    @Override
    public String clientName() {
        return delegate.clientName();
    }

    @Override
    public void close() {
        if (owned) {
            delegate.close();
        }
    }

    /**
     * One of the two calls of a hedged read. {@link #cancel()} may come before, during or after the call's HTTP
     * request exists: a request registered after the cancel is aborted at once and never sent.
     */
    static final class Leg {
        private volatile ExecutableHttpRequest request;
        private volatile boolean cancelled;

        ExecutableHttpRequest register(ExecutableHttpRequest r) {
            ExecutableHttpRequest guarded = new ExecutableHttpRequest() {
                @Override
                public HttpExecuteResponse call() throws IOException {
                    if (cancelled) {
                        throw new IOException("hedged read: the other region answered first");
                    }
                    return r.call();
                }

                @Override
                public void abort() {
                    r.abort();
                }
            };
            request = r;
            if (cancelled) { // cancel() may have missed the request: both sides write, then read
                r.abort();
            }
            return guarded;
        }

        /** Cancels this leg: aborts its HTTP request if it has one, and any it prepares later. */
        void cancel() {
            cancelled = true;
            ExecutableHttpRequest r = request;
            if (r != null) {
                r.abort();
            }
        }

        /** Whether this leg lost the race (its failure is then no fault of its region). */
        boolean cancelled() {
            return cancelled;
        }
    }
}
