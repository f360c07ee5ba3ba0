package dev.haven.engine;

import dev.haven.Endpoint;
import dev.haven.Position;
import dev.haven.Role;
import dev.haven.internal.Ewma;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Live state of one endpoint: written by the monitor (probe results) and by the request path (latency,
 * in-flight count, breaker), read by the router without locks. Fields are volatile or atomic; a reader
 * may see a mix of two probe rounds, which is harmless because each field is individually conservative
 * ({@code freshAsOf} only grows within one writer lineage and is reset with it).
 */
public final class EndpointState implements RouteCandidate {

    private volatile Endpoint endpoint;
    private volatile boolean up;
    private volatile long freshAsOfNanos = LagTracker.UNKNOWN;
    private volatile Position position;
    private volatile boolean saturated;
    private final Ewma latency = new Ewma(0.2);
    /**
     * Calls in progress, counted up and down by every request: a {@code LongAdder}, whose cells sit on cache lines of
     * their own, where an {@code AtomicInteger} was a line that all threads wrote and that also held fields
     * {@link #available()} reads per request (a hot spot at 4 threads).
     */
    private final LongAdder inFlight = new LongAdder();
    // Ticker time of the latest connection failure the request path reported, NOT_SUSPECT when none is pending.
    private final AtomicLong suspectSince = new AtomicLong(NOT_SUSPECT);
    // Ticker time of the latest request this endpoint answered, to the millisecond (written at most once per ms).
    private volatile long lastAnswerNanos = Long.MIN_VALUE;
    // Ticker time since which the endpoint is demoted (outpaced()), NOT_DEMOTED when it is not.
    private final AtomicLong demotedSince = new AtomicLong(NOT_DEMOTED);
    // Calls outpaced (outpaced()) since the endpoint last answered a request.
    private final AtomicInteger outpacedSinceAnswer = new AtomicInteger();
    // Demotions and their ends so far (see demotionEpoch()).
    private final AtomicLong demotionEpoch = new AtomicLong();
    private final CircuitBreaker breaker;
    // Successes in a row since the breaker last saw an error or changed state, counted up to its window size: once its
    // count-based window holds nothing but successes, recording one more changes nothing, so the request path leaves the
    // breaker alone (its window is a lock, or an allocation per call, that every request thread of the endpoint shares).
    private final AtomicInteger cleanStreak = new AtomicInteger();
    private final int breakerWindow;
    private final long slowCallNanos;
    private final boolean seed;
    private volatile String lastProbeFailure; // monitor-written: why the latest probe failed, null once one answered

    // Monitor-thread only.
    volatile boolean probeInFlight;
    int roundsUnreported;
    boolean fenced;

    public EndpointState(Endpoint endpoint, CircuitBreaker breaker, boolean seed) {
        this.endpoint = endpoint;
        this.breaker = breaker;
        this.seed = seed;
        var config = breaker.getCircuitBreakerConfig();
        this.breakerWindow = config.getSlidingWindowType() == CircuitBreakerConfig.SlidingWindowType.COUNT_BASED
                ? config.getSlidingWindowSize() : Integer.MAX_VALUE; // a time-based window ages: record every call
        this.slowCallNanos = config.getSlowCallDurationThreshold().toNanos();
        breaker.getEventPublisher().onStateTransition(e -> cleanStreak.set(0)).onReset(e -> cleanStreak.set(0));
    }

    @Override
    public Endpoint endpoint() {
        return endpoint;
    }

    public String id() {
        return endpoint.id();
    }

    private static final long NOT_SUSPECT = Long.MIN_VALUE;
    private static final long NOT_DEMOTED = Long.MIN_VALUE;

    /**
     * How many waits past a call's expected time ({@link #outpaced}), with no answer from the endpoint in between,
     * demote it: one is a slow request (a single-threaded client sees one every now and then); three with nothing
     * answered meanwhile are an endpoint that has stopped answering.
     */
    public static final int OUTPACED_TO_DEMOTE = 3;

    /**
     * Up by the last probe, not suspected since, and admitted by its circuit breaker. A connection failure reported
     * by {@link #suspect(long)} takes the endpoint out of routing at once, for every thread, until a probe sent after
     * that failure answers: no request waits in a pool for a server that may be dead while the monitor finds out.
     */
    @Override
    public boolean available() {
        if (!up || suspectSince.get() != NOT_SUSPECT) {
            return false;
        }
        CircuitBreaker.State s = breaker.getState();
        return s != CircuitBreaker.State.OPEN && s != CircuitBreaker.State.FORCED_OPEN;
    }

    public boolean up() {
        return up;
    }

    @Override
    public long freshAsOfNanos() {
        return freshAsOfNanos;
    }

    @Override
    public Position position() {
        return position;
    }

    @Override
    public double latencyNanos() {
        return latency.value(0);
    }

    @Override
    public int inFlight() {
        return (int) Math.max(0, inFlight.sum()); // a sum read while cells change can be a little off, never below 0
    }

    @Override
    public boolean saturated() {
        return saturated;
    }

    public CircuitBreaker breaker() {
        return breaker;
    }

    public boolean seed() {
        return seed;
    }

    public Role role() {
        return endpoint.role();
    }

    /** Request path: a call to this endpoint starts. */
    public void begin() {
        inFlight.increment();
    }

    /** Request path: a call ends after {@code nanos}. */
    public void end(long nanos) {
        inFlight.decrement();
        if (nanos >= 0) {
            latency.update(nanos);
        }
    }

    /**
     * Request path: a call started (after {@link #begin()}) at {@code startNanos} answered at {@code nowNanos}, ticker
     * time: its latency, a success in the breaker, and evidence of life ({@link #answered}).
     */
    public void succeeded(long startNanos, long nowNanos) {
        long took = nowNanos - startNanos;
        end(took);
        breakerSuccess(took);
        answered(nowNanos);
        long demoted = demotedSince.get();
        if (demoted != NOT_DEMOTED && startNanos - demoted > 0) {
            lift(demoted); // a request sent after the demotion was answered
        }
    }

    private void lift(long demoted) {
        if (demotedSince.compareAndSet(demoted, NOT_DEMOTED)) {
            demotionEpoch.incrementAndGet();
        }
    }

    /**
     * Request path: a call to this endpoint has waited from {@code sinceNanos} to {@code nowNanos} without an answer,
     * longer than a call there should take (a read's hedge delay passed, or an attempt timed out). When the endpoint
     * answered no request at all in that time (a busy endpoint that answers others is slow, not silent), it counts;
     * {@link #OUTPACED_TO_DEMOTE} counts with no answer in between and the endpoint has fallen silent: it is
     * <b>demoted</b> ({@link #demoted()}): the router tries it after every other qualifying endpoint (it still serves
     * what only it can serve: writes, strong reads), until a probe or a request sent after the demotion answers.
     * Being declared down stays the monitor's verdict (its probe timeout); this only stops reads from going to a
     * silent endpoint first, and from waiting there, while the monitor finds out.
     *
     * @return whether this call demoted it (then the store signals the monitor, which probes it at once)
     */
    public boolean outpaced(long sinceNanos, long nowNanos) {
        if (answeredSince(sinceNanos) || outpacedSinceAnswer.incrementAndGet() < OUTPACED_TO_DEMOTE) {
            return false;
        }
        if (demotedSince.get() == NOT_DEMOTED && demotedSince.compareAndSet(NOT_DEMOTED, nowNanos)) {
            demotionEpoch.incrementAndGet();
            return true;
        }
        return false;
    }

    /**
     * How many times the endpoint was demoted or its demotion lifted so far: a caller that reported a wait
     * ({@link #outpaced}) and sees the endpoint routable again under another epoch may report its wait again (a probe
     * lifted the demotion while the caller's own call still gets no answer).
     */
    public long demotionEpoch() {
        return demotionEpoch.get();
    }

    /**
     * Whether a call to the endpoint has waited past its expected time ({@link #outpaced}) with no answer from the
     * endpoint since, or it is demoted: a caller should not stake its own thread on a call there. Cancelling a call does
     * not always end it (no HTTP client can abort a TCP connect to a server whose listen queue is full, as a frozen
     * server's or proxy's soon is), so a caller running such a call itself, counting on the cancel once a hedge has
     * answered, may wait out its whole timeout.
     */
    public boolean silent() {
        return outpacedSinceAnswer.get() > 0 || demoted();
    }

    /** Whether the endpoint is demoted ({@link #outpaced}): routed after every other qualifying endpoint. */
    @Override
    public boolean demoted() {
        return demotedSince.get() != NOT_DEMOTED;
    }

    /**
     * Request path: a call that took {@code tookNanos} succeeded, for the circuit breaker alone (a store that tracks
     * latency and life itself). While the breaker's window holds nothing but successes, nothing is recorded: it would
     * not change.
     */
    public void breakerSuccess(long tookNanos) {
        int streak = cleanStreak.get();
        if (streak < breakerWindow || tookNanos >= slowCallNanos || breaker.getState() != CircuitBreaker.State.CLOSED) {
            breaker.onSuccess(tookNanos, TimeUnit.NANOSECONDS);
            if (streak < breakerWindow) {
                cleanStreak.incrementAndGet();
            }
        }
    }

    /** Request path: a call that took {@code tookNanos} failed in a way that is the endpoint's: an error in its breaker. */
    public void breakerError(long tookNanos, Throwable error) {
        cleanStreak.set(0);
        breaker.onError(tookNanos, TimeUnit.NANOSECONDS, error);
    }

    /**
     * Request path: a call started (after {@link #begin()}) at {@code startNanos} failed at {@code nowNanos} with
     * {@code fault}; one that is the endpoint's ({@link Fault#endpointFault()}) counts as an error in its breaker.
     * Telling the monitor is the store's (it knows what to say).
     */
    public void failed(long startNanos, long nowNanos, Fault fault, Throwable error) {
        end(-1);
        if (fault.endpointFault()) {
            breakerError(nowNanos - startNanos, error);
        }
    }

    public void recordLatency(long nanos) {
        latency.update(nanos);
    }

    /**
     * Request path: a connection to this endpoint failed (refused, reset, timed out) at {@code nowNanos} (ticker
     * time). The endpoint is unavailable until a probe sent after that answers; wake the monitor so it comes soon.
     */
    public void suspect(long nowNanos) {
        suspectSince.accumulateAndGet(nowNanos, (prev, next) -> prev == NOT_SUSPECT ? next : Math.max(prev, next));
    }

    /**
     * Request path: this endpoint answered a request at {@code nowNanos} (ticker time). Evidence of life that a
     * probe timeout cannot outweigh: a server that keeps answering requests is loaded, not dead. Cheap on the hot
     * path: the shared field is written at most once per millisecond.
     */
    public void answered(long nowNanos) {
        long last = lastAnswerNanos;
        if (last == Long.MIN_VALUE || nowNanos - last > 1_000_000L) {
            lastAnswerNanos = nowNanos;
        }
        if (outpacedSinceAnswer.get() != 0) { // read first: a healthy endpoint's answers write nothing here
            outpacedSinceAnswer.set(0);
        }
        long since = suspectSince.get();
        if (since != NOT_SUSPECT && nowNanos - since > 0) {
            // An answer after the reported failure: the server is alive (one connection broke, or the server was only
            // slow); no need to wait for a probe, which a loaded machine may not answer within its timeout.
            suspectSince.compareAndSet(since, NOT_SUSPECT);
        }
    }

    /** Whether a request was answered at or after {@code nanos} (within the millisecond {@link #answered} keeps). */
    public boolean answeredSince(long nanos) {
        long last = lastAnswerNanos;
        return last != Long.MIN_VALUE && last - nanos >= -1_000_000L;
    }

    /** Whether a reported connection failure is waiting for a probe to confirm or clear it. */
    public boolean suspected() {
        return suspectSince.get() != NOT_SUSPECT;
    }

    /** Monitor: a probe sent at {@code sentNanos} answered; it clears any suspicion or demotion raised before it was sent. */
    void probeAnswered(long sentNanos) {
        long since = suspectSince.get();
        if (since != NOT_SUSPECT && sentNanos - since > 0) {
            suspectSince.compareAndSet(since, NOT_SUSPECT); // a newer failure reported meanwhile stays
        }
        long demoted = demotedSince.get();
        if (demoted != NOT_DEMOTED && sentNanos - demoted > 0) {
            lift(demoted);
        }
    }

    public void saturated(boolean value) {
        this.saturated = value;
    }

    void endpoint(Endpoint e) {
        this.endpoint = e;
    }

    void up(boolean value) {
        this.up = value;
    }

    void freshAsOf(long nanos) {
        this.freshAsOfNanos = nanos;
    }

    /**
     * Why the latest probe of this endpoint failed ({@code "SQLException: SSL error: PKIX path building failed..."}),
     * or {@code null} once a probe answered: what an application is told when no writer can be found at all.
     */
    public String lastProbeFailure() {
        return lastProbeFailure;
    }

    void lastProbeFailure(String reason) {
        this.lastProbeFailure = reason;
    }

    void position(Position value) {
        this.position = value;
    }

    @Override
    public String toString() {
        return endpoint.id() + "{" + endpoint.role() + (up ? ",up" : ",down") + (suspected() ? ",suspect" : "") + (demoted() ? ",demoted" : "") + ",breaker=" + breaker.getState()
                + ",pos=" + position + "}";
    }
}
