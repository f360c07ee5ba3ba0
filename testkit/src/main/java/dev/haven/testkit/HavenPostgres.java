package dev.haven.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives a JUnit 5 test class a running {@link PostgresCluster}: declare a {@code PostgresCluster} parameter on a
 * test method, {@code @BeforeEach}/{@code @AfterEach} method, constructor or (with {@code perClass = true})
 * {@code @BeforeAll} method. The cluster is always closed afterwards, whatever the outcome.
 *
 * <pre>{@code
 * @HavenPostgres(replicas = 2)
 * class FailoverIT {
 *     @Test
 *     void survivesWriterLoss(PostgresCluster cluster) {
 *         cluster.killWriter();
 *         cluster.promote(cluster.mostAdvancedReplica());
 *     }
 * }
 * }</pre>
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(PostgresClusterExtension.class)
public @interface HavenPostgres {

    /** Streaming replicas, 0..5. */
    int replicas() default 2;

    /** 0 = asynchronous replication; n > 0 = {@code ANY n (*)}. */
    int synchronousStandbys() default 0;

    /** true: one cluster for the whole class (closed after all its tests); false: a fresh cluster per test method. */
    boolean perClass() default false;
}
