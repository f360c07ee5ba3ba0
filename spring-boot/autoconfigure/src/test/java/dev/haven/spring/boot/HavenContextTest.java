package dev.haven.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.Consistency;
import dev.haven.HavenSession;
import dev.haven.Role;
import dev.haven.jdbc.HavenConnection;
import dev.haven.jdbc.HavenDataSource;
import dev.haven.spi.Probe;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

/**
 * {@link HavenConsistency} and the request's session reach the auto-configured data source's connections (no server:
 * a fixed writer); a wrong annotation value or {@code haven.web.*} property stops the start naming it.
 */
class HavenContextTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(HavenDataSourceAutoConfiguration.class, HavenContextAutoConfiguration.class))
            .withBean(HavenDataSourceCustomizer.class,
                    () -> b -> b.topologyProvider((endpoint, timeout) -> new Probe(Role.WRITER, 0, null, List.of())))
            .withPropertyValues("haven.datasource.url=jdbc:postgresql://127.0.0.1:1/app", "haven.datasource.cluster-name=ctx");

    /** What a connection taken inside each method starts with. */
    static class Reads {
        private final HavenDataSource ds;

        Reads(HavenDataSource ds) {
            this.ds = ds;
        }

        @HavenConsistency("bounded-staleness:250ms")
        public Consistency bounded() throws Exception {
            return consistency();
        }

        @HavenConsistency("session")
        public Consistency sessionThenInner() throws Exception {
            return consistency();
        }

        public Consistency plain() throws Exception {
            return consistency();
        }

        public Optional<HavenSession> session() throws Exception {
            try (Connection c = ds.getConnection()) {
                return c.unwrap(HavenConnection.class).session();
            }
        }

        Consistency consistency() throws Exception {
            try (Connection c = ds.getConnection()) {
                return c.unwrap(HavenConnection.class).consistency();
            }
        }
    }

    @HavenConsistency("strong")
    static class StrongReads {
        public Consistency read(Reads inner) throws Exception {
            Consistency outer = HavenContext.consistency().orElseThrow();
            Consistency nested = inner.bounded();
            return outer.equals(Consistency.STRONG) && HavenContext.consistency().orElseThrow().equals(Consistency.STRONG)
                    ? nested : null;
        }
    }

    static class Wrong {
        @HavenConsistency("bounded-staleness:-1s")
        public void read() {
        }
    }

    @Test
    void annotatedMethodsAndTheSessionReachEveryConnection() {
        runner.withBean(Reads.class).withBean(StrongReads.class).run(context -> {
            assertThat(context).hasNotFailed();
            Reads reads = context.getBean(Reads.class);
            assertThat(reads.bounded()).isEqualTo(Consistency.boundedStaleness(Duration.ofMillis(250)));
            assertThat(reads.sessionThenInner()).isEqualTo(Consistency.SESSION);
            assertThat(reads.plain()).as("the data source's default")
                    .isEqualTo(Consistency.boundedStaleness(Duration.ofSeconds(1)));
            assertThat(context.getBean(StrongReads.class).read(reads)).as("the innermost annotation wins, the outer one is restored")
                    .isEqualTo(Consistency.boundedStaleness(Duration.ofMillis(250)));
            assertThat(HavenContext.consistency()).isEmpty();

            HavenSession session = HavenSession.create();
            assertThat(HavenContext.callInSession(session, reads::session)).containsSame(session);
            assertThat(reads.session()).isEmpty();
            assertThat(HavenContext.session()).isEmpty();
        });
    }

    @Test
    void aWrongConsistencyStopsTheStartNamingTheMethodTheRuleAndTheValue() {
        runner.withBean(Wrong.class).run(context -> {
            assertThat(context).hasFailed();
            FailureAnalysis analysis = new HavenPropertyFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis).isNotNull();
            assertThat(analysis.getDescription()).contains("@HavenConsistency on " + Wrong.class.getName() + ".read")
                    .contains("Value: -1s").contains("Rule: must be > 0");
        });
    }

    @Test
    void theSessionFilterIsOffByDefaultAndItsHeaderIsChecked() {
        WebApplicationContextRunner web = new WebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(HavenContextAutoConfiguration.class));
        web.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(HavenSessionFilter.class));
        web.withPropertyValues("haven.web.session.enabled=true").run(context -> assertThat(context)
                .hasNotFailed().hasSingleBean(HavenSessionFilter.class));
        web.withPropertyValues("haven.web.session.enabled=true", "haven.web.session.header=X Session").run(context -> {
            assertThat(context).hasFailed();
            FailureAnalysis analysis = new HavenPropertyFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis.getDescription()).contains("Property: haven.web.session.header").contains("Value: X Session");
        });
        web.withPropertyValues("haven.web.session.enabled=yes").run(context -> {
            assertThat(context).hasFailed();
            FailureAnalysis analysis = new HavenPropertyFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis.getDescription()).contains("Property: haven.web.session.enabled").contains("Value: yes");
        });
    }
}
