package dev.haven.spring.boot;

import org.springframework.dao.DataAccessResourceFailureException;

/**
 * A write (or commit) was sent and its connection lost before the answer: it may or may not have been applied
 * ({@code HavenWriteOutcomeUnknownException}, SQLState 08007, as the cause). Deliberately not a
 * {@code TransientDataAccessException}, so {@code @Retryable} on transient failures never repeats it: check the write's
 * effect (a read on the writer) before repeating it, or make the write idempotent. Still a
 * {@link DataAccessResourceFailureException}, so existing handlers of that type keep catching it.
 *
 * <pre>{@code
 * try {
 *     jdbc.update("INSERT INTO orders(id, item) VALUES (?, ?) ON CONFLICT (id) DO NOTHING", id, item);
 * } catch (WriteOutcomeUnknownDataAccessException e) {
 *     // idempotent insert: repeating it is safe
 * }
 * }</pre>
 */
public final class WriteOutcomeUnknownDataAccessException extends DataAccessResourceFailureException {

    private static final long serialVersionUID = 1L;

    public WriteOutcomeUnknownDataAccessException(String message, Throwable cause) {
        super(message, cause);
    }
}
