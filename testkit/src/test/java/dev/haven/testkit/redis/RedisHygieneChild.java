package dev.haven.testkit.redis;

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
        StringBuilder pids = new StringBuilder();
        for (long pid : redis.pids()) {
            pids.append(pids.length() == 0 ? "" : ",").append(pid);
        }
        System.out.println("PIDS " + pids);
        System.out.println("DIR " + redis.workDir());
        System.out.println("READY");
        System.out.flush();
        if ("exit".equals(args[0])) {
            System.exit(0);
        }
        Thread.sleep(120_000); // killed by the test long before
        System.exit(3);
    }
}
