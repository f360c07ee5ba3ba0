package dev.haven.testkit.mariadb;

/**
 * Run in a separate JVM by {@link MariaDbHygieneIT}: starts a cluster, reports its pids and work dir on stdout, then
 * either exits without closing it ("exit": the shutdown hook must clean up) or waits to be killed ("wait").
 */
public final class MariaDbHygieneChild {

    private MariaDbHygieneChild() {
    }

    public static void main(String[] args) throws InterruptedException {
        MariaDbCluster cluster = MariaDbCluster.start(1);
        StringBuilder pids = new StringBuilder();
        for (long pid : cluster.pids()) {
            pids.append(pids.length() == 0 ? "" : ",").append(pid);
        }
        System.out.println("PIDS " + pids);
        System.out.println("DIR " + cluster.workDir());
        System.out.println("READY");
        System.out.flush();
        if ("exit".equals(args[0])) {
            System.exit(0);
        }
        Thread.sleep(120_000); // killed by the test long before
        System.exit(3);
    }
}
