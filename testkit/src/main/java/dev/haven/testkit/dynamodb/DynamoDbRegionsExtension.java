package dev.haven.testkit.dynamodb;

import dev.haven.testkit.dynamodb.internal.Durations;
import dev.haven.testkit.internal.TopologyExtension;

/**
 * Resolves {@link DynamoDbRegions} parameters for classes annotated with {@link HavenDynamoDb}; the regions are
 * closed when their class (perClass) or test method ends, pass or fail (see {@link TopologyExtension}). The
 * annotation is validated when first used, with the builder's messages.
 */
public final class DynamoDbRegionsExtension extends TopologyExtension<DynamoDbRegions, HavenDynamoDb> {

    public DynamoDbRegionsExtension() {
        super(DynamoDbRegions.class, HavenDynamoDb.class, "regions");
    }

    static DynamoDbRegions.Builder builder(HavenDynamoDb config) {
        try {
            return DynamoDbRegions.builder()
                    .regions(config.regions())
                    .replicationDelay(Durations.parse(config.replicationDelay(), "replicationDelay"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("@HavenDynamoDb: " + e.getMessage(), e);
        }
    }

    @Override
    protected DynamoDbRegions start(HavenDynamoDb config) {
        return builder(config).start();
    }

    @Override
    protected boolean perClass(HavenDynamoDb config) {
        return config.perClass();
    }
}
