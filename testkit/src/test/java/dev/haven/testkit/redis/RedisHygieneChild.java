package dev.haven.testkit.redis;

/**
 * Run in a separate JVM by {@link RedisProcessHygieneIT}: starts a topology, reports its pids and run dir on stdout,
 * then exits without closing it ("exit": the shutdown hook must clean up) or waits to be killed ("wait").
 */
public final class RedisHygieneChild {

    private RedisHygieneChild() {
    }

    public static void main(String[] args) throws InterruptedException {
        RedisTopology redis = RedisTopology.start(1);
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
