package dev.haven.testkit.mariadb;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Bad settings fail in the builder, naming the setting, the rule and the value; nothing is started. */
class MariaDbClusterBuilderTest {

    @Test
    void rejectsBadSettingsWithTheRuleAndTheValue() {
        MariaDbCluster.Builder b = MariaDbCluster.builder();
        assertThatThrownBy(() -> b.replicas(6)).hasMessage("replicas must be between 0 and 5: was 6");
        assertThatThrownBy(() -> b.replicas(-1)).hasMessage("replicas must be between 0 and 5: was -1");
        assertThatThrownBy(() -> b.semiSync(Duration.ZERO)).hasMessage("semiSync timeout must be > 0: was PT0S");
        assertThatThrownBy(() -> b.startupTimeout(Duration.ofSeconds(-1))).hasMessage("startupTimeout must be > 0: was PT-1S");
        assertThatThrownBy(() -> b.database("x; DROP")).hasMessageContaining("database must be a plain identifier")
                .hasMessageContaining("'x; DROP'");
        assertThatThrownBy(() -> b.user(MariaDbCluster.ADMIN_USER)).hasMessageContaining("the testkit's own account");
        assertThatThrownBy(() -> b.password("")).hasMessage("password must not be empty");
        assertThatThrownBy(() -> b.extraConfig("Bad Key", "1")).hasMessageContaining("'Bad Key'");
    }
}
