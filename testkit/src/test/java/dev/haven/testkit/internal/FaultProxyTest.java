package dev.haven.testkit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.netcrusher.core.reactor.NioReactor;

/**
 * A frozen proxy forwards nothing, also on connections that were being opened at the moment it froze: NetCrusher
 * completes the outgoing half of a connection it accepted just before the freeze afterwards, and created that pair
 * unfrozen, so a client whose pool opened a connection then kept talking to a "frozen" server (DynamoDB
 * RegionFailoverIT failed on CI that way).
 */
class FaultProxyTest {

    private static final int ROUNDS = 30;
    private static final int CONNECTIONS = 8;

    @Test
    void connectionsOpenedAsTheProxyFreezesForwardNothing() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(CONNECTIONS + 1);
        List<Socket> sockets = java.util.Collections.synchronizedList(new ArrayList<>());
        NioReactor reactor = new NioReactor();
        try (ServerSocket echo = new ServerSocket()) {
            echo.bind(new InetSocketAddress("127.0.0.1", 0));
            pool.submit(() -> serveEcho(echo, sockets));
            FaultProxy proxy = FaultProxy.open(reactor, "127.0.0.1", echo.getLocalPort());
            try {
                int opened = 0;
                int forwarded = 0;
                for (int round = 0; round < ROUNDS; round++) {
                    List<Future<Socket>> connects = new ArrayList<>();
                    for (int i = 0; i < CONNECTIONS; i++) {
                        connects.add(pool.submit(() -> connect(proxy.port())));
                    }
                    Thread.sleep(round % 3); // the freeze lands before, among and after the connects' completion
                    proxy.freeze();
                    List<Socket> clients = new ArrayList<>();
                    for (Future<Socket> f : connects) {
                        try {
                            clients.add(f.get(10, TimeUnit.SECONDS));
                        } catch (java.util.concurrent.ExecutionException e) {
                            Process ss = new ProcessBuilder("sh", "-c", "ss -tan | grep " + proxy.port()).redirectErrorStream(true).start();
                            throw new AssertionError("round " + round + ": connect failed; frozen=" + proxy.isFrozen() + "\n"
                                    + new String(ss.getInputStream().readAllBytes()), e);
                        }
                    }
                    for (Socket c : clients) {
                        c.getOutputStream().write('x');
                        c.getOutputStream().flush();
                    }
                    Thread.sleep(150); // an echo through a working proxy takes well under a millisecond
                    for (Socket c : clients) {
                        opened++;
                        if (c.getInputStream().available() > 0) {
                            forwarded++;
                        }
                        c.close();
                    }
                    proxy.unfreeze(); // the connections that waited in the backlog are accepted
                    try (Socket check = connect(proxy.port())) {
                        check.getOutputStream().write('y');
                        assertThat(echoed(check, 5000)).as("round %d: a new connection is served after the unfreeze", round)
                                .isTrue();
                    }
                    proxy.reset();
                }
                System.out.printf("[FaultProxyTest] %d connections opened around a freeze, %d forwarded a byte while frozen%n",
                        opened, forwarded);
                assertThat(opened).isEqualTo(ROUNDS * CONNECTIONS);
                assertThat(forwarded).as("connections that forwarded through a frozen proxy").isZero();
            } finally {
                proxy.close();
            }
        } finally {
            pool.shutdownNow();
            synchronized (sockets) {
                for (Socket s : sockets) {
                    s.close();
                }
            }
            reactor.close();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    /** Connects with a 10 s timeout; with the acceptor frozen the kernel still completes the handshake. */
    private static Socket connect(int port) throws Exception {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        return s;
    }

    private static boolean echoed(Socket c, int waitMillis) throws Exception {
        c.setSoTimeout(waitMillis);
        try {
            return c.getInputStream().read() >= 0;
        } catch (SocketTimeoutException | java.net.SocketException nothing) {
            return false;
        }
    }

    private static Void serveEcho(ServerSocket server, List<Socket> sockets) throws Exception {
        ExecutorService handlers = Executors.newCachedThreadPool();
        try {
            while (!server.isClosed()) {
                Socket s;
                try {
                    s = server.accept();
                } catch (java.io.IOException closed) {
                    return null;
                }
                sockets.add(s);
                handlers.submit(() -> {
                    try (InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                        int b;
                        while ((b = in.read()) >= 0) {
                            out.write(b);
                            out.flush();
                        }
                    }
                    return null;
                });
            }
            return null;
        } finally {
            handlers.shutdownNow();
        }
    }
}
