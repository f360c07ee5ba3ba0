package dev.haven.testkit.mariadb;

import dev.haven.testkit.ChildJvm;

/**
 * Run in a separate JVM by {@link MariaDbHygieneIT}: starts a primary and a replica, reports their pids and work dir,
 * then exits without closing the cluster or waits to be killed ({@link ChildJvm#reportAndFinish}).
 */
public final class MariaDbHygieneChild {

    private MariaDbHygieneChild() {
    }

    public static void main(String[] args) throws InterruptedException {
        MariaDbCluster cluster = MariaDbCluster.start(1);
        ChildJvm.reportAndFinish(cluster.pids(), cluster.workDir(), args[0]);
    }
}
