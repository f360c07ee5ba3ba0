package dev.haven.testkit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProcessCpuTest {

    @Test
    void fieldsAreCountedFromTheLastParenthesisOfTheCommandName() {
        String stat = "4242 (postgres: a (b) c) S 17 4242 4242 0 -1 4194560 1 0 0 0 250 31 7 3 20 0 1 0 100 1 1";
        assertThat(ProcessCpu.parse(stat)).containsExactly(17, 250, 31, 7, 3);
    }

    @Test
    void thisJvmHasUsedCpuAndTheCountDoesNotGoBack() {
        long pid = ProcessHandle.current().pid();
        long before = ProcessCpu.ticks(pid);
        assertThat(before).isPositive(); // class loading alone costs more than one tick
        long x = 0;
        for (int i = 0; i < 50_000_000; i++) {
            x += i % 7;
        }
        assertThat(x).isPositive();
        assertThat(ProcessCpu.ticks(pid)).isGreaterThanOrEqualTo(before);
        assertThat(ProcessCpu.ticks(Long.MAX_VALUE)).isEqualTo(-1);
    }
}
