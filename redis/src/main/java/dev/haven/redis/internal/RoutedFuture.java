package dev.haven.redis.internal;

import io.lettuce.core.RedisFuture;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The {@link RedisFuture} a routed asynchronous command returns: completed once the routed command is done, whichever
 * node (or nodes, for a retried read) it ran on. Cancelling it stops further attempts; a command already sent is not
 * recalled (as with Lettuce).
 */
public final class RoutedFuture<T> extends CompletableFuture<T> implements RedisFuture<T> {

    @Override
    public String getError() {
        if (!isCompletedExceptionally()) {
            return null;
        }
        try {
            getNow(null);
            return null;
        } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            return cause.getMessage();
        }
    }

    @Override
    public boolean await(long timeout, TimeUnit unit) throws InterruptedException {
        try {
            get(timeout, unit);
            return true;
        } catch (ExecutionException | java.util.concurrent.CancellationException e) {
            return true;
        } catch (TimeoutException e) {
            return false;
        }
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new RoutedFuture<>();
    }
}
