package dev.haven;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class HavenSessionTest {

    private static HavenSession.Mark mark(long epoch, long position) {
        return new HavenSession.Mark(epoch, Position.offset(position));
    }

    @Test
    void aTokenCarriesEveryClustersMarkAndComesBackEqual() {
        HavenSession s = HavenSession.create();
        assertThat(s.token()).isEqualTo("hs1");
        s.recordWrite("orders", mark(3, 0x16B3A48L));
        s.recordWrite("cache-eu", mark(0, 123_456L));
        assertThat(s.token()).isEqualTo("hs1;cache-eu@0:1e240;orders@3:16b3a48");
        HavenSession back = HavenSession.fromToken(s.token());
        assertThat(back.mark("orders")).contains(mark(3, 0x16B3A48L));
        assertThat(back.mark("cache-eu")).contains(mark(0, 123_456L));
        assertThat(back.mark("other")).isEmpty();
        assertThat(back.token()).isEqualTo(s.token());
        assertThat(HavenSession.fromToken(null).token()).isEqualTo("hs1");
        assertThat(HavenSession.fromToken("  ").token()).isEqualTo("hs1");
    }

    @Test
    void extremeValuesSurviveTheToken() {
        HavenSession s = HavenSession.create();
        s.recordWrite("a", mark(Long.MIN_VALUE, -1));
        s.recordWrite("b", mark(Long.MAX_VALUE, Long.MIN_VALUE));
        HavenSession back = HavenSession.fromToken(s.token());
        assertThat(back.mark("a")).contains(mark(Long.MIN_VALUE, -1));
        assertThat(back.mark("b")).contains(mark(Long.MAX_VALUE, Long.MIN_VALUE));
    }

    @Test
    void aMarkOnlyMovesForwardAndANewEpochWinsOverAHigherPosition() {
        HavenSession s = HavenSession.create();
        s.recordWrite("orders", mark(1, 500));
        s.recordWrite("orders", mark(1, 400)); // a write that completed later on another thread
        assertThat(s.mark("orders")).contains(mark(1, 500));
        s.recordWrite("orders", mark(2, 100)); // after a failover: timeline 2
        assertThat(s.mark("orders")).contains(mark(2, 100));
        s.recordWrite("orders", mark(1, 900));
        assertThat(s.mark("orders")).contains(mark(2, 100));
    }

    @Test
    void aPendingWriteIsAskedOnceWhenItsMarkIsNeededAndAgainOnlyAfterAnotherWrite() {
        HavenSession s = HavenSession.create();
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicLong offset = new java.util.concurrent.atomic.AtomicLong(100);
        java.util.function.Supplier<HavenSession.Mark> redis = () -> {
            asked.incrementAndGet();
            return mark(7, offset.get());
        };
        s.recordPendingWrite("cache", redis);
        s.recordPendingWrite("cache", redis); // a burst of writes: one question
        assertThat(s.toString()).isEqualTo("HavenSession{hs1, 1 pending}"); // toString asks nothing
        assertThat(asked).hasValue(0);
        assertThat(s.mark("orders")).isEmpty(); // another cluster's mark asks nothing either
        assertThat(asked).hasValue(0);
        assertThat(s.mark("cache")).contains(mark(7, 100));
        assertThat(s.token()).isEqualTo("hs1;cache@7:64");
        assertThat(asked).hasValue(1);
        offset.set(250);
        s.recordPendingWrite("cache", redis);
        assertThat(s.token()).isEqualTo("hs1;cache@7:fa");
        assertThat(asked).hasValue(2);
    }

    @Test
    void concurrentWritersLeaveTheHighestMark() throws Exception {
        HavenSession s = HavenSession.create();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            int seed = t;
            Thread th = new Thread(() -> {
                Random r = new Random(seed);
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 20_000; i++) {
                    s.recordWrite("orders", mark(r.nextInt(3), r.nextInt(1_000_000)));
                }
            });
            th.start();
            threads.add(th);
        }
        go.countDown();
        for (Thread th : threads) {
            th.join(30_000);
        }
        HavenSession.Mark m = s.mark("orders").orElseThrow();
        assertThat(m.epoch()).isEqualTo(2);
        assertThat(((Position.Offset) m.position()).value()).isGreaterThan(990_000); // the highest of 53,000 random positions of epoch 2
    }

    @Test
    void aTokenThatIsNotOneIsRefusedNamingTheRuleAndTheValue() {
        assertThatThrownBy(() -> HavenSession.fromToken("hs2;orders@1:2"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("haven session token must start with 'hs1' (a token of another version or not a Haven session"
                        + " token): was 'hs2;orders@1:2'");
        assertThatThrownBy(() -> HavenSession.fromToken("hs1;orders@1")).hasMessageContaining("'orders@1' is not")
                .hasMessageContaining("was 'hs1;orders@1'");
        assertThatThrownBy(() -> HavenSession.fromToken("hs1;orders@1:2;orders@1:3")).hasMessageContaining("'orders' twice");
        assertThatThrownBy(() -> HavenSession.fromToken("hs1;or ders@1:2")).hasMessageContaining("is not");
        assertThatThrownBy(() -> HavenSession.fromToken("hs1;orders@12345678901234567:2")).hasMessageContaining("is not");
        assertThatThrownBy(() -> HavenSession.fromToken("hs1;" + "x".repeat(5000)))
                .hasMessageContaining("at most 4096 characters").hasMessageContaining("...'");
    }

    @Test
    void randomTokensEitherParseToWhatTheySayOrAreRefusedCleanly() {
        Random r = new Random(20261130);
        String alphabet = "hs1;@:abcdef0123456789-_.xyzXYZ ;;@@::";
        int parsed = 0;
        for (int i = 0; i < 20_000; i++) {
            StringBuilder b = new StringBuilder(r.nextBoolean() ? "hs1;" : "");
            for (int k = r.nextInt(30); k > 0; k--) {
                b.append(alphabet.charAt(r.nextInt(alphabet.length())));
            }
            String token = b.toString();
            try {
                HavenSession s = HavenSession.fromToken(token);
                parsed++;
                assertThat(HavenSession.fromToken(s.token()).token()).isEqualTo(s.token());
            } catch (IllegalArgumentException e) {
                assertThat(e.getMessage()).startsWith("haven session token ").contains("was '");
            }
        }
        assertThat(parsed).isPositive();
    }

    @Test
    void gtidMarksTravelInTheTokenAndJoinWhenWritesOfOneEpochCompleteOutOfOrder() {
        String uuid = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
        HavenSession s = HavenSession.create();
        s.recordWrite("mysql", new HavenSession.Mark(0, Position.mySqlGtidSet(uuid + ":1-5")));
        s.recordWrite("mysql", new HavenSession.Mark(0, Position.mySqlGtidSet(uuid + ":7"))); // 6 is another thread's
        s.recordWrite("maria", new HavenSession.Mark(0, Position.mariaDbGtid("0-1-40")));
        assertThat(s.token()).isEqualTo("hs1;maria@0:g0-1-40;mysql@0:u" + uuid + ":1-5:7");
        HavenSession back = HavenSession.fromToken(s.token());
        assertThat(back.mark("mysql").orElseThrow().position()).isEqualTo(Position.mySqlGtidSet(uuid + ":1-5:7"));
        assertThat(back.mark("maria").orElseThrow().position()).isEqualTo(Position.mariaDbGtid("0-1-40"));
        s.recordWrite("maria", new HavenSession.Mark(0, Position.UNREACHABLE)); // a write whose position was lost
        s.recordWrite("maria", new HavenSession.Mark(0, Position.mariaDbGtid("0-1-41")));
        assertThat(s.mark("maria").orElseThrow().position()).isEqualTo(Position.UNREACHABLE);
        assertThatThrownBy(() -> HavenSession.fromToken("hs1;mysql@0:unot-a-set")).hasMessageContaining("MySQL GTID set must");
    }
}
