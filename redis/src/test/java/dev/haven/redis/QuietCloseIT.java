package dev.haven.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.testkit.StderrCapture;
import dev.haven.testkit.redis.HavenRedis;
import dev.haven.testkit.redis.RedisTopology;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A client closed after a Sentinel failover closes each Lettuce connection once: Lettuce has nothing to warn about. */
@HavenRedis(replicas = 2)
class QuietCloseIT {

    @Test
    void closeAfterASentinelFailoverLogsNoAlreadyClosedConnection(RedisTopology redis) throws Exception {
        try (StderrCapture err = new StderrCapture()) {
            HavenRedisClient client = ItSupport.ready(ItSupport.sentinelClient(redis).build(), 2);
            FailoverLoad load = new FailoverLoad(client);
            ItSupport.sleep(Duration.ofSeconds(1));
            redis.killPrimaryAndAwaitFailover(Duration.ofSeconds(30));
            ItSupport.sleep(Duration.ofSeconds(2));
            load.stop();
            int before = err.lines().size();

            long t0 = System.nanoTime();
            client.close();
            long tookMs = (System.nanoTime() - t0) / 1_000_000;

            List<String> during = err.linesFrom(before);
            long alreadyClosed = during.stream().filter(l -> l.contains("Connection is already closed")).count();
            List<String> lettuce = StderrCapture.warnings(during, "io.lettuce");
            System.out.printf("close after a Sentinel failover: %d ms, 'Connection is already closed' lines=%d,"
                    + " Lettuce WARN+ lines=%d %s; reads=%d writes=%d%n", tookMs, alreadyClosed, lettuce.size(), lettuce,
                    load.reads.get(), load.writes.get());
            assertThat(alreadyClosed).as("'Connection is already closed' log lines while closing").isZero();
            assertThat(lettuce).as("Lettuce warnings while closing").isEmpty();
        }
    }
}
