package dev.haven.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.config.SettingsFuzz;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every haven.jdbc key fed random and boundary values: a message naming a key and a rule, never a deep stack trace. */
class SettingsFuzzTest {

    @Test
    void badValuesFailWithAMessageNamingTheKeyAndTheRule() {
        SettingsFuzz.Result r = SettingsFuzz.run(JdbcKeys.SPEC,
                Map.of("haven.jdbc.url", "jdbc:postgresql://127.0.0.1:1/db", "haven.jdbc.username", "u"),
                props -> HavenDataSource.builder().properties(props).settings(), 7, 20_000);
        System.out.printf("haven.jdbc fuzz: %d accepted, %d rejected, problems %s%n", r.accepted(), r.rejected(), r.problems());
        assertThat(r.problems()).isEmpty();
        assertThat(r.accepted()).isPositive();
        assertThat(r.rejected()).isPositive();
    }
}
