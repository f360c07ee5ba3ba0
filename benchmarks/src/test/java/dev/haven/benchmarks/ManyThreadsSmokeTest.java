package dev.haven.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collection;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The stub-driver benchmarks run at 8 threads without an error: routing decides on live state that concurrent
 * binds change (it used to throw "candidate state changed during routing" from the first warm-up iteration at 4
 * threads). Not a speed test: one short iteration in this JVM, only completion and a result per benchmark checked;
 * the figures come from the JMH runs described in the README.
 */
class ManyThreadsSmokeTest {

    @Test
    void stubTrioCompletesAtEightThreadsWithoutAnError() throws Exception {
        Options opts = new OptionsBuilder()
                .include(JdbcOverheadBenchmark.class.getName() + ".(rawHikari|havenRead|havenWrite)$")
                .forks(0)
                .threads(8)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(1500))
                .timeUnit(TimeUnit.NANOSECONDS)
                .shouldFailOnError(true)
                .build();
        Collection<RunResult> results = new Runner(opts).run();
        assertThat(results).extracting(r -> r.getParams().getBenchmark().replaceAll(".*\\.", ""))
                .containsExactlyInAnyOrder("rawHikari", "havenRead", "havenWrite");
        for (RunResult r : results) {
            assertThat(r.getPrimaryResult().getSampleCount()).as("%s samples", r.getParams().getBenchmark()).isPositive();
            assertThat(r.getParams().getThreads()).isEqualTo(8);
        }
    }
}
