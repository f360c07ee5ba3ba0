package dev.haven.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.engine.Fault;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandInterruptedException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class RedisErrorsTest {

    @Test
    void failuresBeforeSendingAreSafeToSendElsewhere() {
        assertThat(RedisErrors.classify(new RedisConnectionException("Unable to connect to 127.0.0.1:1"))).isEqualTo(Fault.NOT_SENT);
        assertThat(RedisErrors.classify(new RedisException("Currently not connected. Commands are rejected."))).isEqualTo(Fault.NOT_SENT);
        assertThat(RedisErrors.classify(new RedisException("Connection is closed"))).isEqualTo(Fault.NOT_SENT);
        assertThat(RedisErrors.classify(new RedisException("Request queue size exceeded: 10000. Commands are not accepted until the queue size drops.")))
                .isEqualTo(Fault.NOT_SENT);
    }

    @Test
    void demotedPrimaryAndNodesNotReadyDidNotRunTheCommand() {
        assertThat(RedisErrors.classify(new RedisCommandExecutionException("READONLY You can't write against a read only replica.")))
                .isEqualTo(Fault.REFUSED);
        assertThat(RedisErrors.readOnly(new RedisCommandExecutionException("READONLY You can't write against a read only replica.")))
                .isTrue();
        assertThat(RedisErrors.classify(new RedisCommandExecutionException("LOADING Redis is loading the dataset in memory")))
                .isEqualTo(Fault.REFUSED);
        assertThat(RedisErrors.classify(new RedisCommandExecutionException("MASTERDOWN Link with MASTER is down")))
                .isEqualTo(Fault.REFUSED);
    }

    @Test
    void sentButUnansweredIsUnknown() {
        assertThat(RedisErrors.classify(new RedisCommandTimeoutException("Command timed out after 250 millisecond(s)")))
                .isEqualTo(Fault.OUTCOME_UNKNOWN);
        assertThat(RedisErrors.classify(new RedisException("Connection closed"))).isEqualTo(Fault.OUTCOME_UNKNOWN);
        assertThat(RedisErrors.classify(new RedisException("Connection disconnected"))).isEqualTo(Fault.OUTCOME_UNKNOWN);
        assertThat(RedisErrors.classify(new RedisException(new IOException("Connection reset by peer")))).isEqualTo(Fault.OUTCOME_UNKNOWN);
    }

    @Test
    void applicationErrorsAreTheCallers() {
        assertThat(RedisErrors.classify(new RedisCommandExecutionException("WRONGTYPE Operation against a key holding the wrong kind of value")))
                .isEqualTo(Fault.APPLICATION);
        assertThat(RedisErrors.classify(new RedisCommandExecutionException("ERR syntax error"))).isEqualTo(Fault.APPLICATION);
        assertThat(RedisErrors.classify(new IllegalArgumentException("bad"))).isEqualTo(Fault.APPLICATION);
        assertThat(RedisErrors.classify(new RedisCommandInterruptedException(new InterruptedException()))).isEqualTo(Fault.INTERRUPTED);
    }

    @Test
    void onlyCommandsThatDidNotRunAreResentAsWrites() {
        assertThat(RedisErrors.classify(new RedisConnectionException("refused")).retryableWrite()).isTrue();
        assertThat(RedisErrors.classify(new RedisCommandExecutionException("READONLY x")).retryableWrite()).isTrue();
        assertThat(RedisErrors.classify(new RedisCommandTimeoutException("timed out")).retryableWrite()).isFalse();
        assertThat(RedisErrors.classify(new RedisCommandTimeoutException("timed out")).retryableRead()).isTrue();
        assertThat(RedisErrors.classify(new RedisCommandExecutionException("ERR x")).retryableRead()).isFalse();
        assertThat(RedisErrors.readOnly(new RedisCommandExecutionException("LOADING x"))).isFalse();
    }

    @Test
    void aRefusedLoginIsRecognisedInAProbeFailure() {
        assertThat(RedisErrors.loginRefused("RedisConnectionException: Unable to connect to 127.0.0.1/<unresolved>:41829 (cause: "
                + "RedisCommandExecutionException: WRONGPASS invalid username-password pair or user is disabled.)")).isTrue();
        assertThat(RedisErrors.loginRefused("RedisConnectionException: Unable to connect (cause: RedisCommandExecutionException: "
                + "NOAUTH HELLO must be called with the client already authenticated)")).isTrue();
        assertThat(RedisErrors.loginRefused("RedisCommandExecutionException: ERR invalid password")).isTrue();
        assertThat(RedisErrors.loginRefused("RedisCommandExecutionException: ERR AUTH <password> called without any password "
                + "configured for the default user. Are you sure your configuration is correct?")).isTrue();
        assertThat(RedisErrors.loginRefused("RedisConnectionException: Unable to connect to 127.0.0.1:6379 (cause: "
                + "AnnotatedConnectException: Connection refused)")).isFalse();
        assertThat(RedisErrors.loginRefused("timed out after 500 ms")).isFalse();
        assertThat(RedisErrors.loginRefused(null)).isFalse();
        assertThat(RedisErrors.everyLoginRefused(java.util.List.of())).as("no node known: nothing refused").isFalse();
    }
}
