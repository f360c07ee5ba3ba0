package dev.haven.testkit.internal;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;

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

    private FaultProxy(TcpCrusher crusher, MutableDelay delay, int port) {
        this.crusher = crusher;
        this.delay = delay;
        this.port = port;
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
        TcpCrusher crusher = TcpCrusherBuilder.builder()
                .withReactor(reactor)
                .withBindAddress(new InetSocketAddress(bindHost, bindPort))
                .withConnectAddress(new InetSocketAddress(targetHost, targetPort))
                .withTcpNoDelay(true)
                .withKeepAlive(true)
                .withIncomingThrottlerFactory(factory)
                .withOutgoingThrottlerFactory(factory)
                .buildAndOpen();
        return new FaultProxy(crusher, delay, bindPort);
    }

    public int port() {
        return port;
    }

    public synchronized void freeze() {
        if (!crusher.isFrozen()) {
            crusher.freeze();
        }
    }

    public synchronized void unfreeze() {
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
