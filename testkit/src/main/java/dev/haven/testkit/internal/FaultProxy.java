package dev.haven.testkit.internal;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;

import org.netcrusher.NetFreezer;
import org.netcrusher.core.reactor.NioReactor;
import org.netcrusher.core.throttle.Throttler;
import org.netcrusher.core.throttle.ThrottlerFactory;
import org.netcrusher.tcp.TcpCrusher;
import org.netcrusher.tcp.TcpCrusherBuilder;

/**
 * A TCP proxy in front of one server (NetCrusher).
 *
 * <ul>
 *   <li>{@link #freeze()}: blackhole. Open connections stay open and no byte flows either way. New connections are
 *       not accepted by the proxy, but the kernel still completes their TCP handshake (listen backlog), so a client
 *       sees a connected socket on which nothing ever arrives: it hangs until its own socket/login timeout, like a
 *       blackholed host behind a stateful load balancer. On {@link #unfreeze()} queued connections are served.</li>
 *   <li>{@link #reset()}: closes every proxied connection (both sides); the listener stays open.</li>
 *   <li>{@link #latency(Duration)}: every chunk is held back half the delay in each direction, so a request/response
 *       round trip takes at least the delay longer. Changes apply to data read after the call.</li>
 * </ul>
 */
public final class FaultProxy implements AutoCloseable {

    private final TcpCrusher crusher;
    private final MutableDelay delay;
    private final int port;
    /**
     * Set before the crusher freezes, read by the creation listener: NetCrusher creates the pair of a connection it
     * accepted before {@link #freeze()} once its outgoing connect completes, unfrozen, after the freeze (the acceptor
     * stops accepting, a pending connect still finishes). Such a pair forwarded through a "frozen" proxy: a client whose
     * connection pool opened a connection at that moment kept talking to the server (DynamoDB RegionFailoverIT, CI
     * on a busy machine: the home region's heartbeat probes kept answering 5 s into the freeze). The Redis proxy had
     * the same fix.
     */
    private final java.util.concurrent.atomic.AtomicBoolean frozen;

    private FaultProxy(TcpCrusher crusher, MutableDelay delay, int port, java.util.concurrent.atomic.AtomicBoolean frozen) {
        this.crusher = crusher;
        this.delay = delay;
        this.port = port;
        this.frozen = frozen;
    }

    /** Opens a proxy on a free loopback port, retrying a few times if another process grabs it first. */
    public static FaultProxy open(NioReactor reactor, String host, int targetPort) {
        RuntimeException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            try {
                return open(reactor, host, FreePorts.pick(), host, targetPort);
            } catch (RuntimeException e) {
                last = e; // most likely the port was taken between pick and bind
            }
        }
        throw new IllegalStateException("Could not open a proxy for " + host + ":" + targetPort + " after 5 attempts on free ports", last);
    }

    /**
     * Opens a proxy on exactly {@code bindHost:bindPort} towards {@code targetHost:targetPort}, once.
     *
     * @throws RuntimeException (NetCrusher's) when the address cannot be bound
     */
    public static FaultProxy open(NioReactor reactor, String bindHost, int bindPort, String targetHost, int targetPort) {
        MutableDelay delay = new MutableDelay();
        ThrottlerFactory factory = delay::allocate;
        java.util.concurrent.atomic.AtomicBoolean frozen = new java.util.concurrent.atomic.AtomicBoolean();
        TcpCrusher[] self = new TcpCrusher[1];
        TcpCrusher crusher = TcpCrusherBuilder.builder()
                .withReactor(reactor)
                .withBindAddress(new InetSocketAddress(bindHost, bindPort))
                .withConnectAddress(new InetSocketAddress(targetHost, targetPort))
                .withTcpNoDelay(true)
                .withKeepAlive(true)
                .withIncomingThrottlerFactory(factory)
                .withOutgoingThrottlerFactory(factory)
                .withDeferredListeners(false) // inline on the reactor thread: a pair is frozen before it forwards anything
                .withCreationListener(client -> {
                    if (frozen.get() && self[0] != null) {
                        NetFreezer f = self[0].getClientFreezer(client);
                        if (f != null) {
                            f.freeze();
                        }
                    }
                })
                .build();
        self[0] = crusher;
        crusher.open();
        return new FaultProxy(crusher, delay, bindPort, frozen);
    }

    public int port() {
        return port;
    }

    public synchronized void freeze() {
        frozen.set(true);
        if (!crusher.isFrozen()) {
            crusher.freeze();
        }
    }

    public synchronized void unfreeze() {
        frozen.set(false);
        if (crusher.isOpen() && crusher.isFrozen()) {
            crusher.unfreeze();
        }
    }

    public boolean isFrozen() {
        return crusher.isFrozen();
    }

    public void reset() {
        crusher.closeAllPairs();
    }

    public void latency(Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("latency must be >= 0: was " + d);
        }
        delay.oneWayNanos = d.toNanos() / 2;
    }

    @Override
    public void close() {
        crusher.close();
    }

    /** A throttler whose delay can be changed while connections are open. */
    static final class MutableDelay implements Throttler {
        volatile long oneWayNanos;

        Throttler allocate(InetSocketAddress client) {
            return this;
        }

        @Override
        public long calculateDelayNs(ByteBuffer bb) {
            long d = oneWayNanos;
            return d > 0 ? d : Throttler.NO_DELAY_NS;
        }
    }
}
