package dev.haven.testkit.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Set;

/** Free loopback ports: bind port 0, read it, close. Callers retry on the (small) chance someone takes it meanwhile. */
public final class FreePorts {

    private FreePorts() {
    }

    // Ports handed out recently by this JVM: not handed out again, so two nodes of one cluster never get the same
    // port just because the first has not bound it yet.
    private static final Set<Integer> RECENT = new LinkedHashSet<>();

    public static synchronized int pick() {
        for (int attempt = 0; attempt < 50; attempt++) {
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException("Could not find a free loopback port", e);
            }
            if (RECENT.add(port)) {
                if (RECENT.size() > 2000) {
                    Iterator<Integer> it = RECENT.iterator();
                    it.next();
                    it.remove();
                }
                return port;
            }
        }
        throw new IllegalStateException("Could not find a free loopback port not used recently by this JVM");
    }
}
