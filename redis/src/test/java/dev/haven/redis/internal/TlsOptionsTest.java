package dev.haven.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisConnectionException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/** The words a failed connection is reported with: what to check for a TLS mismatch, either way round. */
class TlsOptionsTest {

    @Test
    void aRefusedCertificateNamesTheCaSettingAndTheCause() {
        Exception e = new RedisConnectionException("Unable to connect to 127.0.0.1:6379",
                new SSLHandshakeException("PKIX path building failed: unable to find valid certification path"));
        String m = TlsOptions.describeConnectFailure(e, true);
        assertThat(m).startsWith("Unable to connect to 127.0.0.1:6379: PKIX path building failed")
                .contains("TLS handshake failed").contains("haven.redis.tls-ca-certificate").contains("tls-verify=full");
    }

    @Test
    void aPlainClientThatAServerHangsUpOnIsToldAboutTls() {
        Exception e = new RedisConnectionException("Unable to connect to 127.0.0.1:26379",
                new io.lettuce.core.RedisException("Connection closed prematurely"));
        assertThat(TlsOptions.describeConnectFailure(e, false)).contains("Connection closed prematurely").contains("set haven.redis.tls=true");
        // with TLS on, the same words would mislead
        assertThat(TlsOptions.describeConnectFailure(e, true)).doesNotContain("haven.redis.tls=true");
    }

    @Test
    void otherFailuresAreReportedAsTheyAre() {
        Exception e = new RedisConnectionException("Unable to connect to 127.0.0.1:1", new java.net.ConnectException("Connection refused"));
        assertThat(TlsOptions.describeConnectFailure(e, false)).isEqualTo("Unable to connect to 127.0.0.1:1: Connection refused");
        assertThat(TlsOptions.describeConnectFailure(e, true)).isEqualTo("Unable to connect to 127.0.0.1:1: Connection refused");
    }
}
