package dev.haven.testkit.mariadb;

import dev.haven.testkit.internal.TopologyExtension;

/**
 * Resolves {@link MariaDbCluster} parameters for classes annotated with {@link HavenMariaDb}; the cluster is closed
 * when its class (perClass) or test method ends, pass or fail (see {@link TopologyExtension}).
 */
public final class MariaDbClusterExtension extends TopologyExtension<MariaDbCluster, HavenMariaDb> {

    public MariaDbClusterExtension() {
        super(MariaDbCluster.class, HavenMariaDb.class, "cluster");
    }

    @Override
    protected MariaDbCluster start(HavenMariaDb config) {
        MariaDbCluster.Builder b = MariaDbCluster.builder().replicas(config.replicas());
        if (config.semiSync()) {
            b.semiSync();
        }
        return b.start();
    }

    @Override
    protected boolean perClass(HavenMariaDb config) {
        return config.perClass();
    }
}
