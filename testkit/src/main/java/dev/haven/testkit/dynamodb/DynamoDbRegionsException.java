package dev.haven.testkit.dynamodb;

/**
 * A {@link DynamoDbRegions} operation failed: a DynamoDB Local server did not start (the message carries the tail of
 * its log), a table could not be created, or a bounded wait such as {@link DynamoDbRegions#awaitReplicated} expired
 * (the message says which replication links still had changes pending, and why).
 */
public class DynamoDbRegionsException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public DynamoDbRegionsException(String message) {
        super(message);
    }

    public DynamoDbRegionsException(String message, Throwable cause) {
        super(message, cause);
    }
}
