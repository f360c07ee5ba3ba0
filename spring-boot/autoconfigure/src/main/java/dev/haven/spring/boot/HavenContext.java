package dev.haven.spring.boot;

import dev.haven.Consistency;
import dev.haven.HavenSession;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * What the current thread's work asks of Haven: the request's {@link HavenSession} (set by the session filter,
 * {@code haven.web.session.enabled=true}) and the innermost {@link HavenConsistency}. The auto-configured
 * {@code HavenDataSource} applies both to every connection it hands out; Redis and DynamoDB calls take them from here:
 *
 * <pre>{@code
 * HavenSession session = HavenContext.session().orElseGet(HavenSession::create);
 * try (HavenRedisConnection redis = redisClient.connect(session)) {
 *     redis.reads(HavenContext.consistency().orElse(Consistency.SESSION)).get("order:" + id);
 * }
 * dynamoDbClient.withSession(session).getItem(request);   // DynamoDB: the HavenDynamoDbClient bean
 * }</pre>
 *
 * <p>Thread-bound: work handed to other threads takes the session along explicitly, e.g. with
 * {@link #callInSession}.
 */
public final class HavenContext {

    private record Frame(HavenSession session, Consistency consistency) {
    }

    private static final ThreadLocal<Frame> CURRENT = new ThreadLocal<>();

    private HavenContext() {
    }

    /** The session of the current request (or of {@link #callInSession}), if any. */
    public static Optional<HavenSession> session() {
        Frame f = CURRENT.get();
        return f == null ? Optional.empty() : Optional.ofNullable(f.session);
    }

    /** The consistency of the innermost {@link HavenConsistency} method running on this thread, if any. */
    public static Optional<Consistency> consistency() {
        Frame f = CURRENT.get();
        return f == null ? Optional.empty() : Optional.ofNullable(f.consistency);
    }

    /**
     * Runs {@code work} on this thread in {@code session} (for work outside a web request: a message listener, a
     * scheduled job, a test), the consistency in force kept; the previous session is restored afterwards.
     */
    public static <T> T callInSession(HavenSession session, Callable<T> work) throws Exception {
        Objects.requireNonNull(session, "session");
        Frame previous = CURRENT.get();
        CURRENT.set(new Frame(session, previous == null ? null : previous.consistency));
        try {
            return work.call();
        } finally {
            restore(previous);
        }
    }

    /** Sets the consistency for the current thread and returns what to give {@link #restore} afterwards. */
    static Object enter(Consistency consistency) {
        Frame previous = CURRENT.get();
        CURRENT.set(new Frame(previous == null ? null : previous.session, consistency));
        return previous;
    }

    /** Sets the session for the current thread and returns what to give {@link #restore} afterwards. */
    static Object enter(HavenSession session) {
        Frame previous = CURRENT.get();
        CURRENT.set(new Frame(session, previous == null ? null : previous.consistency));
        return previous;
    }

    /** The auto-configured data source's connection initializer: this thread's session and consistency, if any. */
    static void applyTo(dev.haven.jdbc.HavenConnection connection) {
        Frame f = CURRENT.get();
        if (f != null) {
            if (f.session != null) {
                connection.session(f.session);
            }
            if (f.consistency != null) {
                connection.consistency(f.consistency);
            }
        }
    }

    static void restore(Object previous) {
        if (previous == null) {
            CURRENT.remove();
        } else {
            CURRENT.set((Frame) previous);
        }
    }
}
