package dev.haven.jdbc.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import javax.net.SocketFactory;

/**
 * MariaDB Connector/J's {@code socketFactory} for the connections of Haven's pools ({@code jdbc:mariadb:} URLs), so that
 * Haven can close the socket of a connection whose thread is blocked on a frozen server.
 *
 * <p>Why: MariaDB Connector/J's {@code Connection.abort()} of a connection whose query is running first opens a new
 * connection to the same server to send {@code KILL} (against a frozen server: up to the connect timeout), and then,
 * before closing the socket, reads from it &mdash; which waits for the socket's read lock, held by the blocked query
 * thread until its own read times out. A thread on a frozen writer was therefore released only by its statement deadline
 * (3.0-3.6 s after it started against a 3 s deadline in {@code MySqlFailoverIT}), never by the monitor declaring the
 * server down. Closing the socket from another thread ends a blocked read at once (the JDK signals the reader); Haven
 * does that first, then lets the driver abort as usual.
 *
 * <p>The driver creates the socket on the thread that connects, inside {@code Driver.connect}: the factory remembers
 * it for that thread, and the pool's data source ({@link ConnectFailureSignal}) files it under the connection it got
 * back. Sockets are held weakly, by their connection. A {@code socketFactory} the application configured itself is
 * left in place (and this fix with it).
 */
public final class AbortableSockets extends SocketFactory {

    private static final ThreadLocal<Socket> LAST = new ThreadLocal<>();
    private static final Map<Connection, Socket> BY_CONNECTION = Collections.synchronizedMap(new WeakHashMap<>());

    /** Public, with no arguments: the driver instantiates it by its class name. */
    public AbortableSockets() {
    }

    private static Socket remember(Socket s) {
        LAST.set(s);
        return s;
    }

    @Override
    public Socket createSocket() {
        return remember(new Socket());
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return remember(new Socket(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return remember(new Socket(host, port, localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return remember(new Socket(host, port));
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
        return remember(new Socket(address, port, localAddress, localPort));
    }

    /** Before a connection attempt on this thread: forgets any socket of an earlier attempt. */
    static void connecting() {
        LAST.remove();
    }

    /** After a connection attempt on this thread succeeded with {@code c}: files the socket it was made with. */
    static void connected(Connection c) {
        Socket s = LAST.get();
        LAST.remove();
        if (s != null && c != null) {
            BY_CONNECTION.put(c, s);
        }
    }

    /**
     * Closes the socket of {@code pooled} (a pool's connection, or the driver's own) if it was made here: a thread
     * blocked reading from it fails now. A no-op for connections of other drivers.
     */
    static void closeSocketOf(Connection pooled) {
        if (BY_CONNECTION.isEmpty()) {
            return;
        }
        Socket s = BY_CONNECTION.remove(pooled);
        if (s == null) {
            try {
                s = BY_CONNECTION.remove(pooled.unwrap(Connection.class)); // HikariCP's proxy hands out its delegate
            } catch (SQLException | RuntimeException e) {
                return;
            }
        }
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closed either way
            }
        }
    }
}
