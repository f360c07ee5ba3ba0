package dev.haven.redis.internal;

import dev.haven.Endpoint;
import dev.haven.Role;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.sentinel.api.StatefulRedisSentinelConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the Sentinels say about one master: its address and config epoch ({@code SENTINEL MASTER}), its replicas
 * ({@code SENTINEL REPLICAS}), and a push when they switch it ({@code +switch-master} on every Sentinel's pub/sub).
 *
 * <p>Answers are cached for {@code maxAge} so that the parallel probes of one round ask a Sentinel once; a
 * {@code +switch-master} drops the cache, makes the next refresh ask the Sentinel that published it, and runs
 * {@code onSwitch} (the monitor's passive signal), so the next round starts at once and sees the new master. Polling
 * (the monitor's interval) stays the backstop for a missed message. The view never goes back to an older configuration
 * (a lower config epoch) while a Sentinel that answers knows a newer one.
 */
final class SentinelView implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SentinelView.class);

    /**
     * Sentinel's view of the master; {@code configEpoch} orders successive masters (Sentinel's failover epoch).
     * {@code failingOver}: the master's flags say {@code failover_in_progress}: this Sentinel leads a failover away from
     * it (from the promotion on it already answers with the new config epoch, still naming the old master).
     */
    record Master(String host, int port, long configEpoch, List<Endpoint> replicas, long fetchedNanos, boolean failingOver) {
        Master(String host, int port, long configEpoch, List<Endpoint> replicas, long fetchedNanos) {
            this(host, port, configEpoch, replicas, fetchedNanos, false);
        }

        String id() {
            return host + ":" + port;
        }
    }

    /**
     * Asks one Sentinel about the master: the I/O under {@link #master}, a Lettuce connection per Sentinel in production,
     * simulated Sentinels in {@code RedisSimulationTest}.
     */
    interface Fetcher {
        /** {@code SENTINEL MASTER} and {@code SENTINEL REPLICAS} asked of Sentinel {@code sentinel} (connecting if needed). */
        Master fetch(int sentinel, long nowNanos) throws Exception;

        /** Sentinel {@code sentinel} failed: drop its connection, the next fetch connects again. */
        void drop(int sentinel);

        /** Closes the connections; returns their closings. */
        List<java.util.concurrent.CompletableFuture<Void>> closeConnections();
    }

    private final RedisClient client; // null with a simulated fetcher (no subscriptions)
    private final List<RedisURI> sentinels;
    private final int sentinelCount;
    private final String masterName;
    private final Duration timeout;
    private final long maxAgeNanos;
    private final Fetcher fetcher;
    private final List<StatefulRedisPubSubConnection<String, String>> subscriptions = new CopyOnWriteArrayList<>();
    private int current; // guarded by this: index of the Sentinel in use
    private volatile Master cached;
    // A Sentinel that published +switch-master: the next refresh asks it first (-1: none). The Sentinel in use may learn
    // of a failover seconds after the first one announced it.
    private volatile int announced = -1;
    private Master newest; // guarded by this: the answer with the highest config epoch so far
    private volatile boolean closed;

    SentinelView(RedisClient client, List<RedisURI> sentinels, String masterName, Duration timeout, Duration maxAge) {
        this(client, sentinels, sentinels.size(), masterName, timeout, maxAge,
                new LettuceFetcher(client, List.copyOf(sentinels), masterName, timeout));
    }

    /** Over {@code sentinelCount} Sentinels asked through {@code fetcher} (the simulator's). */
    SentinelView(Fetcher fetcher, int sentinelCount, String masterName, Duration maxAge) {
        this(null, List.of(), sentinelCount, masterName, Duration.ZERO, maxAge, fetcher);
    }

    private SentinelView(RedisClient client, List<RedisURI> sentinels, int sentinelCount, String masterName, Duration timeout,
            Duration maxAge, Fetcher fetcher) {
        this.client = client;
        this.sentinels = List.copyOf(sentinels);
        this.sentinelCount = sentinelCount;
        this.masterName = masterName;
        this.timeout = timeout;
        this.maxAgeNanos = maxAge.toNanos();
        this.fetcher = fetcher;
    }

    /** Subscribes to {@code +switch-master} on every Sentinel that answers; those that do not are skipped (polling covers them). */
    void subscribe(Runnable onSwitch) {
        for (int i = 0; i < sentinels.size(); i++) { // none with a simulated fetcher
            RedisURI uri = sentinels.get(i);
            int index = i;
            try {
                StatefulRedisPubSubConnection<String, String> c = client.connectPubSub(StringCodec.UTF8, uri);
                c.addListener(new RedisPubSubAdapter<>() {
                    @Override
                    public void message(String channel, String message) {
                        // "<master name> <old ip> <old port> <new ip> <new port>"
                        if ("+switch-master".equals(channel) && message.startsWith(masterName + " ")) {
                            log.info("Sentinel {}: +switch-master {}", uri.getHost() + ":" + uri.getPort(), message);
                            switched(index);
                            onSwitch.run();
                        }
                    }
                });
                c.async().subscribe("+switch-master").get(timeout.toMillis() * 4, TimeUnit.MILLISECONDS);
                subscriptions.add(c);
            } catch (Exception e) {
                log.warn("Could not subscribe to +switch-master on Sentinel {}:{}: {}", uri.getHost(), uri.getPort(), e.toString());
            }
        }
    }

    /**
     * Sentinel {@code sentinel} published {@code +switch-master}: it has switched, the Sentinel in use may not have yet
     * (Sentinels spread a new configuration to each other within seconds). The next refresh asks it first; an answer
     * older than the newest seen (a late Sentinel announcing an old switch) is still refused by {@link #master}.
     */
    void switched(int sentinel) {
        announced = sentinel;
        cached = null;
    }

    /**
     * The master as the Sentinels see it, at most {@code maxAge} old; asks the next Sentinel when one fails. Sentinel
     * config epochs only grow, so an answer older than one seen before comes from a Sentinel that has not learned of a
     * failover yet: the next Sentinel is asked, and when none that answers knows the newer configuration, it is kept
     * (unless every Sentinel answered with an older one: they were reset). Found by {@code RedisSimulationTest}: the
     * Sentinel in use stopped answering, the next still named the old primary, restarted and claiming master, and
     * writes went there.
     */
    Master master(long nowNanos) throws Exception {
        Master m = cached;
        if (m != null && nowNanos - m.fetchedNanos() < maxAgeNanos) {
            return m;
        }
        synchronized (this) {
            m = cached;
            if (m != null && nowNanos - m.fetchedNanos() < maxAgeNanos) {
                return m;
            }
            int first = announced;
            if (first >= 0) {
                announced = -1;
                current = first;
            }
            Exception last = null;
            Master stale = null; // the newest of the answers older than the newest configuration seen
            int answered = 0;
            for (int i = 0; i < sentinelCount && !closed; i++) {
                int asked = current;
                try {
                    m = fetcher.fetch(asked, nowNanos);
                } catch (Exception e) {
                    last = e;
                    fetcher.drop(asked);
                    current = (current + 1) % sentinelCount;
                    continue;
                }
                answered++;
                if (newest == null || m.configEpoch() >= newest.configEpoch()) {
                    return fresh(m);
                }
                // This Sentinel has not learned of the newest failover yet (Sentinels spread a new configuration to
                // each other in the next seconds): it names the old primary, which may be back and still claim master.
                if (stale == null || m.configEpoch() > stale.configEpoch()) {
                    stale = m;
                }
                current = (current + 1) % sentinelCount;
            }
            if (stale != null && answered == sentinelCount) {
                // Every Sentinel answered and none knows the newer configuration: they were reset or redeployed.
                return fresh(stale);
            }
            if (stale != null) {
                // Those that know it do not answer: the newest configuration still holds.
                m = new Master(newest.host(), newest.port(), newest.configEpoch(), newest.replicas(), nowNanos,
                        newest.failingOver());
                cached = m;
                return m;
            }
            throw last != null ? last : new IllegalStateException("Sentinel view closed");
        }
    }

    /** Guarded by this: {@code m} is the newest answer. */
    private Master fresh(Master m) {
        newest = m;
        cached = m;
        return m;
    }

    /** A Lettuce connection per Sentinel asked (usually one: the Sentinel in use), opened on first use. */
    private static final class LettuceFetcher implements Fetcher {
        private final RedisClient client;
        private final List<RedisURI> sentinels;
        private final String masterName;
        private final Duration timeout;
        private final List<StatefulRedisSentinelConnection<String, String>> connections; // guarded by the view

        LettuceFetcher(RedisClient client, List<RedisURI> sentinels, String masterName, Duration timeout) {
            this.client = client;
            this.sentinels = sentinels;
            this.masterName = masterName;
            this.timeout = timeout;
            this.connections = new ArrayList<>(java.util.Collections.nCopies(sentinels.size(), null));
        }

        @Override
        public Master fetch(int sentinel, long nowNanos) throws Exception {
            StatefulRedisSentinelConnection<String, String> c = connections.get(sentinel);
            if (c == null || !c.isOpen()) {
                c = client.connectSentinel(StringCodec.UTF8, sentinels.get(sentinel));
                connections.set(sentinel, c);
            }
            long t = timeout.toMillis();
            Map<String, String> master = c.async().master(masterName).get(t, TimeUnit.MILLISECONDS);
            List<Map<String, String>> replicas = c.async().replicas(masterName).get(t, TimeUnit.MILLISECONDS);
            return parse(master, replicas, nowNanos);
        }

        @Override
        public void drop(int sentinel) {
            StatefulRedisSentinelConnection<String, String> c = connections.set(sentinel, null);
            if (c != null) {
                c.closeAsync();
            }
        }

        @Override
        public List<java.util.concurrent.CompletableFuture<Void>> closeConnections() {
            List<java.util.concurrent.CompletableFuture<Void>> closing = new ArrayList<>();
            for (int i = 0; i < connections.size(); i++) {
                StatefulRedisSentinelConnection<String, String> c = connections.set(i, null);
                if (c != null) {
                    closing.add(c.closeAsync());
                }
            }
            return closing;
        }
    }

    static Master parse(Map<String, String> master, List<Map<String, String>> replicas, long nowNanos) {
        String host = master.get("ip");
        int port = Integer.parseInt(master.get("port"));
        long epoch = Long.parseLong(master.getOrDefault("config-epoch", "0"));
        List<Endpoint> rs = new ArrayList<>();
        for (Map<String, String> r : replicas) {
            String ip = r.get("ip");
            String p = r.get("port");
            if (ip != null && p != null) {
                rs.add(Endpoint.of(ip, Integer.parseInt(p)).withRole(Role.READER));
            }
        }
        boolean failingOver = master.getOrDefault("flags", "").contains("failover_in_progress");
        return new Master(host, port, epoch, List.copyOf(rs), nowNanos, failingOver);
    }

    @Override
    public void close() {
        closed = true;
        java.util.List<java.util.concurrent.CompletableFuture<Void>> closing = new java.util.ArrayList<>();
        for (var s : subscriptions) {
            closing.add(s.closeAsync());
        }
        synchronized (this) {
            closing.addAll(fetcher.closeConnections());
        }
        // Closed before the Sentinel client shuts down, or it closes them again (and Lettuce warns).
        NodeConnection.awaitClosed(closing, java.time.Duration.ofSeconds(2));
    }
}
