package dev.haven.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.redis.internal.RedisErrors.Kind;
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
        assertThat(RedisErrors.classify(new RedisConnectionException("Unable to connect to 127.0.0.1:1"))).isEqualTo(Kind.NOT_SENT);
        assertThat(RedisErrors.classify(new RedisException("Currently not connected. Commands are rejected."))).isEqualTo(Kind.NOT_SENT);
        assertThat(RedisErrors.classify(new RedisException("Connection is closed"))).isEqualTo(Kind.NOT_SENT);
        assertThat(RedisErrors.classify(new RedisException("Request queue size exceeded: 10000. Commands are not accepted until the queue size drops.")))
                .isEqualTo(Kind.NOT_SENT);
    }

    @Test
    void demotedPrimaryAndNodesNotReadyDidNotRunTheCommand() {
        assertThat(RedisErrors.classify(new RedisCommandExecutionException("READONLY You can't write against a read only replica.")))
                .isEqualTo(Kind.READ_ONLY);
        assertThat(RedisErrors.classify(new RedisCommandExecutionException("LOADING Redis is loading the dataset in memory")))
                .isEqualTo(Kind.UNAVAILABLE);
        assertThat(RedisErrors.classify(new RedisCommandExecutionException("MASTERDOWN Link with MASTER is down")))
                .isEqualTo(Kind.UNAVAILABLE);
    }

    @Test
    void sentButUnansweredIsUnknown() {
        assertThat(RedisErrors.classify(new RedisCommandTimeoutException("Command timed out after 250 millisecond(s)")))
                .isEqualTo(Kind.OUTCOME_UNKNOWN);
        assertThat(RedisErrors.classify(new RedisException("Connection closed"))).isEqualTo(Kind.OUTCOME_UNKNOWN);
        assertThat(RedisErrors.classify(new RedisException("Connection disconnected"))).isEqualTo(Kind.OUTCOME_UNKNOWN);
        assertThat(RedisErrors.classify(new RedisException(new IOException("Connection reset by peer")))).isEqualTo(Kind.OUTCOME_UNKNOWN);
    }

    @Test
    void applicationErrorsAreTheCallers() {
        assertThat(RedisErrors.classify(new RedisCommandExecutionException("WRONGTYPE Operation against a key holding the wrong kind of value")))
                .isEqualTo(Kind.APPLICATION);
        assertThat(RedisErrors.classify(new RedisCommandExecutionException("ERR syntax error"))).isEqualTo(Kind.APPLICATION);
        assertThat(RedisErrors.classify(new IllegalArgumentException("bad"))).isEqualTo(Kind.APPLICATION);
        assertThat(RedisErrors.classify(new RedisCommandInterruptedException(new InterruptedException()))).isEqualTo(Kind.INTERRUPTED);
    }

    @Test
    void onlyCommandsThatDidNotRunAreResentAsWrites() {
        for (Kind k : Kind.values()) {
            boolean expected = k == Kind.NOT_SENT || k == Kind.READ_ONLY || k == Kind.UNAVAILABLE;
            assertThat(RedisErrors.writeResendable(k)).as(k.name()).isEqualTo(expected);
        }
        assertThat(RedisErrors.readRetryable(Kind.OUTCOME_UNKNOWN)).isTrue();
        assertThat(RedisErrors.readRetryable(Kind.APPLICATION)).isFalse();
        assertThat(RedisErrors.readRetryable(Kind.INTERRUPTED)).isFalse();
    }
}
