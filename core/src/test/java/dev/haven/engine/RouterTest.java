package dev.haven.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.Consistency;
import dev.haven.Endpoint;
import dev.haven.Position;
import dev.haven.Role;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RouterTest {

    private static final long MS = 1_000_000L;
    private static final long NOW = 100_000 * MS;

    /** A session position for the router: {@code Long.MIN_VALUE} for none. */
    static Position at(long position) {
        return position == Long.MIN_VALUE ? null : Position.offset(position);
    }

    record C(Endpoint endpoint, boolean available, long freshAsOfNanos, long pos, double latencyNanos,
            int inFlight, boolean saturated) implements RouteCandidate {
        @Override
        public Position position() {
            return at(pos);
        }

        C withPosition(long p) {
            return new C(endpoint, available, freshAsOfNanos, p, latencyNanos, inFlight, saturated);
        }

        C down() {
            return new C(endpoint, false, freshAsOfNanos, pos, latencyNanos, inFlight, saturated);
        }

        C saturate() {
            return new C(endpoint, available, freshAsOfNanos, pos, latencyNanos, inFlight, true);
        }
    }

    static C writer() {
        return new C(Endpoint.of("w", 1).withRole(Role.WRITER).withLocation("r1", "a"), true, NOW, 1000, MS, 0, false);
    }

    static C reader(String name, String zone, long stalenessMs, double latencyMs) {
        return new C(Endpoint.of(name, 1).withRole(Role.READER).withLocation("r1", zone), true,
                NOW - stalenessMs * MS, 1000 - stalenessMs, latencyMs * MS, 0, false);
    }

    private final Router router = new Router("r1", "a");
    private final Consistency oneSecond = Consistency.boundedStaleness(Duration.ofSeconds(1));

    private List<String> read(List<C> cs, Consistency c, long session, boolean fallback) {
        List<String> ids = new ArrayList<>();
        for (Endpoint e : router.forRead(cs, c, at(session), fallback, NOW, 0.3, null)) {
            ids.add(e.host());
        }
        return ids;
    }

    @Test
    void strongReadsAndWritesGoToTheWriterOnly() {
        List<C> cs = List.of(writer(), reader("r", "a", 0, 1));
        assertThat(read(cs, Consistency.STRONG, Long.MIN_VALUE, false)).containsExactly("w");
        assertThat(router.forWrite(cs).host()).isEqualTo("w");
    }

    @Test
    void replicaBeyondTheLagBoundGetsNoReadsAndIsReported() {
        List<C> cs = List.of(writer(), reader("fresh", "a", 200, 1), reader("stale", "a", 1500, 1));
        List<Router.Skip> skips = new ArrayList<>();
        List<Endpoint> out = router.forRead(cs, oneSecond, null, true, NOW, 0.5, skips::add);
        assertThat(out).extracting(Endpoint::host).containsExactly("fresh", "w");
        assertThat(skips).singleElement().satisfies(s -> {
            assertThat(s.endpoint().host()).isEqualTo("stale");
            assertThat(s.stalenessNanos()).isEqualTo(1500 * MS);
        });
    }

    @Test
    void unknownFreshnessNeverSatisfiesABound() {
        C unknown = new C(Endpoint.of("u", 1).withRole(Role.READER), true, LagTracker.UNKNOWN, Long.MIN_VALUE, MS, 0, false);
        assertThat(read(List.of(writer(), unknown), oneSecond, Long.MIN_VALUE, true)).containsExactly("w");
        assertThat(read(List.of(writer(), unknown), Consistency.EVENTUAL, Long.MIN_VALUE, true)).containsExactly("u", "w");
    }

    @Test
    void noQualifyingReaderFallsBackToWriterOrNothing() {
        List<C> cs = List.of(writer(), reader("stale", "a", 5000, 1));
        assertThat(read(cs, oneSecond, Long.MIN_VALUE, true)).containsExactly("w");
        assertThat(read(cs, oneSecond, Long.MIN_VALUE, false)).isEmpty();
    }

    @Test
    void sessionReadsGoOnlyWhereTheSessionsLastWriteHasArrived() {
        List<C> cs = List.of(writer(), reader("behind", "a", 0, 1).withPosition(990), reader("caught", "b", 0, 1).withPosition(1000));
        assertThat(read(cs, Consistency.SESSION, 1000, true)).containsExactly("caught", "w");
        assertThat(read(cs, Consistency.SESSION, Long.MIN_VALUE, true)).hasSize(3);
    }

    @Test
    void localZoneIsPreferredAndOtherZonesAreSpillOver() {
        List<C> cs = List.of(writer(), reader("remote", "b", 0, 0.2), reader("local", "a", 0, 2.0));
        assertThat(read(cs, oneSecond, Long.MIN_VALUE, true)).containsExactly("local", "remote", "w");
        // Local one down or lagging: spill over to the other zone.
        List<C> localDown = List.of(writer(), reader("remote", "b", 0, 0.2), reader("local", "a", 0, 2.0).down());
        assertThat(read(localDown, oneSecond, Long.MIN_VALUE, true)).containsExactly("remote", "w");
        List<C> localSaturated = List.of(writer(), reader("remote", "b", 0, 0.2), reader("local", "a", 0, 2.0).saturate());
        assertThat(read(localSaturated, oneSecond, Long.MIN_VALUE, true)).containsExactly("remote", "local", "w");
    }

    @Test
    void loadSpreadsAcrossEqualReplicasAndFavoursTheFasterOne() {
        List<C> equal = List.of(writer(), reader("x", "a", 0, 1), reader("y", "a", 0, 1), reader("z", "a", 0, 1));
        Map<String, Integer> firsts = firstChoices(equal);
        assertThat(firsts.keySet()).containsExactlyInAnyOrder("x", "y", "z");
        assertThat(firsts.values()).allSatisfy(n -> assertThat(n).isBetween(2000, 4700));

        // Two replicas whose measured latencies differ by EWMA noise share sequential traffic too.
        List<C> noisy = List.of(writer(), reader("p", "a", 0, 1.00), reader("q", "a", 0, 1.07));
        Map<String, Integer> n = firstChoices(noisy);
        assertThat(n.get("p")).isBetween(4000, 6000);
        assertThat(n.get("q")).isBetween(4000, 6000);

        // Sub-millisecond differences on a LAN are jitter, not a preference.
        Map<String, Integer> lan = firstChoices(List.of(writer(), reader("u", "a", 0, 0.2), reader("v", "a", 0, 0.6)));
        assertThat(lan.get("u")).isBetween(4000, 6000);

        List<C> skewed = List.of(writer(), reader("fast", "a", 0, 1), reader("slow", "a", 0, 10));
        Map<String, Integer> s = firstChoices(skewed);
        assertThat(s.getOrDefault("fast", 0)).isGreaterThan(9000);
    }

    private Map<String, Integer> firstChoices(List<C> cs) {
        Random rnd = new Random(42);
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 10_000; i++) {
            String first = router.forRead(cs, Consistency.EVENTUAL, null, true, NOW, rnd.nextDouble(), null).get(0).host();
            counts.merge(first, 1, Integer::sum);
        }
        return counts;
    }

    @Test
    void writerUnavailableMeansNoWriteTarget() {
        assertThat(router.forWrite(List.of(writer().down(), reader("r", "a", 0, 1)))).isNull();
    }

    @Test
    void firstForReadAgreesWithTheHeadOfForReadInEveryState() {
        Random rnd = new Random(7);
        String[] zones = {"a", "b", "c"};
        Consistency[] cs = {Consistency.STRONG, Consistency.EVENTUAL, Consistency.SESSION, oneSecond,
                Consistency.boundedStaleness(Duration.ofMillis(300))};
        for (int round = 0; round < 20_000; round++) {
            List<C> cands = new ArrayList<>();
            C w = writer();
            cands.add(rnd.nextInt(5) == 0 ? w.down() : w);
            int n = rnd.nextInt(6);
            for (int k = 0; k < n; k++) {
                C r = reader("r" + k, zones[rnd.nextInt(3)], rnd.nextInt(2000), 0.1 + rnd.nextDouble() * 5)
                        .withPosition(990 + rnd.nextInt(20));
                if (rnd.nextInt(4) == 0) {
                    r = r.down();
                }
                if (rnd.nextInt(6) == 0) {
                    r = r.saturate();
                }
                cands.add(rnd.nextInt(cands.size() + 1) == 0 ? r : r); // order as generated
            }
            java.util.Collections.shuffle(cands, rnd);
            Consistency c = cs[rnd.nextInt(cs.length)];
            long session = rnd.nextBoolean() ? Long.MIN_VALUE : 1000;
            boolean fallback = rnd.nextBoolean();
            double r = rnd.nextDouble();
            List<Endpoint> all = router.forRead(cands, c, at(session), fallback, NOW, r, null);
            Endpoint first = router.firstForRead(cands, c, at(session), fallback, NOW, r, null);
            assertThat(first).as("round %d, %s, %s", round, c, cands).isEqualTo(all.isEmpty() ? null : all.get(0));
        }
    }
}
