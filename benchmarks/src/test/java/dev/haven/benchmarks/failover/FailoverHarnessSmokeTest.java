package dev.haven.benchmarks.failover;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.benchmarks.failover.FailoverHarness.Scenario;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The failover harness in its smoke mode (5 s per scenario and system, about a minute and a half in all) runs every
 * scenario through both systems and writes its JSON and HTML. No figure is judged here: only that every run happened
 * and did operations; the figures come from the full runs described in the README.
 */
class FailoverHarnessSmokeTest {

    @TempDir
    Path out;

    @Test
    @SuppressWarnings("unchecked")
    void everyScenarioRunsThroughBothSystemsAndIsReported() throws Exception {
        FailoverHarness.Result result = FailoverHarness.run(FailoverHarness.Mode.of("smoke"), out,
                Arrays.asList(Scenario.values()));

        List<Map<String, Object>> scenarios = (List<Map<String, Object>>) result.document().get("scenarios");
        assertThat(scenarios).extracting(s -> s.get("id"))
                .containsExactly(Arrays.stream(Scenario.values()).map(s -> s.id).toArray());
        for (Map<String, Object> s : scenarios) {
            Map<String, Map<String, Object>> systems = (Map<String, Map<String, Object>>) s.get("systems");
            assertThat(systems).containsOnlyKeys("haven", "peer");
            systems.forEach((system, f) -> {
                assertThat(f).as("%s / %s", s.get("id"), system).doesNotContainKey("failure");
                assertThat((Long) f.get("writesOk")).as("%s / %s writes", s.get("id"), system).isPositive();
                assertThat((Long) f.get("readsOk")).as("%s / %s reads", s.get("id"), system).isPositive();
            });
        }
        String html = Files.readString(result.html());
        for (Scenario s : Scenario.values()) {
            assertThat(html).contains("id=\"" + s.id + "\"");
        }
        assertThat(html).contains("<svg").endsWith("</html>\n");
        assertThat(Files.readString(result.json())).contains("\"writer-killed\"", "\"replica-killed\"", "\"peer\"");
    }
}
