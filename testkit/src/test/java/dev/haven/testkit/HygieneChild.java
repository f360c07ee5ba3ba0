package dev.haven.testkit;

/**
 * Run in a separate JVM by {@link ProcessHygieneIT}: starts a cluster, reports its pids and work dir, then exits
 * without closing it or waits to be killed ({@link ChildJvm#reportAndFinish}).
 */
public final class HygieneChild {

    private HygieneChild() {
    }

    public static void main(String[] args) throws InterruptedException {
        PostgresCluster cluster = PostgresCluster.start(1);
        ChildJvm.reportAndFinish(cluster.pids(), cluster.workDir(), args[0]);
    }
}
