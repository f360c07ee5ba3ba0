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
}
