package dev.haven.engine;

import dev.haven.Topology;
import dev.haven.event.HavenEventListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@link TopologyMonitor} per cluster per JVM: every data source or client on the same cluster shares it, so that a
 * JVM with three data sources on one PostgreSQL cluster probes each server once per interval, not three times.
 * Reference-counted: closing a user keeps the monitor running for the others; closing the last one stops it (its
 * thread, its probe pool, and the resources its {@link Starter} opened).
 *
 * <pre>{@code
 * MonitorRegistry.Lease lease = MonitorRegistry.jvm().acquire(
 *         new MonitorRegistry.Key("jdbc", "orders", "db-1:5432,db-2:5432", List.of(seedIds, database, user)),
 *         monitorSettings, Map.of("endpoint.*", locations), events,
 *         bus -> new MonitorRegistry.Started(startMonitor(monitorSettings, bus), provider));
 * lease.addObserver(this::onTopology);   // removed again by lease.close()
 * TopologyMonitor monitor = lease.monitor();
 * ...
 * lease.close();                         // the monitor stops when its last lease closes
 * }</pre>
 *
 * <h2>What "the same cluster" means</h2>
 * The {@link Key}: the store, the cluster name, and what the probes reach and how (seed endpoints, database or master
 * name, credentials, a custom topology provider...). Users whose keys differ get separate monitors; a different
 * {@code cluster-name} is the way to ask for one.
 *
 * <p>Users with the same key must agree on how the cluster is probed: {@code probe-interval},
 * {@code fast-probe-interval}, {@code probe-timeout}, and the store's extra settings passed to {@link #acquire} (endpoint
 * locations...). A second user configured differently fails at build with a message naming the property and both values:
 * silently running two monitors would double the probe load this registry exists to bound, and silently using the first
 * user's settings would ignore the second's. Lag sampling is the exception, because it follows each user's staleness
 * bound: the shared monitor samples at the finest interval and keeps the longest history any current user asks for.
 *
 * <h2>Events</h2>
 * The monitor publishes to a bus of its own; each lease forwards every event to its user's {@link EventBus}, from the
 * moment it is acquired (the creator's lease sees the first probe round's events) until it is closed. A user that
 * joins a running monitor does not see events from before it joined; {@link TopologyMonitor#snapshot()} has the state.
 *
 * <h2>Concurrency</h2>
 * One lock guards the map and the leases of every entry; it is never held while a monitor starts (a probe round, up
 * to a probe timeout) or stops (joining its thread). The first user of a key creates the entry, starts the monitor
 * outside the lock and completes the entry's future; later users add their lease under the lock and wait for that
 * future. If the start fails, the entry is removed before the future fails, and the waiting users try again (one of
 * them starts the monitor anew, or fails with its own error). An entry leaves the map under the lock in the same
 * step as its last lease, so a monitor that is closing (or closed) is never handed out: the next user starts a new one.
 */
public final class MonitorRegistry {

    private static final Logger log = LoggerFactory.getLogger(MonitorRegistry.class);
    private static final MonitorRegistry JVM = new MonitorRegistry();
    private static final long START_WAIT_SECONDS = 120;

    /**
     * A cluster, as far as monitoring goes.
     *
     * @param store    {@code jdbc}, {@code redis}, {@code dynamodb}: also the property prefix ({@code haven.<store>.})
     * @param cluster  the configured cluster name
     * @param describe the seeds, for messages (never secrets)
     * @param identity everything else the probes depend on (seed ids, database, credentials, provider instance...);
     *                 compared with {@code equals}, never printed; may hold {@code null}s
     */
    public record Key(String store, String cluster, String describe, List<?> identity) {
        public Key {
            Objects.requireNonNull(store, "store");
            Objects.requireNonNull(cluster, "cluster");
            identity = java.util.Collections.unmodifiableList(new ArrayList<>(identity)); // nulls allowed
        }

        @Override
        public String toString() {
            return store + " cluster '" + cluster + "' (" + describe + ")";
        }
    }

    /** A started monitor and what it needs closed after it (its topology provider, clients, executors). */
    public record Started(TopologyMonitor monitor, AutoCloseable resources) {
    }

    /** Builds and starts a monitor publishing to {@code events}; called once per shared monitor, by its first user. */
    @FunctionalInterface
    public interface Starter {
        Started start(EventBus events);
    }

    private final Object lock = new Object();
    private final Map<Key, Entry> entries = new HashMap<>();

    /** The registry of this JVM (class loader), used by every store module. */
    public static MonitorRegistry jvm() {
        return JVM;
    }

    /**
     * The monitor of {@code key}'s cluster, started with {@code starter} if no user has it running.
     *
     * @param settings the user's monitor settings (compared with the running monitor's; lag sampling is merged)
     * @param agree    store-specific settings users of one cluster must agree on, by property name (suffix after
     *                 {@code haven.<store>.}), compared with {@code equals}
     * @param events   the user's bus: every event of the monitor is forwarded to it while the lease is open
     * @throws IllegalArgumentException when the cluster is monitored with other settings in this JVM
     */
    public Lease acquire(Key key, MonitorSettings settings, Map<String, ?> agree, EventBus events, Starter starter) {
        Map<String, Object> probing = probing(settings, agree);
        while (true) {
            Entry entry;
            Lease lease;
            boolean create = false;
            synchronized (lock) {
                entry = entries.get(key);
                if (entry == null) {
                    entry = new Entry(key, probing);
                    entries.put(key, entry);
                    create = true;
                } else {
                    checkAgreement(key, entry.probing, probing);
                }
                lease = new Lease(this, entry, settings.lagInterval(), settings.lagHistory(), events,
                        () -> events.flushSkips(settings.cluster(), settings.clock().instant(), settings.ticker().nanoTime()));
                entry.leases.add(lease);
                entry.bus.add(lease.forward);
            }
            if (create) {
                Started started;
                try {
                    started = Objects.requireNonNull(starter.start(entry.bus), "started");
                } catch (RuntimeException | Error e) {
                    synchronized (lock) {
                        entries.remove(key, entry);
                    }
                    entry.started.completeExceptionally(e);
                    throw e;
                }
                entry.started.complete(started);
                log.debug("Haven {}: topology monitor started", key);
            }
            Started started;
            try {
                started = entry.started.get(START_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                continue; // the first user's start failed and its entry is gone: try again
            } catch (TimeoutException e) {
                lease.close();
                throw new IllegalStateException("Haven " + key + ": the shared topology monitor did not start within "
                        + START_WAIT_SECONDS + " s");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                lease.close();
                throw new IllegalStateException("Interrupted while the topology monitor of " + key + " started", e);
            }
            lease.attach(started.monitor());
            if (!create) {
                log.info("Haven {}: sharing the running topology monitor ({} users)", key, users(key));
            }
            return lease;
        }
    }

    /** How many monitors this registry runs (or is starting). */
    public int monitors() {
        synchronized (lock) {
            return entries.size();
        }
    }

    /** How many open leases share the monitor of {@code key} (0 when none runs). */
    public int users(Key key) {
        synchronized (lock) {
            Entry e = entries.get(key);
            return e == null ? 0 : e.leases.size();
        }
    }

    private static Map<String, Object> probing(MonitorSettings s, Map<String, ?> agree) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("probe-interval", s.interval());
        m.put("fast-probe-interval", s.fastInterval());
        m.put("probe-timeout", s.probeTimeout());
        io.github.resilience4j.circuitbreaker.CircuitBreakerConfig b = s.breakerConfig();
        if (b != null) {
            m.put("breaker.failure-rate-threshold", b.getFailureRateThreshold());
            m.put("breaker.sliding-window-size", b.getSlidingWindowSize());
            m.put("breaker.minimum-calls", b.getMinimumNumberOfCalls());
            m.put("breaker.wait-in-open", Duration.ofMillis(b.getWaitIntervalFunctionInOpenState().apply(1)));
        }
        m.putAll(agree);
        return m;
    }

    private static void checkAgreement(Key key, Map<String, Object> running, Map<String, Object> wanted) {
        for (var e : wanted.entrySet()) {
            Object theirs = running.get(e.getKey());
            if (!Objects.equals(theirs, e.getValue())) {
                throw new IllegalArgumentException("haven." + key.store() + "." + e.getKey() + " is " + show(e.getValue())
                        + " here, but " + key + " is already monitored in this JVM with " + show(theirs)
                        + ": the data sources and clients of one cluster share one topology monitor, so they must agree "
                        + "on how it probes (or set a different haven." + key.store() + ".cluster-name to monitor it separately)");
            }
        }
    }

    private static String show(Object v) {
        return v instanceof Duration d ? Durations.format(d) : String.valueOf(v);
    }

    private void release(Lease lease) {
        Entry entry = lease.entry;
        Started toStop = null;
        synchronized (lock) {
            if (lease.closed) {
                return;
            }
            lease.closed = true;
            entry.leases.remove(lease);
            entry.bus.remove(lease.forward);
            if (lease.monitor != null) {
                for (var o : lease.observers) {
                    lease.monitor.removeObserver(o);
                }
                lease.monitor.removeRoundHook(lease.flushSkips);
            }
            if (entry.leases.isEmpty()) {
                entries.remove(entry.key, entry);
                toStop = entry.started.getNow(null); // null: the start failed, or is ours and under way
            } else {
                entry.applyLagSampling();
            }
        }
        if (toStop != null) {
            stop(entry.key, toStop);
        }
    }

    private static void stop(Key key, Started started) {
        started.monitor().close();
        try {
            started.resources().close();
        } catch (Exception e) {
            log.warn("Haven {}: closing the topology monitor's resources failed", key, e);
        }
        log.debug("Haven {}: topology monitor stopped", key);
    }

    /** One shared monitor. Leases and flags guarded by the registry's lock. */
    private static final class Entry {
        final Key key;
        final Map<String, Object> probing;
        final EventBus bus = new EventBus(List.of());
        final CompletableFuture<Started> started = new CompletableFuture<>();
        final List<Lease> leases = new ArrayList<>();

        Entry(Key key, Map<String, Object> probing) {
            this.key = key;
            this.probing = probing;
        }

        /** The finest lag interval and the longest history of the current users. Under the lock. */
        void applyLagSampling() {
            TopologyMonitor m = started.getNow(null) == null ? null : started.getNow(null).monitor();
            if (m == null || leases.isEmpty()) {
                return;
            }
            Duration interval = null;
            int history = 0;
            for (Lease l : leases) {
                interval = interval == null || l.lagInterval.compareTo(interval) < 0 ? l.lagInterval : interval;
                history = Math.max(history, l.lagHistory);
            }
            m.lagSampling(interval, history);
        }
    }

    /**
     * One user's share of a monitor: its observers and event forwarding, undone by {@link #close()}. Closing twice is
     * harmless.
     */
    public static final class Lease implements AutoCloseable {
        private final MonitorRegistry registry;
        private final Entry entry;
        private final Duration lagInterval;
        private final int lagHistory;
        private final HavenEventListener forward;
        private final Runnable flushSkips; // the user's aggregated StaleReplicaSkipped, published after each round
        private final List<BiConsumer<TopologyMonitor.Snapshot, TopologyMonitor.Snapshot>> observers = new CopyOnWriteArrayList<>();
        private volatile TopologyMonitor monitor;
        private boolean closed; // registry lock

        private Lease(MonitorRegistry registry, Entry entry, Duration lagInterval, int lagHistory, EventBus events,
                Runnable flushSkips) {
            this.registry = registry;
            this.entry = entry;
            this.lagInterval = lagInterval;
            this.lagHistory = lagHistory;
            this.forward = events::publish;
            this.flushSkips = flushSkips;
        }

        private void attach(TopologyMonitor m) {
            synchronized (registry.lock) {
                monitor = m;
                entry.applyLagSampling();
                if (!closed) {
                    m.addRoundHook(flushSkips);
                }
            }
        }

        public TopologyMonitor monitor() {
            return monitor;
        }

        /** The cluster's topology now. */
        public Topology topology() {
            return monitor.snapshot().topology();
        }

        /** {@link TopologyMonitor#addObserver}, undone when this lease closes. */
        public void addObserver(BiConsumer<TopologyMonitor.Snapshot, TopologyMonitor.Snapshot> observer) {
            synchronized (registry.lock) {
                if (closed) {
                    return;
                }
                observers.add(observer);
                monitor.addObserver(observer);
            }
        }

        /** How many users share this lease's monitor now, this one included (0 once closed). */
        public int users() {
            synchronized (registry.lock) {
                return closed ? 0 : entry.leases.size();
            }
        }

        @Override
        public void close() {
            registry.release(this);
        }
    }
}
