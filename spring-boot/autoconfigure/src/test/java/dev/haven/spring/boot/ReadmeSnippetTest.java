package dev.haven.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.Consistency;
import dev.haven.Role;
import dev.haven.jdbc.HavenDataSource;
import dev.haven.jdbc.JdbcKeys;
import dev.haven.spi.Probe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The properties of the README's "Spring Boot" section start a context with the data source they describe. */
class ReadmeSnippetTest {

    @Test
    void theReadmesPropertiesMakeTheDataSource() throws Exception {
        String readme = Files.readString(Path.of("..", "..", "README.md"));
        int section = readme.indexOf("### Spring Boot");
        assertThat(section).as("README section").isPositive();
        int start = readme.indexOf("```properties\n", section) + "```properties\n".length();
        List<String> properties = new ArrayList<>();
        for (String line : readme.substring(start, readme.indexOf("```", start)).split("\n")) {
            if (!line.isBlank()) {
                properties.add(line.trim());
            }
        }
        assertThat(properties).hasSize(5);
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(HavenDataSourceAutoConfiguration.class))
                .withPropertyValues(properties.toArray(String[]::new))
                .withPropertyValues("DB_PASSWORD=from-the-environment")
                // the README's hosts do not exist here: a fixed topology stands in for them
                .withBean(HavenDataSourceCustomizer.class, () -> b -> b.topologyProvider((e, t) -> new Probe(Role.WRITER, 0, null, List.of())))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    HavenDataSource ds = context.getBean(HavenDataSource.class);
                    assertThat(ds.settings().get(JdbcKeys.USERNAME)).isEqualTo("app");
                    assertThat(ds.settings().get(JdbcKeys.PASSWORD)).isEqualTo("from-the-environment");
                    assertThat(ds.settings().get(JdbcKeys.DEFAULT_CONSISTENCY))
                            .isEqualTo(Consistency.boundedStaleness(Duration.ofSeconds(1)));
                    assertThat(ds.endpoints()).hasSize(3);
                });
    }

    @Test
    void theReadmesTestkitSnippetIsTestkitInBootIT() throws Exception {
        String readme = Files.readString(Path.of("..", "..", "README.md"));
        int marker = readme.indexOf("<!-- TestkitInBootIT -->\n```java\n");
        assertThat(marker).as("README marker").isPositive();
        int start = marker + "<!-- TestkitInBootIT -->\n```java\n".length();
        String snippet = readme.substring(start, readme.indexOf("```", start));
        String source = Files.readString(Path.of("src/test/java/dev/haven/spring/boot/TestkitInBootIT.java"));
        String test = source.substring(source.indexOf("// README:start\n") + "// README:start\n".length(),
                source.indexOf("// README:end"));
        assertThat(snippet.lines().count()).as("snippet lines").isGreaterThan(40);
        assertThat(snippet).isEqualTo(test);
    }
}
