package dev.haven.dynamodb.internal;

import dev.haven.engine.EventBus;
import dev.haven.engine.HedgePolicy;
import dev.haven.engine.RetryBudget;
import dev.haven.event.HavenEvent;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Hedged reads: if the first region has not answered after {@link HedgePolicy#delayNanos}, the same read goes to the
 * second one and the first answer wins. With a client Haven built, the first call runs on the caller's thread and a
 * timer sends the hedge on a bounded pool; the loser is cancelled by aborting its HTTP request
 * ({@link CancellableHttpClient}). With a caller's client (which Haven cannot cancel) both calls run on the pool and
 * the caller waits; the loser ends by its own timeout. Hedges draw on the hedge budget ({@link HedgePolicy}, in the
 * engine); a hedge the budget refuses is asked for again every hedge delay while the first call runs. Every wait past
 * the hedge delay is reported to the first region's state ({@link RegionCalls#outpaced}), which demotes a region that
 * answers nothing; a read waiting for a demoted region may take its hedge from the retry budget instead (the retry its
 * timeout would bring). The timer also serves the async client's hedges.
 *
 * <p>Why a silent first region's call never runs on the caller's thread: a read on the caller's thread can only end
 * when its first call does, and aborting an HTTP request does not always end it. {@code HttpURLConnection.disconnect()}
 * does nothing while the TCP connect is under way, and a connect to a hung server hangs once its listen queue is full
 * (a frozen proxy or a stopped process accepts nothing: once its listen backlog is queued, 10 connections for the
 * testkit's proxy and 50 by Java's default, the kernel drops the SYNs). Each cancelled call closes its connection and
 * the next read opens a new one, so soon into a hang every new call there hangs in its connect, and a read whose hedge
 * had answered still waited out the attempt timeout (2 s in HedgeTailIT). So once a region has left a read waiting with no answer since, or is demoted
 * ({@link RegionCalls#silent}), a read that must try it first hands that call to the pool and waits for the first
 * answer, as with a caller's client, and the call that cannot be cancelled holds a pool thread, not the application's.
 */
final class Hedging {

    private final DynamoDbSettings settings;
    private final EventBus events;
    private final HedgePolicy hedges;
    private final RetryBudget retryBudget;
    private final RegionClients clients;
    private final RegionCalls calls;
    private final RegionView regions;
    private final ThreadPoolExecutor pool;
    /** Hedge timers (sync and async reads): one daemon thread; a cancelled timer is removed at once. */
    private final ScheduledThreadPoolExecutor timer;
    private final long waitCapNanos;

    Hedging(DynamoDbSettings settings, EventBus events, HedgePolicy hedges, RetryBudget retryBudget, RegionClients clients,
            RegionCalls calls, RegionView regions) {
        this.settings = settings;
        this.events = events;
        this.hedges = hedges;
        this.retryBudget = retryBudget;
        this.clients = clients;
        this.calls = calls;
        this.regions = regions;
        this.waitCapNanos = settings.apiCallTimeout().toNanos() + TimeUnit.SECONDS.toNanos(1);
        AtomicInteger n = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(0, settings.hedgeMaxThreads(), 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "haven-dynamodb-read-" + settings.clusterName() + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "haven-dynamodb-hedge-" + settings.clusterName());
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
    }

    /** The hedge delay for a read whose first region is {@code region} (fixed or adaptive). */
    long delayNanos(String region) {
        return hedges.delayNanos(regions.state(region));
    }

    /**
     * Whether a read still waiting for {@code first} may be hedged to {@code second} now: when the hedge budget gives a
     * hedge; or, {@code first} being demoted and the silence {@code first}'s ({@link #silenceIsFirsts}), when the
     * <b>retry</b> budget gives a retry: a call to a region that answers nothing is not expected to answer, and its
     * timeout would bring a retry (paid from the retry budget) anyway, so the hedge takes that retry's place, and its
     * token, now instead of after the timeout.
     */
    private boolean mayHedge(String first, String second, long startedNanos) {
        return hedges.tryHedge() || (calls.demoted(first) && silenceIsFirsts(first, second, startedNanos)
                && retryBudget.tryAcquire());
    }

    /**
     * Whether a read started at {@code startedNanos} waits for {@code first} because {@code first} is silent, not
     * because this machine is: {@code second} is not demoted, or both are and {@code second} has answered a request since
     * the read started while {@code first} has not (a loaded machine's stall demotes every region it slows; the one that
     * answers again is not the one that hangs). When neither answered meanwhile only the hedge budget decides.
     */
    private boolean silenceIsFirsts(String first, String second, long startedNanos) {
        return !calls.demoted(second)
                || (calls.answeredSince(second, startedNanos) && !calls.answeredSince(first, startedNanos));
    }

    /**
     * Whether the async client's read waiting for {@code first} may send its hedge to {@code second} now
     * ({@link #mayHedge}); when it may, publishes {@code HedgeSent} for {@code second}.
     */
    boolean tryHedge(String first, String second, long delayNanos) {
        // the async read's start is not known here: taken as now, only the demotions count
        if (!mayHedge(first, second, settings.ticker().nanoTime())) {
            return false;
        }
        hedgeSent(second, delayNanos);
        return true;
    }

    /**
     * How long a read whose hedge was refused (budget spent) waits before asking again: the hedge delay (at least a
     * millisecond). A refused hedge is not given up: when the first region is demoted meanwhile, or the budget
     * refills, the read is hedged then instead of waiting for its attempt timeout.
     */
    static long recheckNanos(long delayNanos) {
        return Math.max(delayNanos, TimeUnit.MILLISECONDS.toNanos(1));
    }

    private void hedgeSent(String region, long delayNanos) {
        if (events.hasListeners()) {
            events.publish(new HavenEvent.HedgeSent(settings.clusterName(), settings.clock().instant(),
                    regions.state(region).endpoint(), Duration.ofNanos(delayNanos)));
        }
    }

    /**
     * Sends the read to {@code first}; after the hedge delay without an answer, also to {@code second}. On the caller's
     * thread ({@link #raced}) when Haven can cancel the call and {@code first} is not silent ({@link RegionCalls#silent}:
     * its call might not end when cancelled), else on the pool ({@link #handedOff}).
     */
    <Q, R> R hedged(String first, String second, Q req, BiFunction<DynamoDbClient, Q, R> call, boolean[] sent) {
        if (!clients.cancellable(first)) {
            return handedOff(first, second, req, call, sent, false);
        }
        return calls.silent(first) ? handedOff(first, second, req, call, sent, true) : raced(first, second, req, call, sent);
    }

    /**
     * A hedged read without a thread hand-off: the first call runs on the caller's thread; a timer sends the hedge
     * (on the pool) if the first has not answered after the delay. The first success wins and cancels the other
     * call; a call that failed waits for the other one if it was sent.
     */
    private <Q, R> R raced(String first, String second, Q req, BiFunction<DynamoDbClient, Q, R> call, boolean[] sent) {
        long delay = delayNanos(first);
        HedgeRace<R> race = new HedgeRace<>();
        long started = settings.ticker().nanoTime();
        java.util.concurrent.ScheduledFuture<?> armed;
        try {
            armed = timer.schedule(() -> launchHedge(race, first, second, req, call, delay, started, started, -1, sent), delay,
                    TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closing) {
            return calls.attempt(first, req, call, null);
        }
        R r;
        try {
            r = calls.attempt(first, req, call, race.first);
        } catch (RuntimeException e) {
            if (race.closeLaunch()) {
                armed.cancel(false);
                throw e; // no hedge was sent (and none will be): the usual retry rules
            }
            return race.awaitHedge(e, waitCapNanos, first + "/" + second);
        }
        if (race.closeLaunch()) {
            armed.cancel(false);
            return r;
        }
        if (race.firstWins()) {
            race.second.cancel();
        }
        return r;
    }

    /**
     * On the timer thread: sends the hedge to {@code second} unless the first call ended. Each time it runs, the first
     * call has waited another hedge delay (since {@code waitingSince}) without an answer: {@code first}'s state is told
     * so ({@link RegionCalls#outpaced}) when {@link RegionCalls#mayReport} (the read has not counted yet, under
     * {@code reportedEpoch}), whether or not a hedge may go, so that a region that answers nothing is demoted also when
     * the hedge budget is spent. When the hedge may not go yet ({@link #mayHedge}), asks again after
     * {@link #recheckNanos} for as long as the first call runs. The read started at {@code startedNanos}.
     */
    private <Q, R> void launchHedge(HedgeRace<R> race, String first, String second, Q req,
            BiFunction<DynamoDbClient, Q, R> call, long delay, long startedNanos, long waitingSince, long reportedEpoch,
            boolean[] sent) {
        if (!race.open()) {
            return;
        }
        long epoch = calls.mayReport(first, reportedEpoch) ? Math.max(reportedEpoch, calls.outpaced(first, waitingSince))
                : reportedEpoch;
        if (!mayHedge(first, second, startedNanos)) {
            try {
                long now = settings.ticker().nanoTime();
                timer.schedule(() -> launchHedge(race, first, second, req, call, delay, startedNanos, now, epoch, sent),
                        recheckNanos(delay), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException closing) {
                // closing: the first call alone decides
            }
            return;
        }
        if (!race.launch()) {
            return; // the first call ended meanwhile
        }
        sent[0] = true; // before the hedge runs: the caller reads it after the hedge's answer
        try {
            pool.execute(() -> {
                try {
                    R r2 = calls.attempt(second, req, call, race.second);
                    if (race.secondWins()) {
                        race.first.cancel();
                    }
                    race.hedge.complete(r2);
                } catch (Throwable t) {
                    race.hedge.completeExceptionally(t);
                }
            });
        } catch (RejectedExecutionException full) {
            sent[0] = false;
            race.noHedge();
            return;
        }
        hedgeSent(second, delay);
    }

    /**
     * A hedged read whose calls both run on the pool while the caller waits for the first answer: over a caller's client
     * (which Haven cannot cancel: the loser ends by its own timeout), and over Haven's ({@code cancellable}) when the
     * first region is silent ({@link #hedged}): then the loser is cancelled as in {@link #raced}, and a call the cancel
     * cannot end holds a pool thread until its own timeout instead of the caller. With the pool full the read runs on
     * the caller's thread: as {@link #raced} over Haven's client, unhedged over a caller's.
     */
    private <Q, R> R handedOff(String first, String second, Q req, BiFunction<DynamoDbClient, Q, R> call, boolean[] sent,
            boolean cancellable) {
        long started = settings.ticker().nanoTime();
        CancellableHttpClient.Leg firstLeg = cancellable ? new CancellableHttpClient.Leg() : null;
        CompletableFuture<R> f1 = submit(first, req, call, firstLeg);
        if (f1 == null) { // pool saturated: no handoff
            return cancellable ? raced(first, second, req, call, sent) : calls.attempt(first, req, call, null);
        }
        long delay = delayNanos(first);
        long wait = delay;
        long giveUp = started + waitCapNanos;
        long reportedEpoch = -1;
        while (true) {
            try {
                return f1.get(wait, TimeUnit.NANOSECONDS);
            } catch (TimeoutException slow) {
                // hedge below, or wait again
            } catch (ExecutionException e) {
                throw unwrap(e.getCause());
            } catch (InterruptedException e) {
                cancel(firstLeg);
                Thread.currentThread().interrupt();
                throw SdkClientException.create("Interrupted while waiting for DynamoDB in " + first, e);
            }
            // no answer within (another) hedge delay: told until it counts (again after a lifted demotion)
            if (calls.mayReport(first, reportedEpoch)) {
                reportedEpoch = Math.max(reportedEpoch, calls.outpaced(first, settings.ticker().nanoTime() - wait));
            }
            if (mayHedge(first, second, started)) {
                break;
            }
            long left = giveUp - settings.ticker().nanoTime();
            if (left <= 0) {
                return await(f1, first);
            }
            wait = Math.min(left, recheckNanos(delay)); // refused: ask again while the first call runs
        }
        CancellableHttpClient.Leg secondLeg = cancellable ? new CancellableHttpClient.Leg() : null;
        CompletableFuture<R> f2 = submit(second, req, call, secondLeg);
        if (f2 == null) {
            return await(f1, first);
        }
        sent[0] = true;
        hedgeSent(second, delay);
        CompletableFuture<R> winner = new CompletableFuture<>();
        AtomicInteger failures = new AtomicInteger();
        f1.whenComplete((r, t) -> settle(winner, failures, r, t, secondLeg));
        f2.whenComplete((r, t) -> settle(winner, failures, r, t, firstLeg));
        try {
            return await(winner, first + "/" + second);
        } catch (RuntimeException e) {
            if (!winner.isDone()) { // the caller gives up (interrupted, or past the cap): neither call is wanted
                cancel(firstLeg);
                cancel(secondLeg);
            }
            throw e;
        }
    }

    /**
     * One call of a handed-off pair ended: its answer is the read's if it is the first ({@code other}, the other call,
     * is cancelled: never the winner's, whose connection stays open for the next request); a failure only once both
     * failed.
     */
    private static <R> void settle(CompletableFuture<R> winner, AtomicInteger failures, R r, Throwable t,
            CancellableHttpClient.Leg other) {
        if (t == null) {
            if (winner.complete(r)) {
                cancel(other);
            }
        } else if (failures.incrementAndGet() == 2) {
            winner.completeExceptionally(t);
        }
    }

    private static void cancel(CancellableHttpClient.Leg leg) {
        if (leg != null) {
            leg.cancel();
        }
    }

    private <R> R await(CompletableFuture<R> f, String where) {
        try {
            return f.get(waitCapNanos, TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw unwrap(e.getCause());
        } catch (TimeoutException e) {
            throw SdkClientException.create("No answer from DynamoDB in " + where + " within "
                    + TimeUnit.NANOSECONDS.toMillis(waitCapNanos) + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw SdkClientException.create("Interrupted while waiting for DynamoDB in " + where, e);
        }
    }

    /** The call on the pool, as {@code leg} of a hedged pair when not {@code null}; {@code null} when the pool is full. */
    private <Q, R> CompletableFuture<R> submit(String region, Q req, BiFunction<DynamoDbClient, Q, R> call,
            CancellableHttpClient.Leg leg) {
        CompletableFuture<R> f = new CompletableFuture<>();
        try {
            pool.execute(() -> {
                try {
                    f.complete(calls.attempt(region, req, call, leg));
                } catch (Throwable t) {
                    f.completeExceptionally(t);
                }
            });
        } catch (RejectedExecutionException full) {
            return null;
        }
        return f;
    }

    static RuntimeException unwrap(Throwable t) {
        if (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error err) {
            throw err;
        }
        return SdkClientException.create(String.valueOf(t), t);
    }

    /** The hedge timer, shared with the async client. */
    ScheduledThreadPoolExecutor timer() {
        return timer;
    }

    /** Stops the timer and the read pool (waits up to 5 s for the pool's calls to end). */
    void close() {
        timer.shutdownNow();
        pool.shutdownNow();
        try {
            pool.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
