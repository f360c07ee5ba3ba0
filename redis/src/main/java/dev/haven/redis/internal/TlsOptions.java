package dev.haven.redis.internal;

import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLException;

/**
 * How the {@code haven.redis.tls*} keys become Lettuce's own TLS: {@link RedisURI#setSsl}/{@link RedisURI#setVerifyPeer}
 * on every address Haven connects to (data nodes, probes, Sentinels) and one {@link SslOptions} (the CA file as trust
 * manager, or the JVM's trust store; the handshake bounded by {@code connect-timeout}) in the {@code ClientOptions} of
 * every Lettuce client. No TLS code of Haven's own. Also the words a failed connection is reported with: a TLS
 * mismatch otherwise surfaces as a bare "Unable to connect".
 */
public final class TlsOptions {

    private TlsOptions() {
    }

    /** Whether the keys ask for TLS: {@code tls=true}, or a {@code rediss-sentinel://} {@code sentinel} URI. */
    public static boolean on(dev.haven.config.Settings keys) {
        String sentinel = keys.get(dev.haven.redis.RedisKeys.SENTINEL);
        return keys.get(dev.haven.redis.RedisKeys.TLS) || (sentinel != null && sentinel.regionMatches(true, 0, "rediss-sentinel:", 0, 16));
    }

    /** Lettuce's TLS options for {@code s}, or {@code null} without TLS. */
    static SslOptions sslOptions(RedisSettings s) {
        if (!s.tls()) {
            return null;
        }
        SslOptions.Builder b = SslOptions.builder().jdkSslProvider().handshakeTimeout(s.connectTimeout());
        Path ca = s.tlsCaCertificate();
        if (ca != null) {
            b.trustManager(ca.toFile()); // X.509 certificates in PEM
        }
        return b.build();
    }

    /** TLS and its verify mode on an address, when {@code s} asks for TLS. */
    static RedisURI.Builder apply(RedisURI.Builder b, RedisSettings s) {
        return s.tls() ? b.withSsl(true).withVerifyPeer(s.tlsVerify()) : b;
    }

    /** Why {@code path} is not a readable PEM file holding at least one X.509 certificate; {@code null} when it is. */
    public static String checkPem(String path) {
        try (InputStream in = Files.newInputStream(Path.of(path))) {
            int n = CertificateFactory.getInstance("X.509").generateCertificates(in).size();
            return n == 0 ? "no certificate in it" : null;
        } catch (InvalidPathException | IOException e) {
            return "cannot read it: " + e.getClass().getSimpleName() + " " + e.getMessage();
        } catch (CertificateException e) {
            return "not PEM X.509 certificates: " + e.getMessage();
        }
    }

    /**
     * A failed connection in words a user can act on: the causes' messages (Lettuce's "Unable to connect" names no
     * reason), and what to check when it looks like a TLS mismatch. A pure function of the exception and whether TLS
     * was on.
     */
    public static String describeConnectFailure(Throwable t, boolean tls) {
        StringBuilder out = new StringBuilder();
        boolean handshake = false;
        boolean closed = false;
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            String m = c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
            if (out.indexOf(m) < 0) {
                out.append(out.length() == 0 ? "" : ": ").append(m);
            }
            handshake |= c instanceof SSLException;
            String lower = m.toLowerCase(java.util.Locale.ROOT);
            closed |= lower.contains("connection closed") || lower.contains("connection reset") || lower.contains("closed prematurely");
        }
        if (tls && handshake) {
            out.append(" (TLS handshake failed: the server's certificate must chain to a CA in haven.redis.tls-ca-certificate, or "
                    + "the JVM's trust store without it, and with tls-verify=full name the host connected to; or the server "
                    + "does not speak TLS)");
        } else if (!tls && closed) {
            out.append(" (the server closed the connection before answering: a server with TLS (in-transit encryption) does that "
                    + "to plain connections; set haven.redis.tls=true)");
        }
        return out.toString();
    }
}
