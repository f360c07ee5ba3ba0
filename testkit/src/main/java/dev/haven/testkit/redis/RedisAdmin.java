package dev.haven.testkit.redis;

import dev.haven.testkit.redis.internal.Resp;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLSocketFactory;

/**
 * The testkit's own commands to a node, on its direct port (never through its fault proxy), over TLS once the topology
 * runs {@linkplain RedisTopology.Builder#tls() TLS-only}; and the poll of every wait.
 */
final class RedisAdmin {

    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(2);
    private static final long POLL_MILLIS = 25;

    private final String password;
    private volatile SSLSocketFactory tls;

    RedisAdmin(String password) {
        this.password = password;
    }

    /** From now on every command goes over TLS trusting {@code caCertificatePem} (set before the first node starts). */
    void useTls(java.nio.file.Path caCertificatePem) {
        this.tls = Resp.trusting(caCertificatePem);
    }

    /** One command, authenticated with the data nodes' password (Sentinels have none). */
    Object once(RedisNode n, String... command) throws IOException {
        return Resp.once("127.0.0.1", n.directPort, n.isSentinel() ? null : password, ADMIN_TIMEOUT, tls, command);
    }

    /** {@link #once} that fails with a {@link RedisTopologyException} naming the node and the command. */
    Object call(RedisNode n, String... command) {
        try {
            return once(n, command);
        } catch (IOException e) {
            String what = command[0].equals("AUTH") ? "AUTH" : String.join(" ", command);
            throw new RedisTopologyException(n.name() + ": " + what + " failed: " + e.getMessage(), e);
        }
    }

    Map<String, String> replicationInfo(RedisNode n) {
        return Resp.parseInfo(String.valueOf(call(n, "INFO", "replication")));
    }

    static void pause() {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RedisTopologyException("Interrupted while waiting");
        }
    }
}
