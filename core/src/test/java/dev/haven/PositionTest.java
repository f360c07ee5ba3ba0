package dev.haven;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PositionTest {

    private static final String A = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
    private static final String B = "5a0e53b0-5b2c-11ee-8c99-0242ac120002";

    @Test
    void offsetsCompareAsCountersAndNeverCoverAnotherKind() {
        Position p100 = Position.offset(100);
        assertThat(p100.covers(Position.offset(100))).isTrue();
        assertThat(p100.covers(Position.offset(99))).isTrue();
        assertThat(p100.covers(Position.offset(101))).isFalse();
        assertThat(p100.covers(Position.mariaDbGtid(""))).isFalse();
        assertThat(p100.join(Position.offset(7))).isEqualTo(p100);
        assertThat(Position.offset(7).join(p100)).isEqualTo(p100);
        assertThat(Position.UNREACHABLE.join(p100)).isEqualTo(Position.UNREACHABLE);
        assertThat(p100.join(Position.mariaDbGtid("0-1-5"))).isEqualTo(Position.UNREACHABLE);
        assertThat(Position.offset(Long.MAX_VALUE - 1).covers(Position.UNREACHABLE)).isFalse();
    }

    @Test
    void mariaDbPositionsCoverDomainByDomain() {
        Position writer = Position.mariaDbGtid("0-1-120,1-2-7");
        assertThat(writer.covers(Position.mariaDbGtid("0-1-120"))).isTrue();
        assertThat(writer.covers(Position.mariaDbGtid("0-3-100,1-2-7"))).as("another server, lower seq, same domain")
                .isTrue();
        assertThat(writer.covers(Position.mariaDbGtid("0-1-121"))).isFalse();
        assertThat(writer.covers(Position.mariaDbGtid("2-1-1"))).as("a domain it has never seen").isFalse();
        assertThat(writer.covers(Position.mariaDbGtid(""))).isTrue();
        assertThat(Position.mariaDbGtid("0-1-5").join(Position.mariaDbGtid("0-2-9,1-1-3")))
                .isEqualTo(Position.mariaDbGtid("0-2-9,1-1-3"));
        assertThat(Position.mariaDbGtid(" 1-2-7 , 0-1-120 ")).isEqualTo(writer);
        assertThat(Position.mariaDbGtid("0-1-18446744073709551615").covers(Position.mariaDbGtid("0-1-9223372036854775808")))
                .as("sequence numbers are unsigned 64-bit").isTrue();
        assertThat(((Position.MariaDbGtid) writer).sequence(1)).isEqualTo(7);
        assertThat(((Position.MariaDbGtid) writer).sequence(5)).isEqualTo(-1);
    }

    @Test
    void mySqlSetsCoverBySetInclusionSoAGapIsNeverCovered() {
        Position written = Position.mySqlGtidSet(A + ":1-57");
        assertThat(Position.mySqlGtidSet(A + ":1-50:52-60").covers(written)).isFalse();
        assertThat(Position.mySqlGtidSet(A + ":1-60").covers(written)).isTrue();
        assertThat(Position.mySqlGtidSet(A + ":1-60").covers(Position.mySqlGtidSet(A + ":3-4:9"))).isTrue();
        assertThat(Position.mySqlGtidSet(B + ":1-60").covers(written)).isFalse();
        assertThat(Position.mySqlGtidSet(A.toUpperCase() + ":1-57,\n" + B + ":1-3").covers(written)).isTrue();
        assertThat(Position.mySqlGtidSet(A + ":1-3:4-6:8").toString()).isEqualTo(A + ":1-6:8");
        assertThat(Position.mySqlGtidSet(A + ":1-3").join(Position.mySqlGtidSet(A + ":4-9," + B + ":2")))
                .isEqualTo(Position.mySqlGtidSet(A + ":1-9," + B + ":2"));
        Position tagged = Position.mySqlGtidSet(A + ":1-5:audit:1-2");
        assertThat(tagged.covers(Position.mySqlGtidSet(A + ":audit:2"))).isTrue();
        assertThat(tagged.covers(Position.mySqlGtidSet(A + ":audit:3"))).isFalse();
        assertThat(((Position.MySqlGtidSet) tagged).size()).isEqualTo(7);
        assertThat(Position.mySqlGtidSet("").covers(Position.mySqlGtidSet(" "))).isTrue();
    }

    @Test
    void mySqlCoverageAgreesWithPlainSetsOn20000RandomPairs() {
        Random r = new Random(17);
        int covered = 0;
        for (int round = 0; round < 20_000; round++) {
            Set<Long> a = new HashSet<>();
            Set<Long> b = new HashSet<>();
            String sa = randomSet(r, a);
            String sb = randomSet(r, b);
            boolean expected = a.containsAll(b);
            covered += expected ? 1 : 0;
            assertThat(Position.mySqlGtidSet(sa).covers(Position.mySqlGtidSet(sb))).as(sa + " covers " + sb)
                    .isEqualTo(expected);
            Set<Long> union = new HashSet<>(a);
            union.addAll(b);
            Position joined = Position.mySqlGtidSet(sa).join(Position.mySqlGtidSet(sb));
            assertThat(((Position.MySqlGtidSet) joined).size()).isEqualTo(union.size());
            assertThat(joined.covers(Position.mySqlGtidSet(sa)) && joined.covers(Position.mySqlGtidSet(sb))).isTrue();
        }
        assertThat(covered).as("both outcomes exercised").isBetween(1_000, 19_000);
    }

    private static String randomSet(Random r, Set<Long> out) {
        StringBuilder s = new StringBuilder();
        int n = r.nextInt(4);
        for (int i = 0; i < n; i++) {
            long start = 1 + r.nextInt(30);
            long end = start + r.nextInt(6);
            s.append(s.length() == 0 ? A : "").append(':').append(start).append('-').append(end);
            for (long k = start; k <= end; k++) {
                out.add(k);
            }
        }
        return s.toString();
    }

    @Test
    void everyKindSurvivesItsEncoding() {
        for (Position p : new Position[] {Position.offset(0), Position.offset(-1), Position.UNREACHABLE,
                Position.mariaDbGtid("0-1-120,1-2-7"), Position.mariaDbGtid(""),
                Position.mySqlGtidSet(A + ":1-57:60," + B + ":tag_1:3-4"), Position.mySqlGtidSet("")}) {
            assertThat(Position.parse(p.encode())).as(p.encode()).isEqualTo(p);
        }
        assertThat(Position.offset(255).encode()).isEqualTo("ff");
        assertThat(Position.mariaDbGtid("0-1-120").encode()).isEqualTo("g0-1-120");
    }

    @Test
    void textThatIsNotAPositionIsRefusedNamingTheRuleAndTheValue() {
        assertThatThrownBy(() -> Position.parse("xyz")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a position must be 1 to 16 lowercase hex digits, or 'g'/'u' then GTIDs: was 'xyz'");
        assertThatThrownBy(() -> Position.parse("")).hasMessageContaining("was ''");
        assertThatThrownBy(() -> Position.parse("12345678901234567")).hasMessageContaining("16 lowercase hex");
        for (String bad : new String[] {"0-1", "0-1-2-3", "a-1-2", "0-1-2,0-2-3", "4294967296-1-2", "0-1-", "-1-1-1",
                "0-1-99999999999999999999"}) {
            assertThatThrownBy(() -> Position.mariaDbGtid(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("MariaDB GTID position must");
        }
        for (String bad : new String[] {A, A + ":", A + ":0", A + ":5-3", "nope:1-2", A + ":1-2-3", A + ":tag",
                A + ":1-2:t1:t2:3", A + ":1--2", A + ":99999999999999999999"}) {
            assertThatThrownBy(() -> Position.mySqlGtidSet(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("MySQL GTID set must");
        }
    }
}
