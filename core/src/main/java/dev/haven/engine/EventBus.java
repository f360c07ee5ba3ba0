package dev.haven.engine;

import dev.haven.Endpoint;
import dev.haven.event.HavenEvent;
import dev.haven.event.HavenEventListener;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers events to listeners on the calling thread; a failing listener never fails the caller.
 *
 * <p>Reads passed over for staleness are aggregated: a lag spike diverts thousands of reads a second, and one event
 * each would flood a listener that logs. {@link #staleReplicaSkipped} publishes the first skip of a replica at once and
 * then at most one {@link HavenEvent.StaleReplicaSkipped} per replica per {@link #SKIP_WINDOW}, carrying how many reads
 * it stands for; {@link #flushSkips} (called by the topology monitor after each probe round) publishes what is left.
 */
public final class EventBus {

    /** At most one {@code StaleReplicaSkipped} per replica per this window. */
    public static final Duration SKIP_WINDOW = Duration.ofSeconds(1);

    private static final Logger log = LoggerFactory.getLogger(EventBus.class);

    private final List<HavenEventListener> listeners = new CopyOnWriteArrayList<>();

    public EventBus(List<HavenEventListener> initial) {
        listeners.addAll(initial);
    }

    public void add(HavenEventListener listener) {
        listeners.add(listener);
    }

    public void remove(HavenEventListener listener) {
        listeners.remove(listener);
    }

    public boolean hasListeners() {
        return !listeners.isEmpty();
    }

    private final Map<String, SkipTally> skips = new ConcurrentHashMap<>();

    /**
     * A read passed over {@code skip.endpoint()} for staleness at {@code nowNanos} (ticker time): counted, and published
     * as one event per replica per {@link #SKIP_WINDOW}.
     */
    public void staleReplicaSkipped(String cluster, Router.Skip skip, Instant at, long nowNanos) {
        if (listeners.isEmpty()) {
            return;
        }
        SkipTally t = skips.computeIfAbsent(skip.endpoint().id(), id -> new SkipTally());
        HavenEvent e;
        synchronized (t) {
            t.add(skip);
            e = t.lastNanos == Long.MIN_VALUE || nowNanos - t.lastNanos >= SKIP_WINDOW.toNanos() ? t.drain(cluster, at, nowNanos)
                    : null;
        }
        if (e != null) {
            publish(e);
        }
    }

    /** Publishes the skips counted since each replica's last event, if that event is a {@link #SKIP_WINDOW} old. */
    public void flushSkips(String cluster, Instant at, long nowNanos) {
        if (skips.isEmpty()) {
            return;
        }
        for (SkipTally t : skips.values()) {
            HavenEvent e;
            synchronized (t) {
                e = t.reads > 0 && nowNanos - t.lastNanos >= SKIP_WINDOW.toNanos() ? t.drain(cluster, at, nowNanos) : null;
            }
            if (e != null) {
                publish(e);
            }
        }
    }

    /** Skips of one replica since its last event; guarded by itself. */
    private static final class SkipTally {
        Endpoint endpoint;
        long reads;
        long maxStalenessNanos;
        long boundNanos;
        long lastNanos = Long.MIN_VALUE;

        void add(Router.Skip skip) {
            endpoint = skip.endpoint();
            maxStalenessNanos = reads == 0 ? skip.stalenessNanos() : Math.max(maxStalenessNanos, skip.stalenessNanos());
            boundNanos = skip.boundNanos();
            reads++;
        }

        HavenEvent drain(String cluster, Instant at, long nowNanos) {
            HavenEvent e = new HavenEvent.StaleReplicaSkipped(cluster, at, endpoint,
                    maxStalenessNanos == Long.MAX_VALUE ? null : Duration.ofNanos(maxStalenessNanos),
                    Duration.ofNanos(boundNanos), reads);
            reads = 0;
            lastNanos = nowNanos;
            return e;
        }
    }

    public void publish(HavenEvent event) {
        for (HavenEventListener l : listeners) {
            try {
                l.onEvent(event);
            } catch (RuntimeException e) {
                log.warn("Haven event listener {} failed on {}", l, event.getClass().getSimpleName(), e);
            }
        }
    }
}
