package dev.haven.testkit;

/**
 * A bounded wait of the testkit expired, e.g. {@link PostgresCluster#awaitReplicated(java.time.Duration)}; the message
 * names the node that was waited for and the positions (LSNs) involved.
 */
public class ClusterTimeoutException extends PostgresClusterException {

    private static final long serialVersionUID = 1L;

    public ClusterTimeoutException(String message) {
        super(message);
    }
}
