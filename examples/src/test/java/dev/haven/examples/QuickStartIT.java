package dev.haven.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.testkit.HavenPostgres;
import dev.haven.testkit.PostgresCluster;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The README example runs as written against a real primary + replica. */
@HavenPostgres(replicas = 1)
class QuickStartIT {

    @Test
    void readmeExampleRunsAgainstARealCluster(PostgresCluster cluster) throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            QuickStart.main(new String[] {cluster.jdbcUrl(), cluster.user(), cluster.password()});
        } finally {
            System.setOut(original);
        }
        String printed = out.toString(StandardCharsets.UTF_8);
        System.out.print(printed);
        assertThat(printed).contains("orders: ").contains("updated 1;");
    }
}
