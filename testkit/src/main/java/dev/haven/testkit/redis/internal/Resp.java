package dev.haven.testkit.redis.internal;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * A minimal RESP2 client for the testkit's own admin commands: one blocking socket with connect and read timeouts,
 * one request at a time. Replies: simple string and bulk string → {@code String}, integer → {@code Long},
 * array → {@code List<Object>}, nil → {@code null}; an error reply throws {@link ErrorReply}. Over TLS when given an
 * {@link SSLSocketFactory} ({@link #trusting(Path)}): the handshake verifies the chain and the host name, and is bounded
 * by the same timeout.
 *
 * <p>Deliberately not Lettuce: PostgreSQL-only users of the testkit should not pull in Netty, and admin commands
 * need nothing more.
 */
public final class Resp implements AutoCloseable {

    /** An error reply ({@code -ERR ...}, {@code -LOADING ...}, {@code -NOAUTH ...}). */
    public static final class ErrorReply extends IOException {
        private static final long serialVersionUID = 1L;

        ErrorReply(String message) {
            super(message);
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private Resp(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = new BufferedOutputStream(socket.getOutputStream());
    }

    /** Connects and, when {@code password} is not null, authenticates. */
    public static Resp connect(String host, int port, String password, Duration timeout) throws IOException {
        return connect(host, port, password, timeout, null);
    }

    /**
     * Connects, over TLS when {@code tls} is not null (the handshake verifies the server's chain and that its
     * certificate names {@code host}), and, when {@code password} is not null, authenticates.
     */
    public static Resp connect(String host, int port, String password, Duration timeout, SSLSocketFactory tls) throws IOException {
        int millis = (int) Math.max(1, timeout.toMillis());
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.setSoTimeout(millis);
            s.connect(new InetSocketAddress(host, port), millis);
            if (tls != null) {
                SSLSocket ssl = (SSLSocket) tls.createSocket(s, host, port, true);
                s = ssl;
                SSLParameters params = ssl.getSSLParameters();
                params.setEndpointIdentificationAlgorithm("HTTPS");
                ssl.setSSLParameters(params);
                ssl.startHandshake(); // bounded by the read timeout set above
            }
            Resp r = new Resp(s);
            if (password != null) {
                r.call("AUTH", password);
            }
            return r;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** One command on a fresh connection. */
    public static Object once(String host, int port, String password, Duration timeout, String... command) throws IOException {
        return once(host, port, password, timeout, null, command);
    }

    /** One command on a fresh connection, over TLS when {@code tls} is not null. */
    public static Object once(String host, int port, String password, Duration timeout, SSLSocketFactory tls, String... command)
            throws IOException {
        try (Resp r = connect(host, port, password, timeout, tls)) {
            return r.call(command);
        }
    }

    /** TLS sockets that trust exactly the certificates of a PEM file (a CA's certificate), not the JVM's trust store. */
    public static SSLSocketFactory trusting(Path caCertificatePem) {
        try (var in = Files.newInputStream(caCertificatePem)) {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            int i = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                trust.setCertificateEntry("ca" + i++, c);
            }
            if (i == 0) {
                throw new IllegalArgumentException(caCertificatePem + " holds no certificate");
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx.getSocketFactory();
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("Could not read the CA certificate " + caCertificatePem + ": " + e, e);
        }
    }

    public Object call(String... command) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        buf.writeBytes(("*" + command.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (String arg : command) {
            byte[] b = arg.getBytes(StandardCharsets.UTF_8);
            buf.writeBytes(("$" + b.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            buf.writeBytes(b);
            buf.writeBytes(new byte[] {'\r', '\n'});
        }
        out.write(buf.toByteArray());
        out.flush();
        return read();
    }

    /** Sets the read timeout for the following calls. */
    public void timeout(Duration timeout) throws IOException {
        socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
    }

    private Object read() throws IOException {
        int type = in.read();
        if (type < 0) {
            throw new EOFException("connection closed by the server");
        }
        String line = readLine();
        switch (type) {
            case '+':
                return line;
            case '-':
                throw new ErrorReply(line);
            case ':':
                return Long.parseLong(line);
            case '$': {
                int len = Integer.parseInt(line);
                if (len < 0) {
                    return null;
                }
                byte[] b = in.readNBytes(len);
                if (b.length < len) {
                    throw new EOFException("connection closed in the middle of a reply");
                }
                readLine();
                return new String(b, StandardCharsets.UTF_8);
            }
            case '*': {
                int n = Integer.parseInt(line);
                if (n < 0) {
                    return null;
                }
                List<Object> items = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    items.add(read());
                }
                return items;
            }
            default:
                throw new IOException("Unexpected RESP type '" + (char) type + "' followed by: " + line);
        }
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new EOFException("connection closed in the middle of a reply");
            }
            if (c == '\r') {
                int lf = in.read();
                if (lf != '\n') {
                    throw new IOException("Malformed RESP line (CR not followed by LF)");
                }
                return b.toString(StandardCharsets.UTF_8);
            }
            b.write(c);
        }
    }

    /** {@code key:value} lines of an INFO reply (sections and comments skipped). */
    public static Map<String, String> parseInfo(String info) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : info.split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && !line.startsWith("#")) {
                out.put(line.substring(0, colon), line.substring(colon + 1).trim());
            }
        }
        return out;
    }

    /** A flat {@code [k1, v1, k2, v2, ...]} reply (SENTINEL MASTER, SENTINEL REPLICAS entries) as a map. */
    public static Map<String, String> pairs(Object reply) {
        Map<String, String> out = new LinkedHashMap<>();
        if (reply instanceof List) {
            List<?> l = (List<?>) reply;
            for (int i = 0; i + 1 < l.size(); i += 2) {
                out.put(String.valueOf(l.get(i)), String.valueOf(l.get(i + 1)));
            }
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
