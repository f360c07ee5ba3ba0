package dev.haven.engine;

import dev.haven.Ticker;

/**
 * The retry decisions of one operation, whatever the store and however it is driven (blocking or asynchronously):
 * how many tries it has had, whether a failure may be tried again, how long to back off, when its deadline passes.
 * No I/O and no sleeping: a driver sends, reports a failure with {@link #failed}, asks {@link #mayRetry()}, waits
 * {@link #backoffNanos} and sends again, elsewhere if the router says so.
 *
 * <pre>{@code
 * Attempts attempts = new Attempts(policy, budget, ticker);     // counts the operation for the retry budget
 * while (true) {
 *     try {
 *         return send(router.pick());
 *     } catch (StoreException e) {
 *         if (!attempts.failed(classify(e), write) || !attempts.mayRetry()) {
 *             throw e;                                         // or the store's HavenFailure for it
 *         }
 *         sleep(attempts.backoffNanos(random));
 *     }
 * }
 * }</pre>
 *
 * <p>Rules: a {@link Fault} that the operation's kind cannot retry ({@link Fault#retryableRead()},
 * {@link Fault#retryableWrite()}) ends it; a failure that never reached a server costs no attempt
 * ({@link Fault#costsAttempt()}), every other one does, up to {@link RetryPolicy#maxAttempts()}; no retry starts after
 * the deadline; every retry takes a token from the shared {@link RetryBudget}. Not thread-safe: one operation, one
 * driver at a time.
 */
public final class Attempts {

    private final RetryPolicy policy;
    private final RetryBudget budget;
    private final Ticker ticker;
    private final long deadline;
    private int attempts = 1;
    private int retries;
    private boolean lastWasFree;

    /** Starts an operation now: counts it for the retry budget. */
    public Attempts(RetryPolicy policy, RetryBudget budget, Ticker ticker) {
        this(policy, budget, ticker, ticker.nanoTime());
        budget.onRequest();
    }

    private Attempts(RetryPolicy policy, RetryBudget budget, Ticker ticker, long startNanos) {
        this.policy = policy;
        this.budget = budget;
        this.ticker = ticker;
        this.deadline = startNanos + policy.deadline().toNanos();
    }

    /**
     * For a hot path that allocates nothing until something fails: the operation started at {@code startNanos} and
     * was counted for the retry budget then ({@link RetryBudget#onRequest()}, by the caller); its first try just
     * failed. Same decisions as an {@code Attempts} made at the start.
     */
    public static Attempts afterFirstFailure(RetryPolicy policy, RetryBudget budget, Ticker ticker, long startNanos) {
        return new Attempts(policy, budget, ticker, startNanos);
    }

    /** The deadline of the whole operation, in ticker nanos. */
    public long deadline() {
        return deadline;
    }

    /** Nanos left before the deadline (negative once it passed). */
    public long nanosLeft() {
        return deadline - ticker.nanoTime();
    }

    /** Tries that counted so far, the running one included (1 for the first). */
    public int attempts() {
        return attempts;
    }

    /** Retries granted so far. */
    public int retries() {
        return retries;
    }

    /**
     * The try that was running failed with {@code fault}.
     *
     * @param write whether the operation is a write (only what certainly did not run is tried again)
     * @return whether the fault is one a retry can fix for this operation; {@link #mayRetry()} then decides whether
     *         it gets one
     */
    public boolean failed(Fault fault, boolean write) {
        lastWasFree = !fault.costsAttempt(); // the next try replaces this one
        return write ? fault.retryableWrite() : fault.retryableRead();
    }

    /**
     * Whether the operation may be tried again now: attempts left, before its deadline, and a token from the retry
     * budget (taken only when the rest allows). A granted retry counts as the next attempt, unless the failed try never
     * reached a server.
     */
    public boolean mayRetry() {
        int next = lastWasFree ? attempts : attempts + 1;
        if (next > policy.maxAttempts() || ticker.nanoTime() - deadline >= 0 || !budget.tryAcquire()) {
            return false;
        }
        attempts = next;
        lastWasFree = false;
        retries++;
        return true;
    }

    /**
     * The full-jitter backoff before the retry just granted ({@link Backoff}, from {@code retry.base-backoff} doubling
     * up to {@code retry.max-backoff}), never more than half the time left before the deadline.
     *
     * @param random uniform in [0, 1)
     */
    public long backoffNanos(double random) {
        long b = Backoff.fullJitterNanos(Math.max(0, retries - 1), policy.baseBackoff().toNanos(),
                policy.maxBackoff().toNanos(), random);
        long left = nanosLeft();
        return b > left ? Math.max(0, left / 2) : b;
    }
}
