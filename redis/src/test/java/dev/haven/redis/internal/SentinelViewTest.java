package dev.haven.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisConnectionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * {@link SentinelView} over scripted Sentinels: which master it reports when the Sentinels disagree during a failover
 * (one has the new configuration, the others learn it late) and the one in use stops answering.
 */
class SentinelViewTest {

    /** Per Sentinel: its answer, or null when it cannot be reached. */
    private final List<SentinelView.Master> answers = new ArrayList<>(List.of(names("10.0.0.1", 1), names("10.0.0.1", 1),
            names("10.0.0.1", 1)));
    private final List<Integer> asked = new ArrayList<>();
    private final SentinelView view = new SentinelView(new SentinelView.Fetcher() {
        @Override
        public SentinelView.Master fetch(int sentinel, long nowNanos) {
            asked.add(sentinel);
            SentinelView.Master m = answers.get(sentinel);
            if (m == null) {
                throw new RedisConnectionException("Unable to connect to Sentinel " + sentinel);
            }
            return new SentinelView.Master(m.host(), m.port(), m.configEpoch(), m.replicas(), nowNanos);
        }

        @Override
        public void drop(int sentinel) {
        }

        @Override
        public List<CompletableFuture<Void>> closeConnections() {
            return List.of();
        }
    }, 3, "mymaster", Duration.ofMillis(50));

    static SentinelView.Master names(String host, long epoch) {
        return new SentinelView.Master(host, 6379, epoch, List.of(), 0);
    }

    static long ms(long n) {
        return n * 1_000_000;
    }

    @Test
    void aSentinelThatHasNotLearnedTheFailoverYetDoesNotTakeTheViewBackToTheOldPrimary() throws Exception {
        // Sentinel 0 (in use) led the failover to 10.0.0.2 (config epoch 2); 1 and 2 still name 10.0.0.1 (epoch 1).
        answers.set(0, names("10.0.0.2", 2));
        assertThat(view.master(ms(0)).host()).isEqualTo("10.0.0.2");
        answers.set(0, null); // Sentinel 0 stops answering
        SentinelView.Master m = view.master(ms(100));
        assertThat(m.host()).as("the newest configuration seen, not a late Sentinel's").isEqualTo("10.0.0.2");
        assertThat(m.configEpoch()).isEqualTo(2);
        answers.set(2, names("10.0.0.2", 2)); // Sentinel 2 learns it: the view follows the Sentinels again
        assertThat(view.master(ms(200)).host()).isEqualTo("10.0.0.2");
        answers.set(1, names("10.0.0.2", 2));
        answers.set(2, names("10.0.0.3", 3)); // and the next failover
        assertThat(view.master(ms(300)).host()).isIn("10.0.0.2", "10.0.0.3");
        assertThat(view.master(ms(400)).configEpoch()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void whenEverySentinelAgreesOnAnOlderConfigurationTheViewFollowsThem() throws Exception {
        // Sentinels redeployed from scratch (their config epochs start again): all of them answer, all agree.
        answers.set(0, names("10.0.0.2", 5));
        assertThat(view.master(ms(0)).host()).isEqualTo("10.0.0.2");
        for (int i = 0; i < 3; i++) {
            answers.set(i, names("10.0.0.7", 0));
        }
        assertThat(view.master(ms(100)).host()).isEqualTo("10.0.0.7");
        assertThat(view.master(ms(200)).host()).isEqualTo("10.0.0.7");
    }

    @Test
    void afterSwitchMasterTheNextRefreshAsksTheSentinelThatAnnouncedIt() throws Exception {
        assertThat(view.master(ms(0)).host()).isEqualTo("10.0.0.1");
        // Sentinel 2 switched to 10.0.0.2 and published +switch-master; 0, in use, has not learned of it yet.
        answers.set(2, names("10.0.0.2", 2));
        view.switched(2);
        asked.clear();
        assertThat(view.master(ms(10)).host()).isEqualTo("10.0.0.2");
        assertThat(view.master(ms(100)).host()).as("and keeps asking it").isEqualTo("10.0.0.2");
        assertThat(asked).containsExactly(2, 2);
        // A late Sentinel announcing an older switch does not take the view back.
        answers.set(1, names("10.0.0.3", 1));
        view.switched(1);
        assertThat(view.master(ms(200)).host()).isEqualTo("10.0.0.2");
    }

    @Test
    void oneSentinelIsAskedPerRefreshWhileItsAnswersAreCurrent() throws Exception {
        for (int i = 0; i < 10; i++) {
            view.master(ms(100 * i));
        }
        assertThat(asked).hasSize(10).containsOnly(0);
    }
}
