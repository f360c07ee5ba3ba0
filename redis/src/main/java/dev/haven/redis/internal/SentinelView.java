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
 * {@code +switch-master} drops the cache and runs {@code onSwitch} (the monitor's passive signal), so the next
 * round starts at once and sees the new master. Polling (the monitor's interval) stays the backstop for a missed
 * message.
 */
final class SentinelView implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SentinelView.class);

    /** Sentinel's view of the master; {@code configEpoch} orders successive masters (Sentinel's failover epoch). */
    record Master(String host, int port, long configEpoch, List<Endpoint> replicas, long fetchedNanos) {
        String id() {
            return host + ":" + port;
        }
    }

    private final RedisClient client;
    private final List<RedisURI> sentinels;
    private final String masterName;
    private final Duration timeout;
    private final long maxAgeNanos;
    private final List<StatefulRedisPubSubConnection<String, String>> subscriptions = new CopyOnWriteArrayList<>();
    private StatefulRedisSentinelConnection<String, String> connection; // guarded by this
    private int current; // guarded by this: index of the Sentinel in use
    private volatile Master cached;
    private volatile boolean closed;

    SentinelView(RedisClient client, List<RedisURI> sentinels, String masterName, Duration timeout, Duration maxAge) {
        this.client = client;
        this.sentinels = List.copyOf(sentinels);
        this.masterName = masterName;
        this.timeout = timeout;
        this.maxAgeNanos = maxAge.toNanos();
    }

    /** Subscribes to {@code +switch-master} on every Sentinel that answers; those that do not are skipped (polling covers them). */
    void subscribe(Runnable onSwitch) {
        for (RedisURI uri : sentinels) {
            try {
                StatefulRedisPubSubConnection<String, String> c = client.connectPubSub(StringCodec.UTF8, uri);
                c.addListener(new RedisPubSubAdapter<>() {
                    @Override
                    public void message(String channel, String message) {
                        // "<master name> <old ip> <old port> <new ip> <new port>"
                        if ("+switch-master".equals(channel) && message.startsWith(masterName + " ")) {
                            log.info("Sentinel {}: +switch-master {}", uri.getHost() + ":" + uri.getPort(), message);
                            cached = null;
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

    /** The master as the Sentinels see it, at most {@code maxAge} old; asks the next Sentinel when one fails. */
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
            Exception last = null;
            for (int i = 0; i < sentinels.size() && !closed; i++) {
                try {
                    m = fetch(nowNanos);
                    cached = m;
                    return m;
                } catch (Exception e) {
                    last = e;
                    if (connection != null) {
                        connection.closeAsync();
                        connection = null;
                    }
                    current = (current + 1) % sentinels.size();
                }
            }
            throw last != null ? last : new IllegalStateException("Sentinel view closed");
        }
    }

    private Master fetch(long nowNanos) throws Exception {
        if (connection == null || !connection.isOpen()) {
            connection = client.connectSentinel(StringCodec.UTF8, sentinels.get(current));
        }
        long t = timeout.toMillis();
        Map<String, String> master = connection.async().master(masterName).get(t, TimeUnit.MILLISECONDS);
        List<Map<String, String>> replicas = connection.async().replicas(masterName).get(t, TimeUnit.MILLISECONDS);
        return parse(master, replicas, nowNanos);
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
        return new Master(host, port, epoch, List.copyOf(rs), nowNanos);
    }

    @Override
    public void close() {
        closed = true;
        java.util.List<java.util.concurrent.CompletableFuture<Void>> closing = new java.util.ArrayList<>();
        for (var s : subscriptions) {
            closing.add(s.closeAsync());
        }
        synchronized (this) {
            if (connection != null) {
                closing.add(connection.closeAsync());
                connection = null;
            }
        }
        // Closed before the Sentinel client shuts down, or it closes them again (and Lettuce warns).
        NodeConnection.awaitClosed(closing, java.time.Duration.ofSeconds(2));
    }
}
