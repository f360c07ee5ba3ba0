package dev.haven.testkit.redis;

/**
 * A topology operation failed: a server did not start (the message carries the tail of its log), an admin command
 * failed, or a bounded wait expired (the message names what was waited for and the values last seen).
 */
public class RedisTopologyException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public RedisTopologyException(String message) {
        super(message);
    }

    public RedisTopologyException(String message, Throwable cause) {
        super(message, cause);
    }
}
