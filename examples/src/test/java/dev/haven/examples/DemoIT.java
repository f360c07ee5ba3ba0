package dev.haven.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The README's demo, shortened (14 s, outages scaled down), run in-process on PostgreSQL and on MariaDB: what it
 * reports must hold.
 */
class DemoIT {

    @ParameterizedTest
    @EnumSource(DemoCluster.Kind.class)
    void shortDemoKeepsEverySafetyPromiseAndWritesResumeOnTheNewPrimary(DemoCluster.Kind kind) throws Exception {
        DemoSettings settings = DemoSettings.of(Duration.ofSeconds(14));
        DemoReport report;
        FailoverDemo demo = new FailoverDemo(settings, kind, System.out);
        try {
            report = demo.run();
        } finally {
            demo.close();
        }

        assertThat(report.product()).isEqualTo(kind.product());
        assertThat(report.binaries()).as("where the server binaries came from").isNotBlank();
        assertThat(report.problems()).as("outage steps and checks that went wrong").isEmpty();
        assertThat(report.readsOk()).as("reads served").isGreaterThan(1000);
        assertThat(report.readErrors()).as("read errors surfaced to the application").isEmpty();
        assertThat(report.staleReads()).as("reads staler than the %s lag bound", settings.lagBound()).isZero();
        assertThat(report.worstStaleness()).as("oldest data any read returned").isLessThanOrEqualTo(settings.lagBound());
        assertThat(report.staleSkipped()).as("StaleReplicaSkipped events while replay was paused").isPositive();
        assertThat(report.checkedOn()).as("node the acknowledged writes were checked on").isNotNull();
        assertThat(report.acknowledgedWrites()).as("acknowledged writes").isGreaterThan(200);
        assertThat(report.missingWrites()).as("acknowledged writes missing after failover").isZero();
        assertThat(report.undocumentedWriteErrors()).as("write errors of undocumented types: %s", report.writeErrors()).isZero();
        assertThat(report.failover()).as("FailoverCompleted seen").isNotNull();
        assertThat(report.newWriter()).as("Haven followed the promoted replica").isEqualTo(report.checkedOn());
        assertThat(report.writesAfterPromotion()).as("writes acknowledged on the new primary").isGreaterThan(50);
        assertThat(report.firstWriteAfter()).as("first acknowledged write after the kill").isNotNull()
                .isLessThanOrEqualTo(Duration.ofSeconds(5));
        assertThat(report.promisesKept()).as("report: %n%s", report.format()).isTrue();

        for (long pid : demo.serverPids()) {
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                    .as("%s server pid %d alive after close", kind.product(), pid).isFalse();
        }
    }
}
