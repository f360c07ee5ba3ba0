package dev.haven.dynamodb.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * The state of one sync hedged read whose first call runs on the caller's thread: whether the hedge was sent
 * (decided once, by the timer or by the first call ending first), which call won, and the hedge's answer.
 */
final class HedgeRace<R> extends dev.haven.engine.HedgeRace {

    /** Completes {@link #hedge} when no hedge is sent after all (budget spent, pool full). */
    private static final RuntimeException NO_HEDGE = new RuntimeException("no hedge", null, false, false) {
    };

    final CancellableHttpClient.Leg first = new CancellableHttpClient.Leg();
    final CancellableHttpClient.Leg second = new CancellableHttpClient.Leg();
    /** The hedge's answer; only completed once {@link #launch()} succeeded. */
    final CompletableFuture<R> hedge = new CompletableFuture<>();

    void noHedge() {
        hedge.completeExceptionally(NO_HEDGE);
    }

    /**
     * After the first call failed with {@code firstFailure} and the hedge was launched: the hedge's answer, or its
     * failure, or {@code firstFailure} when no hedge went out after all.
     */
    R awaitHedge(RuntimeException firstFailure, long capNanos, String where) {
        try {
            return hedge.get(capNanos, TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() == NO_HEDGE) {
                throw firstFailure;
            }
            throw Hedging.unwrap(e.getCause());
        } catch (TimeoutException e) {
            second.cancel();
            throw SdkClientException.create("No answer from DynamoDB in " + where + " within "
                    + TimeUnit.NANOSECONDS.toMillis(capNanos) + " ms");
        } catch (InterruptedException e) {
            second.cancel();
            Thread.currentThread().interrupt();
            throw SdkClientException.create("Interrupted while waiting for DynamoDB in " + where, e);
        }
    }
}
