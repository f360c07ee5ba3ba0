package dev.haven.engine;

import dev.haven.Endpoint;
import dev.haven.Role;
import dev.haven.internal.Ewma;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.concurrent.atomic.AtomicInteger;

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
    private volatile long position = Long.MIN_VALUE;
    private volatile boolean saturated;
    private final Ewma latency = new Ewma(0.2);
    private final AtomicInteger inFlight = new AtomicInteger();
    private final CircuitBreaker breaker;
    private final boolean seed;

    // Monitor-thread only.
    volatile boolean probeInFlight;
    int roundsUnreported;
    boolean fenced;

    public EndpointState(Endpoint endpoint, CircuitBreaker breaker, boolean seed) {
        this.endpoint = endpoint;
        this.breaker = breaker;
        this.seed = seed;
    }

    @Override
    public Endpoint endpoint() {
        return endpoint;
    }

    public String id() {
        return endpoint.id();
    }

    @Override
    public boolean available() {
        if (!up) {
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
    public long position() {
        return position;
    }

    @Override
    public double latencyNanos() {
        return latency.value(0);
    }

    @Override
    public int inFlight() {
        return inFlight.get();
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
        inFlight.incrementAndGet();
    }

    /** Request path: a call ends after {@code nanos}. */
    public void end(long nanos) {
        inFlight.decrementAndGet();
        if (nanos >= 0) {
            latency.update(nanos);
        }
    }

    public void recordLatency(long nanos) {
        latency.update(nanos);
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

    void position(long value) {
        this.position = value;
    }

    @Override
    public String toString() {
        return endpoint.id() + "{" + endpoint.role() + (up ? ",up" : ",down") + ",breaker=" + breaker.getState()
                + ",pos=" + position + "}";
    }
}
