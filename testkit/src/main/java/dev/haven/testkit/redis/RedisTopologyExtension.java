package dev.haven.testkit.redis;

import dev.haven.testkit.internal.TopologyExtension;

/**
 * Resolves {@link RedisTopology} parameters for classes annotated with {@link HavenRedis}; the topology is closed
 * when its class (perClass) or test method ends, pass or fail (see {@link TopologyExtension}).
 */
public final class RedisTopologyExtension extends TopologyExtension<RedisTopology, HavenRedis> {

    public RedisTopologyExtension() {
        super(RedisTopology.class, HavenRedis.class, "topology");
    }

    @Override
    protected RedisTopology start(HavenRedis config) {
        RedisTopology.Builder b = RedisTopology.builder().replicas(config.replicas()).elastiCacheMode(config.elastiCacheMode());
        String[] regions = config.regions();
        if (regions.length > 0) {
            b.globalDatastore(regions[0], java.util.Arrays.copyOfRange(regions, 1, regions.length));
        } else if (!config.elastiCacheMode()) {
            b.sentinels(config.sentinels());
        }
        if (!config.password().isEmpty()) {
            b.password(config.password());
        }
        if (config.tls()) {
            b.tls();
        }
        return b.start();
    }

    @Override
    protected boolean perClass(HavenRedis config) {
        return config.perClass();
    }
}
