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
        Guarded r = new Guarded(delegate.prepareRequest(request));
        Leg leg = CURRENT.get();
        if (leg != null) {
            leg.register(r);
        }
        return r;
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
        private volatile Guarded request;
        private volatile boolean cancelled;

        void register(Guarded r) {
            r.leg = this;
            request = r;
            if (cancelled) { // cancel() may have missed the request: both sides write, then read
                r.abort();
            }
        }

        /** Cancels this leg: aborts its HTTP request if it has one, and any it prepares later. */
        void cancel() {
            cancelled = true;
            Guarded r = request;
            if (r != null) {
                r.abort();
            }
        }

        /** Whether this leg lost the race (its failure is then no fault of its region). */
        boolean cancelled() {
            return cancelled;
        }
    }

    /**
     * Every request of an SDK client Haven builds. A request aborted from another thread (a cancelled hedge, the SDK's
     * own attempt timeout) fails with an {@link IOException} on its own thread, whatever the HTTP client throws there:
     * the JDK's {@code HttpURLConnection} can throw a {@code NullPointerException} when a {@code disconnect()} races
     * with the request, and the SDK passes a runtime exception through as it is, so an application saw a bare NPE for
     * a call that had simply timed out. As an {@code IOException} it is what it is: a call cut short (the SDK makes it
     * its attempt timeout when its timer did the abort).
     */
    static final class Guarded implements ExecutableHttpRequest {
        private final ExecutableHttpRequest delegate;
        private volatile boolean aborted;
        volatile Leg leg;

        Guarded(ExecutableHttpRequest delegate) {
            this.delegate = delegate;
        }

        @Override
        public HttpExecuteResponse call() throws IOException {
            Leg l = leg;
            if (l != null && l.cancelled) {
                throw new IOException("hedged read: the other region answered first");
            }
            try {
                return delegate.call();
            } catch (RuntimeException e) {
                if (!aborted) {
                    throw e;
                }
                throw new IOException("request aborted (" + e.getClass().getSimpleName() + " from the HTTP client)", e);
            }
        }

        @Override
        public void abort() {
            aborted = true;
            delegate.abort();
        }
    }
}
