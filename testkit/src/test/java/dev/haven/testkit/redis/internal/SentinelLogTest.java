package dev.haven.testkit.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.testkit.redis.internal.SentinelLog.Switch;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Failovers read from Sentinel logs: the lines Redis 6.2 writes, merged across three Sentinels. */
class SentinelLogTest {

    // Excerpts of a real run: the Sentinels failed redis0 (41587) over to 37029, then that one over to 40615.
    private static final List<String> LEADER = List.of(
            "6374:X 30 Nov 2026 08:17:51.646 # +sdown master haven 127.0.0.1 41587",
            "6374:X 30 Nov 2026 08:17:51.733 # +odown master haven 127.0.0.1 41587 #quorum 2/2",
            "6374:X 30 Nov 2026 08:17:54.065 # +failover-end master haven 127.0.0.1 41587",
            "6374:X 30 Nov 2026 08:17:54.065 # +switch-master haven 127.0.0.1 41587 127.0.0.1 37029",
            "6374:X 30 Nov 2026 08:17:54.985 # +switch-master haven 127.0.0.1 37029 127.0.0.1 40615",
            "6374:X 30 Nov 2026 08:17:56.018 # +sdown slave 127.0.0.1:41587 127.0.0.1 41587 @ haven 127.0.0.1 40615");
    private static final List<String> OTHER = List.of(
            "6363:X 30 Nov 2026 08:17:52.907 # +switch-master haven 127.0.0.1 41587 127.0.0.1 37029",
            "6363:X 30 Nov 2026 08:17:54.984 # +switch-master haven 127.0.0.1 37029 127.0.0.1 40615",
            "6363:X 30 Nov 2026 08:17:55.001 # +switch-master other 127.0.0.1 1 127.0.0.1 2");
    private static final List<String> LATE = List.of( // heard only of the second failover
            "6366:X 30 Nov 2026 08:17:54.930 # +switch-master haven 127.0.0.1 41587 127.0.0.1 40615");

    @Test
    void readsTheSwitchesOfOneMasterWithTheirTimes() {
        assertThat(SentinelLog.switches(OTHER, "haven", ZoneOffset.UTC)).containsExactly(
                new Switch(Instant.parse("2026-11-30T08:17:52.907Z"), 41587, 37029),
                new Switch(Instant.parse("2026-11-30T08:17:54.984Z"), 37029, 40615));
        assertThat(SentinelLog.switches(List.of("garbage", "", "1:X 99 Foo 2026 08:17:52.907 # +switch-master haven a 1 b 2"), "haven",
                ZoneOffset.UTC)).isEmpty();
    }

    @Test
    void mergesTheSentinelsIntoOneSequenceAtTheEarliestAdoption() {
        List<Switch> merged = SentinelLog.merge(List.of(SentinelLog.switches(LEADER, "haven", ZoneOffset.UTC),
                SentinelLog.switches(OTHER, "haven", ZoneOffset.UTC), SentinelLog.switches(LATE, "haven", ZoneOffset.UTC)));
        assertThat(merged).containsExactly(
                new Switch(Instant.parse("2026-11-30T08:17:52.907Z"), 41587, 37029),
                new Switch(Instant.parse("2026-11-30T08:17:54.984Z"), 37029, 40615));
        assertThat(SentinelLog.merge(List.of(List.of(), List.of()))).isEmpty();
    }
}
