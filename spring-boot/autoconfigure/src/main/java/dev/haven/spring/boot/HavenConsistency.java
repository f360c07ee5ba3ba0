package dev.haven.spring.boot;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The consistency the reads of a method (or of every method of a class) require, in the words of
 * {@code haven.datasource.default-consistency}: {@code strong}, {@code session}, {@code eventual} or
 * {@code bounded-staleness:<duration>}. While the method runs, connections of the auto-configured
 * {@code HavenDataSource} start with it ({@code HavenConnection.consistency}) and {@link HavenContext#consistency()}
 * returns it for Redis and DynamoDB calls; the innermost annotated method wins. A value Haven refuses stops the
 * application at start-up, naming the method, the rule and the value.
 *
 * <p>On JDBC it decides where <em>read-only</em> work goes (a {@code @Transactional(readOnly = true)} method, or a
 * connection set read-only): read-write work always goes to the writer. {@code session} gives read-your-writes with the
 * request's {@link dev.haven.HavenSession} from {@code haven.web.session.enabled} (see {@link HavenContext}): a replica
 * that has replayed the session's last write, else the writer.
 *
 * <pre>{@code
 * @HavenConsistency("session")
 * @Transactional(readOnly = true)
 * public Order find(String id) {
 *     return jdbc.queryForObject("select * from orders where id = ?", orderMapper, id);
 * }
 * }</pre>
 *
 * <p>Applied by a Spring AOP advisor around the bean (proxies, so calls from inside the same bean are not
 * intercepted), outside {@code @Transactional}, so the consistency is in force when the transaction takes its
 * connection.
 */
@Target({ElementType.METHOD, ElementType.TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@Documented
public @interface HavenConsistency {

    /** {@code strong}, {@code session}, {@code eventual} or {@code bounded-staleness:<duration>} (e.g. {@code 500ms}). */
    String value();
}
