package dev.haven.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import com.jayway.jsonpath.DocumentContext;
import com.jayway.jsonpath.JsonPath;
import dev.haven.jdbc.JdbcKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The checked-in Spring configuration metadata is the one {@link JdbcKeys#SPEC} generates
 * ({@code -Dhaven.regenerate=true} rewrites it), and says what an IDE should show.
 */
class SpringMetadataTest {

    private static final Path FILE = Path.of("src", "main", "resources", "META-INF", "spring-configuration-metadata.json");

    @Test
    void checkedInMetadataIsGeneratedFromTheKeys() throws Exception {
        String expected = SpringMetadata.generate();
        if (Boolean.getBoolean("haven.regenerate")) {
            Files.writeString(FILE, expected);
        }
        assertThat(Files.readString(FILE)).as(FILE + " (regenerate with -Dhaven.regenerate=true)").isEqualTo(expected);
    }

    @Test
    void everyKeyWithItsDefaultRuleAndDeprecation() throws Exception {
        DocumentContext doc = JsonPath.parse(Files.readString(FILE));
        List<String> names = doc.read("$.properties[*].name");
        int current = (int) JdbcKeys.SPEC.settings().stream().count();
        int former = JdbcKeys.SPEC.settings().stream().mapToInt(s -> s.formerNames().size()).sum();
        int redis = dev.haven.redis.RedisKeys.SPEC.settings().size()
                + dev.haven.redis.RedisKeys.SPEC.settings().stream().mapToInt(s -> s.formerNames().size()).sum()
                + dev.haven.redis.RedisKeys.SPEC.families().size();
        int dynamodb = dev.haven.dynamodb.DynamoDbKeys.SPEC.settings().size()
                + dev.haven.dynamodb.DynamoDbKeys.SPEC.settings().stream().mapToInt(s -> s.formerNames().size()).sum()
                + dev.haven.dynamodb.DynamoDbKeys.SPEC.families().size();
        assertThat(names).hasSize(current + former + JdbcKeys.SPEC.families().size() + HavenWebKeys.SPEC.settings().size()
                + redis + dynamodb).doesNotHaveDuplicates().allMatch(n -> n.startsWith("haven.datasource.")
                        || n.startsWith("haven.web.") || n.startsWith("haven.redis.") || n.startsWith("haven.dynamodb."));
        assertThat(names).contains("haven.redis.sentinel", "haven.redis.cluster-name", "haven.dynamodb.regions",
                "haven.dynamodb.home-region");
        assertThat(doc.<List<Object>>read("$.properties[?(@.name == 'haven.web.session.header')].defaultValue"))
                .containsExactly("X-Haven-Session");
        assertThat(doc.<List<Object>>read("$.properties[?(@.name == 'haven.web.session.enabled')].defaultValue"))
                .containsExactly(false);
        assertThat(names).contains("haven.datasource.url", "haven.datasource.retry.max-attempts", "haven.datasource.pool");
        assertThat(doc.<List<Object>>read("$.properties[?(@.name == 'haven.datasource.probe-timeout')].defaultValue"))
                .containsExactly("500ms");
        assertThat(doc.<List<Object>>read("$.properties[?(@.name == 'haven.datasource.retry.max-attempts')].defaultValue"))
                .containsExactly(3);
        assertThat(doc.<List<String>>read("$.properties[?(@.name == 'haven.datasource.retry.max-attempts')].description"))
                .singleElement().asString().endsWith("(rule: in 1..10)");
        assertThat(doc.<List<Object>>read("$.properties[?(@.name == 'haven.datasource.password')].defaultValue")).isEmpty();
        assertThat(doc.<List<String>>read("$.properties[?(@.name == 'haven.datasource.statement-deadline')].deprecation.replacement"))
                .containsExactly("haven.datasource.deadline");
        assertThat(doc.<List<String>>read("$.hints[?(@.name == 'haven.datasource.provider')].values[*].value"))
                .containsExactly("auto", "postgres", "aurora-postgres", "aurora-global-postgres", "rds-multi-az-postgres", "mysql",
                        "mariadb", "aurora-mysql");
    }
}
