package dev.haven.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.Role;
import dev.haven.spi.Probe;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The {@code haven} actuator endpoint: there when exposed, the topology and the settings in force, no secret. */
class HavenEndpointTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(HavenDataSourceAutoConfiguration.class, HavenEndpointAutoConfiguration.class))
            .withBean(HavenDataSourceCustomizer.class, () -> b -> b.topologyProvider((e, t) -> new Probe(Role.WRITER, 0, null, List.of())))
            .withPropertyValues("haven.datasource.url=jdbc:postgresql://127.0.0.1:1/app", "haven.datasource.username=app",
                    "haven.datasource.password=s3cret", "haven.datasource.cluster-name=orders",
                    "haven.datasource.probe-interval=2s");

    @Test
    @SuppressWarnings("unchecked")
    void exposedItShowsTopologyAndSettingsWithoutSecrets() {
        runner.withPropertyValues("management.endpoints.web.exposure.include=haven").run(context -> {
            assertThat(context).hasNotFailed();
            Map<String, Object> view = context.getBean(HavenEndpoint.class).topology();
            assertThat(view).containsEntry("cluster", "orders").containsEntry("writer", "127.0.0.1:1")
                    .containsEntry("closed", false).containsEntry("provider", "custom");
            List<Map<String, Object>> servers = (List<Map<String, Object>>) view.get("servers");
            assertThat(servers).hasSize(1);
            assertThat(servers.get(0)).containsEntry("id", "127.0.0.1:1").containsEntry("role", "writer");
            Map<String, String> settings = (Map<String, String>) view.get("settings");
            assertThat(settings).containsEntry("haven.jdbc.url", "***").containsEntry("haven.jdbc.password", "***")
                    .containsEntry("haven.jdbc.username", "app").containsEntry("haven.jdbc.probe-interval", "2s")
                    .containsEntry("haven.jdbc.probe-timeout", "500ms");
            assertThat(view.toString()).doesNotContain("s3cret").doesNotContain("127.0.0.1:1/app");
        });
    }

    @Test
    void notExposedNotThere() {
        runner.run(context -> assertThat(context).doesNotHaveBean(HavenEndpoint.class));
    }
}
