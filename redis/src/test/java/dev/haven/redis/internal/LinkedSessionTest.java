package dev.haven.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.HavenSession;
import dev.haven.Position;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A Redis connection's session linked to a {@link HavenSession}: lazy marks, epochs, marks carried by a token. */
class LinkedSessionTest {

    private final AtomicInteger infos = new AtomicInteger();
    private final AtomicLong offset = new AtomicLong(1_000);
    private final AtomicLong epoch = new AtomicLong(4);

    private Session linked(HavenSession haven) {
        return new Session(haven, "cache", via -> {
            infos.incrementAndGet();
            return offset.get();
        }, epoch::get);
    }

    @Test
    void writesCostNothingUntilTheMarkIsNeededThenOneInfoForTheBurst() {
        HavenSession haven = HavenSession.create();
        Session s = linked(haven);
        for (int i = 0; i < 100; i++) {
            s.onWrite(null);
        }
        assertThat(infos).hasValue(0);
        assertThat(haven.token()).isEqualTo("hs1;cache@4:3e8");
        assertThat(infos).hasValue(1);
        assertThat(s.readPosition(via -> { throw new AssertionError("resolved already"); })).isEqualTo(1_000);
        assertThat(infos).hasValue(1);
    }

    @Test
    void aReadFollowsTheSessionsMarkFromATokenAndOnlyThePrimaryServesAnotherEpochs() {
        HavenSession carried = HavenSession.fromToken("hs1;cache@4:7d0"); // 2000, written by another instance
        Session s = linked(carried);
        assertThat(s.readPosition(via -> 0)).isEqualTo(2_000); // no write here, the token's mark counts
        epoch.set(5); // a failover since: offsets of two primaries are not compared
        assertThat(s.readPosition(via -> 0)).isEqualTo(Long.MAX_VALUE);
        offset.set(300);
        s.onWrite(null); // a write on the new primary moves the mark to its epoch
        assertThat(s.readPosition(via -> 0)).isEqualTo(300);
        assertThat(carried.token()).isEqualTo("hs1;cache@5:12c");
    }

    @Test
    void aMarkThatCannotBeAskedSendsTheSessionsReadsToThePrimary() {
        HavenSession haven = HavenSession.create();
        Session s = new Session(haven, "cache", via -> Long.MAX_VALUE, epoch::get); // INFO failed: primary gone
        s.onWrite(null);
        assertThat(s.readPosition(via -> Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
        assertThat(haven.mark("cache")).contains(new HavenSession.Mark(4, Position.UNREACHABLE));
    }

    @Test
    void anUnlinkedSessionKeepsItsOwnOffset() {
        Session s = new Session();
        assertThat(s.readPosition(via -> 5)).isEqualTo(Long.MIN_VALUE); // no write: any node
        s.onWrite(null);
        assertThat(s.readPosition(via -> 5)).isEqualTo(5);
    }

    @Test
    void anAsyncReadAsksTheSessionsOtherPendingWritesOnTheExecutorNotOnTheThreadThatCompletedItsInfo() throws Exception {
        HavenSession haven = HavenSession.create();
        Session s = linked(haven);
        s.onWrite(null);
        java.util.concurrent.atomic.AtomicReference<String> askedOn = new java.util.concurrent.atomic.AtomicReference<>();
        haven.recordPendingWrite("cache", () -> { // another connection's write: resolving it blocks (a sync INFO)
            askedOn.set(Thread.currentThread().getName());
            return new HavenSession.Mark(4, Position.offset(1_500));
        });
        java.util.concurrent.ExecutorService computation = java.util.concurrent.Executors.newSingleThreadExecutor(
                r -> new Thread(r, "computation"));
        try {
            java.util.concurrent.CompletableFuture<Long> info = new java.util.concurrent.CompletableFuture<>();
            var position = s.readPositionAsync(via -> info, computation).toCompletableFuture();
            Thread io = new Thread(() -> info.complete(1_000L), "event-loop");
            io.start();
            io.join(5_000);
            assertThat(position.get(5, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(1_500); // the later mark
            assertThat(askedOn).hasValue("computation");
        } finally {
            computation.shutdownNow();
        }
    }
}
