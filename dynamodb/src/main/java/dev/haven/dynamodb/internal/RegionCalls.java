package dev.haven.dynamodb.internal;

import dev.haven.engine.Attempts;
import dev.haven.engine.EndpointState;
import dev.haven.engine.Fault;
import dev.haven.engine.TopologyMonitor;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiFunction;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * One call in one region, as the reads, hedges and writes make it: its in-flight count, latency and breaker, and a
 * probe of the region on a region fault ({@link Fault#endpointFault()}); and the backoff between calls.
 */
final class RegionCalls {

    /** Logs under the engine's name, as the rest of the request path. */
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(RegionExecutor.class);

    private final DynamoDbSettings settings;
    private final RegionView regions;
    private final TopologyMonitor monitor;
    private final RegionClients clients;

    RegionCalls(DynamoDbSettings settings, RegionView regions, TopologyMonitor monitor, RegionClients clients) {
        this.settings = settings;
        this.regions = regions;
        this.monitor = monitor;
        this.clients = clients;
    }

    /** One call in {@code region}, as {@code leg} of a hedged read when not {@code null}. */
    <Q, R> R attempt(String region, Q req, BiFunction<DynamoDbClient, Q, R> call, CancellableHttpClient.Leg leg) {
        EndpointState st = regions.state(region);
        long t0 = settings.ticker().nanoTime();
        st.begin();
        if (leg != null) {
            CancellableHttpClient.enter(leg);
        }
        try {
            R r = call.apply(clients.get(region), req);
            st.succeeded(t0, settings.ticker().nanoTime());
            return r;
        } catch (RuntimeException e) {
            // a cancelled loser of a hedged pair is no fault of its region
            fault(st, t0, leg != null && leg.cancelled() ? Fault.APPLICATION : DynamoDbErrors.classify(e), e);
            throw e;
        } finally {
            if (leg != null) {
                CancellableHttpClient.enter(null);
            }
        }
    }

    /** Marks the start of a call in {@code region} made elsewhere (the async client); returns the start time. */
    long started(String region) {
        regions.state(region).begin();
        return settings.ticker().nanoTime();
    }

    /** The end of a call started with {@link #started}: latency, breaker and, on a region fault, a probe. */
    void ended(String region, long startNanos, Throwable failure) {
        EndpointState st = regions.state(region);
        if (failure == null) {
            st.succeeded(startNanos, settings.ticker().nanoTime());
        } else {
            fault(st, startNanos, DynamoDbErrors.classify(failure), failure);
        }
    }

    private void fault(EndpointState st, long startNanos, Fault fault, Throwable failure) {
        long now = settings.ticker().nanoTime();
        st.failed(startNanos, now, fault, failure);
        if (fault.endpointFault()) {
            if (DynamoDbErrors.timedOut(failure) && st.outpaced(startNanos, now)) {
                demoted(st, "attempts timed out");
            }
            monitor.signal(st.id(), fault + " " + failure.getClass().getSimpleName());
        }
    }

    /**
     * A hedgeable read's call in {@code region} has waited since {@code sinceNanos} for (another) hedge delay without
     * an answer: the moment a hedge goes, or would go if the budget allowed, so every hedge that wins was seen here
     * first. When the region answered nothing at all in that time, it counts for the region's state
     * ({@link EndpointState#outpaced}): a region that answers nothing while several reads outwait their hedge delay is
     * demoted, so that the following reads go elsewhere first (and reads still waiting there are hedged whatever the
     * budget), and the monitor probes it at once. A read reports until one of its waits counts, and no more (one slow
     * call of a single-threaded client never demotes a region that answers), unless the region's demotion was lifted
     * since (a probe answered) while the read still waits: see {@link #mayReport}.
     *
     * @return the region's demotion epoch after a wait that counted (the region was silent since {@code sinceNanos}),
     *         else {@code -1}
     */
    long outpaced(String region, long sinceNanos) {
        EndpointState st = regions.state(region);
        if (st == null || st.answeredSince(sinceNanos)) {
            return -1;
        }
        if (st.outpaced(sinceNanos, settings.ticker().nanoTime())) {
            demoted(st, "reads outwaited their hedge delay");
        }
        return st.demotionEpoch();
    }

    /**
     * Whether a read waiting for {@code region} reports its wait ({@link #outpaced}): when it has not counted yet
     * ({@code reportedEpoch} -1), or when the region, demoted since, is routable again under a newer epoch (a probe lifted
     * the demotion) while this read's call still gets no answer.
     */
    boolean mayReport(String region, long reportedEpoch) {
        if (reportedEpoch < 0) {
            return true;
        }
        EndpointState st = regions.state(region);
        return st != null && !st.demoted() && st.demotionEpoch() != reportedEpoch;
    }

    private void demoted(EndpointState st, String why) {
        log.debug("Haven {}: region {} demoted in read routing: {} {} times with no answer from it meanwhile", settings.clusterName(),
                st.id(), why, EndpointState.OUTPACED_TO_DEMOTE);
        monitor.signal(st.id(), "demoted: " + why);
    }

    /**
     * Whether {@code region} has left a call waiting past its expected time with no answer since, or is demoted
     * ({@link EndpointState#silent()}): a read's first call there does not run on the caller's thread.
     */
    boolean silent(String region) {
        EndpointState st = regions.state(region);
        return st != null && st.silent();
    }

    /** Whether {@code region} answered a request at or after {@code sinceNanos} (ticker time). */
    boolean answeredSince(String region, long sinceNanos) {
        EndpointState st = regions.state(region);
        return st != null && st.answeredSince(sinceNanos);
    }

    /** Whether {@code region} is demoted ({@link EndpointState#demoted()}): routed after the others. */
    boolean demoted(String region) {
        EndpointState st = regions.state(region);
        return st != null && st.demoted();
    }

    /** The operation's backoff before the retry it was just granted. */
    static Duration backoff(Attempts attempts) {
        return Duration.ofNanos(attempts.backoffNanos(ThreadLocalRandom.current().nextDouble()));
    }

    static void sleep(Duration d) {
        if (d.isZero()) {
            return;
        }
        try {
            Thread.sleep(d.toMillis(), d.toNanosPart() % 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw SdkClientException.create("Interrupted during retry backoff", e);
        }
    }

    static String describe(Throwable t) {
        // Exception messages of the SDK carry no credentials (request ids and error codes only).
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + (m.length() > 200 ? m.substring(0, 200) : m));
    }
}
