package dev.haven.testkit.redis.internal;

import dev.haven.testkit.internal.FreePorts;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Set;
import java.util.function.Predicate;
import org.netcrusher.NetFreezer;
import org.netcrusher.core.reactor.NioReactor;
import org.netcrusher.core.throttle.Throttler;
import org.netcrusher.core.throttle.ThrottlerFactory;
import org.netcrusher.tcp.TcpCrusher;
import org.netcrusher.tcp.TcpCrusherBuilder;

/**
 * A TCP proxy in front of one Redis server (NetCrusher) that tells replication links from every other connection
 * by their source address.
 *
 * <p>Why: Sentinel tells replicas to replicate from the address the primary announces, and that address must be the
 * proxied one (clients learn it from Sentinel too). So replication necessarily flows through the primary's proxy.
 * Each data node binds its own loopback address first ({@code bind 127.0.0.<2+i> 127.0.0.1}), and Redis opens
 * its replication connection from its first bind address; connections from those addresses are "replication",
 * everything else (applications, Sentinel, from 127.0.0.1) is "client".
 *
 * <ul>
 *   <li>{@link #freeze()}, {@link #reset()}, {@link #latency(Duration)} act on client connections only. Freeze also
 *       stops accepting (new connections of any kind wait in the kernel backlog until {@link #unfreeze()}).</li>
 *   <li>Replication connections from a source in {@code pausedSources} are frozen: at {@link #applyPauses()} and
 *       when they connect (inline on the reactor thread, before any byte is forwarded).</li>
 * </ul>
 */
public final class RedisProxy implements AutoCloseable {

    private final TcpCrusher crusher;
    private final int port;
    private final Predicate<InetAddress> replicationSource;
    private final Set<InetAddress> pausedSources;
    private final MutableDelay delay;
    private volatile boolean frozen;

    private RedisProxy(TcpCrusher crusher, int port, Predicate<InetAddress> replicationSource, Set<InetAddress> pausedSources,
            MutableDelay delay) {
        this.crusher = crusher;
        this.port = port;
        this.replicationSource = replicationSource;
        this.pausedSources = pausedSources;
        this.delay = delay;
    }

    /**
     * Opens a proxy on 127.0.0.1: on {@code bindPort}, or on a free port when it is 0 (retrying a few times if another
     * process grabs the port first).
     */
    public static RedisProxy open(NioReactor reactor, int bindPort, String targetHost, int targetPort,
            Predicate<InetAddress> replicationSource, Set<InetAddress> pausedSources) {
        RuntimeException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            int port = bindPort > 0 ? bindPort : FreePorts.pick();
            MutableDelay delay = new MutableDelay(replicationSource);
            ThrottlerFactory throttlers = delay::allocate;
            RedisProxy[] self = new RedisProxy[1];
            try {
                TcpCrusher crusher = TcpCrusherBuilder.builder()
                        .withReactor(reactor)
                        .withBindAddress(new InetSocketAddress("127.0.0.1", port))
                        .withConnectAddress(new InetSocketAddress(targetHost, targetPort))
                        .withTcpNoDelay(true)
                        .withKeepAlive(true)
                        .withIncomingThrottlerFactory(throttlers)
                        .withOutgoingThrottlerFactory(throttlers)
                        .withDeferredListeners(false) // inline on the reactor thread: a pair is frozen before it forwards anything
                        .withCreationListener(client -> {
                            RedisProxy p = self[0];
                            if (p != null) {
                                p.onConnect(client);
                            }
                        })
                        .build();
                RedisProxy proxy = new RedisProxy(crusher, port, replicationSource, pausedSources, delay);
                self[0] = proxy;
                crusher.open();
                return proxy;
            } catch (RuntimeException e) {
                last = e; // most likely the port was taken between pick and bind
                if (bindPort > 0) {
                    sleep(100);
                }
            }
        }
        throw new IllegalStateException("Could not open a proxy for " + targetHost + ":" + targetPort
                + (bindPort > 0 ? " on port " + bindPort : " on free ports") + " after 5 attempts", last);
    }

    public int port() {
        return port;
    }

    private boolean isReplication(InetSocketAddress client) {
        return replicationSource.test(client.getAddress());
    }

    private void onConnect(InetSocketAddress client) {
        boolean replication = isReplication(client);
        if (replication ? pausedSources.contains(client.getAddress()) : frozen) {
            NetFreezer f = crusher.getClientFreezer(client);
            if (f != null) {
                f.freeze();
            }
        }
    }

    /** Blackhole for clients: open client connections stop forwarding, new connections wait in the backlog. */
    public synchronized void freeze() {
        frozen = true;
        crusher.getAcceptorFreezer().freeze();
        for (InetSocketAddress c : crusher.getClientAddresses()) {
            if (!isReplication(c)) {
                freezeClient(c);
            }
        }
    }

    public synchronized void unfreeze() {
        frozen = false;
        if (!crusher.isOpen()) {
            return;
        }
        for (InetSocketAddress c : crusher.getClientAddresses()) {
            if (!isReplication(c)) {
                NetFreezer f = crusher.getClientFreezer(c);
                if (f != null && f.isFrozen()) {
                    f.unfreeze();
                }
            }
        }
        crusher.getAcceptorFreezer().unfreeze();
    }

    public boolean isFrozen() {
        return frozen;
    }

    /** (Un)freezes replication connections according to {@code pausedSources} as it is now. */
    public synchronized void applyPauses() {
        for (InetSocketAddress c : crusher.getClientAddresses()) {
            if (isReplication(c)) {
                NetFreezer f = crusher.getClientFreezer(c);
                if (f == null) {
                    continue;
                }
                boolean paused = pausedSources.contains(c.getAddress());
                if (paused && !f.isFrozen()) {
                    f.freeze();
                } else if (!paused && f.isFrozen()) {
                    f.unfreeze();
                }
            }
        }
    }

    /** Closes every client connection (replication links stay). */
    public void reset() {
        for (InetSocketAddress c : crusher.getClientAddresses()) {
            if (!isReplication(c)) {
                crusher.closeClient(c);
            }
        }
    }

    /** Closes every connection, replication links included. */
    public void resetAll() {
        for (InetSocketAddress c : crusher.getClientAddresses()) {
            crusher.closeClient(c);
        }
    }

    public void latency(Duration d) {
        if (d == null || d.isNegative()) {
            throw new IllegalArgumentException("latency must be >= 0: was " + d);
        }
        delay.oneWayNanos = d.toNanos() / 2;
    }

    private void freezeClient(InetSocketAddress c) {
        NetFreezer f = crusher.getClientFreezer(c);
        if (f != null && !f.isFrozen()) {
            f.freeze();
        }
    }

    @Override
    public void close() {
        crusher.close();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A delay that can change while connections are open; replication connections are never delayed. */
    static final class MutableDelay implements Throttler {
        private final Predicate<InetAddress> replicationSource;
        volatile long oneWayNanos;

        MutableDelay(Predicate<InetAddress> replicationSource) {
            this.replicationSource = replicationSource;
        }

        Throttler allocate(InetSocketAddress client) {
            return client != null && replicationSource.test(client.getAddress()) ? Throttler.NOOP : this;
        }

        @Override
        public long calculateDelayNs(ByteBuffer bb) {
            long d = oneWayNanos;
            return d > 0 ? d : Throttler.NO_DELAY_NS;
        }
    }
}
