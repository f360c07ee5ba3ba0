package dev.haven.testkit;

import dev.haven.testkit.internal.TopologyExtension;

/**
 * Resolves {@link PostgresCluster} parameters for classes annotated with {@link HavenPostgres}; the cluster is
 * closed when its class (perClass) or test method ends, pass or fail (see {@link TopologyExtension}).
 */
public final class PostgresClusterExtension extends TopologyExtension<PostgresCluster, HavenPostgres> {

    public PostgresClusterExtension() {
        super(PostgresCluster.class, HavenPostgres.class, "cluster");
    }

    @Override
    protected PostgresCluster start(HavenPostgres config) {
        return PostgresCluster.builder()
                .replicas(config.replicas())
                .synchronousStandbys(config.synchronousStandbys())
                .start();
    }

    @Override
    protected boolean perClass(HavenPostgres config) {
        return config.perClass();
    }
}
