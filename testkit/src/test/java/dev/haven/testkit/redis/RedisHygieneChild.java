package dev.haven.testkit.redis;

import dev.haven.testkit.ChildJvm;

/**
 * Run in a separate JVM by {@link RedisProcessHygieneIT}: starts a topology, reports its pids and run dir on stdout,
 * then exits without closing it ("exit": the shutdown hook must clean up) or waits to be killed ("wait"); a second
 * argument "gds" starts a two-region Global Datastore topology instead.
 */
public final class RedisHygieneChild {

    private RedisHygieneChild() {
    }

    public static void main(String[] args) throws InterruptedException {
        RedisTopology redis = args.length > 1 && "gds".equals(args[1])
                ? RedisTopology.builder().replicas(1).globalDatastore("r1", "r2").start()
                : RedisTopology.start(1);
        ChildJvm.reportAndFinish(redis.pids(), redis.workDir(), args[0]);
    }
}
