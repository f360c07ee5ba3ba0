package dev.haven.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.testkit.HavenPostgres;
import dev.haven.testkit.PostgresCluster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A new user's first build: a separate Maven project whose only dependency is the snippet README.md prints under
 * "Using it" (read from the README, not copied), compiled and run against the artifacts of this build, which the
 * {@code maven-install-plugin} executions of this module's POM put in a repository of their own
 * ({@code target/consumer-repo}, never {@code ~/.m2}). The program uses Haven's public API on a real primary + replica.
 *
 * <p>The child Maven takes that repository as its local one; everything else (plugins, HikariCP, pgjdbc...) it finds
 * in the user's local repository, read as a release-only file repository (so a stale Haven snapshot there is never
 * used), and else in Maven Central. Offline when this build is ({@code -o}: the file repository stays allowed).
 */
@HavenPostgres(replicas = 1)
class ConsumerProjectIT {

    private static final String PROGRAM = """
            package consumer;

            import dev.haven.Consistency;
            import dev.haven.jdbc.HavenConnection;
            import dev.haven.jdbc.HavenDataSource;
            import java.sql.Connection;
            import java.sql.ResultSet;
            import java.time.Duration;

            public final class Main {
                public static void main(String[] args) throws Exception {
                    try (HavenDataSource ds = HavenDataSource.builder().url(args[0]).username(args[1]).password(args[2])
                            .defaultConsistency(Consistency.boundedStaleness(Duration.ofSeconds(1))).build()) {
                        ds.transaction(c -> {
                            c.createStatement().execute("CREATE TABLE IF NOT EXISTS consumer (id bigint PRIMARY KEY)");
                            return c.createStatement().executeUpdate("INSERT INTO consumer VALUES (7) ON CONFLICT DO NOTHING");
                        });
                        try (Connection c = ds.getConnection()) {
                            c.setReadOnly(true);
                            c.unwrap(HavenConnection.class).consistency(Consistency.STRONG);
                            try (ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM consumer")) {
                                rs.next();
                                System.out.println("CONSUMER rows=" + rs.getLong(1) + " writer="
                                        + c.unwrap(HavenConnection.class).endpoint().orElseThrow().id());
                            }
                        }
                        System.out.println("CONSUMER topology=" + ds.topology());
                        System.out.println("CONSUMER haven-jdbc=" + HavenDataSource.class.getProtectionDomain().getCodeSource().getLocation());
                    }
                }
            }
            """;

    /** The first {@code xml} block after the README's "## Using it" heading. */
    static String readmeSnippet(String readme) {
        int section = readme.indexOf("\n## Using it");
        assertThat(section).as("README.md has a \"## Using it\" section").isNotNegative();
        Matcher m = Pattern.compile("```xml\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        assertThat(m.find(section)).as("an xml block in \"## Using it\"").isTrue();
        return m.group(1);
    }

    @Test
    void theReadmeSnippetBuildsAndRunsAConsumerAgainstThisBuildsArtifacts(PostgresCluster cluster) throws Exception {
        String snippet = readmeSnippet(Files.readString(Paths.get(System.getProperty("haven.readme")), StandardCharsets.UTF_8));
        String version = System.getProperty("haven.version");
        assertThat(snippet.strip()).as("one dependency, this build's version").startsWith("<dependency>").endsWith("</dependency>")
                .contains("<groupId>dev.haven</groupId>").contains("<version>" + version + "</version>");
        Path repo = Paths.get(System.getProperty("haven.consumer.repo")).toAbsolutePath().normalize();
        assertThat(repo.resolve("dev/haven/haven-jdbc/" + version)).as("installed by this module's POM").isDirectory();
        Path userRepo = Paths.get(System.getProperty("haven.user.repo")).toAbsolutePath();
        boolean offline = "offline=true".equals(System.getProperty("haven.maven.offline")); // "offline=" + settings.offline

        Path dir = Files.createTempDirectory("haven-consumer-");
        try {
            Files.writeString(dir.resolve("pom.xml"), pom(snippet), StandardCharsets.UTF_8);
            Path src = Files.createDirectories(dir.resolve("src/main/java/consumer"));
            Files.writeString(src.resolve("Main.java"), PROGRAM, StandardCharsets.UTF_8);
            Files.writeString(dir.resolve("settings.xml"), settings(userRepo), StandardCharsets.UTF_8);

            List<String> cmd = new ArrayList<>(List.of(Paths.get(System.getProperty("maven.home"), "bin", "mvn").toString(),
                    "-B", "-e", "-s", dir.resolve("settings.xml").toString(), "-Dmaven.repo.local=" + repo,
                    "-Dconsumer.url=" + cluster.jdbcUrl(), "-Dconsumer.user=" + cluster.user(),
                    "-Dconsumer.password=" + cluster.password()));
            if (offline) {
                cmd.addAll(List.of("-o", "-Daether.offline.protocols=file"));
            }
            cmd.add("package");
            Path log = dir.resolve("build.log");
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            boolean ended = p.waitFor(150, TimeUnit.SECONDS);
            if (!ended) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
            String out = Files.readString(log, StandardCharsets.UTF_8);
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
            System.out.printf("[ConsumerProjectIT] snippet %s; child Maven%s took %d s, exit %s; program printed:%n%s%n",
                    snippet.strip().replaceAll("\\s+", ""), offline ? " (offline)" : "", seconds, ended ? p.exitValue() : "timeout",
                    out.lines().filter(l -> l.startsWith("CONSUMER")).reduce((a, b) -> a + "\n" + b).orElse("(nothing)"));
            assertThat(ended).as("child Maven ended within 150 s; its log:%n%s", out).isTrue();
            assertThat(p.exitValue()).as("child Maven's exit code; its log:%n%s", out).isZero();
            assertThat(out).contains("CONSUMER rows=1 writer=").contains("CONSUMER topology=");
            String jar = out.lines().filter(l -> l.startsWith("CONSUMER haven-jdbc=")).findFirst().orElseThrow()
                    .substring("CONSUMER haven-jdbc=".length());
            assertThat(Paths.get(java.net.URI.create(jar)).toAbsolutePath().normalize())
                    .as("haven-jdbc came from this build's repository").startsWith(repo);
        } finally {
            deleteTree(dir);
        }
    }

    /** A plain jar project: Java 17, the snippet as its only dependency, the program run at {@code package}. */
    private static String pom(String snippet) {
        return """
                <?xml version="1.0" encoding="UTF-8"?>
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>example</groupId>
                  <artifactId>haven-consumer</artifactId>
                  <version>1</version>
                  <properties>
                    <maven.compiler.release>17</maven.compiler.release>
                    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
                    <skipTests>true</skipTests>
                  </properties>
                  <dependencies>
                %s
                  </dependencies>
                  <build>
                    <plugins>
                      <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-resources-plugin</artifactId><version>3.3.1</version></plugin>
                      <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-compiler-plugin</artifactId><version>3.14.0</version></plugin>
                      <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-surefire-plugin</artifactId><version>3.5.4</version></plugin>
                      <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-jar-plugin</artifactId><version>3.4.2</version></plugin>
                      <plugin><groupId>org.codehaus.mojo</groupId><artifactId>exec-maven-plugin</artifactId><version>3.5.1</version>
                        <executions><execution><id>run</id><phase>package</phase><goals><goal>exec</goal></goals>
                          <configuration>
                            <executable>${java.home}/bin/java</executable>
                            <arguments>
                              <argument>-classpath</argument><classpath/>
                              <argument>consumer.Main</argument>
                              <argument>${consumer.url}</argument><argument>${consumer.user}</argument><argument>${consumer.password}</argument>
                            </arguments>
                          </configuration>
                        </execution></executions>
                      </plugin>
                    </plugins>
                  </build>
                </project>
                """.formatted(snippet);
    }

    /**
     * The user's local repository as a release-only file repository, tried before Maven Central: what the parent build
     * downloaded is not downloaded again, and a Haven snapshot there (an earlier install) can never stand in for this
     * build's.
     */
    private static String settings(Path userRepo) {
        String url = userRepo.toUri().toString();
        String repository = """
                <id>user-local-releases</id><url>%s</url>
                <releases><enabled>true</enabled></releases><snapshots><enabled>false</enabled></snapshots>
                """.formatted(url);
        return """
                <settings>
                  <profiles><profile><id>user-local</id>
                    <repositories><repository>%s</repository></repositories>
                    <pluginRepositories><pluginRepository>%s</pluginRepository></pluginRepositories>
                  </profile></profiles>
                  <activeProfiles><activeProfile>user-local</activeProfile></activeProfiles>
                </settings>
                """.formatted(repository, repository);
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
