package dev.haven.testkit.mariadb;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives a JUnit 5 test class a running {@link MariaDbCluster}: declare a {@code MariaDbCluster} parameter on a test
 * method, {@code @BeforeEach}/{@code @AfterEach} method, constructor or (with {@code perClass = true})
 * {@code @BeforeAll} method. The cluster is always closed afterwards, whatever the outcome.
 *
 * <pre>{@code
 * @HavenMariaDb(replicas = 2, semiSync = true)
 * class FailoverIT {
 *     @Test
 *     void survivesWriterLoss(MariaDbCluster cluster) {
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
@ExtendWith(MariaDbClusterExtension.class)
public @interface HavenMariaDb {

    /** GTID replicas, 0..5. */
    int replicas() default 2;

    /** Semi-synchronous replication ({@link MariaDbCluster.Builder#semiSync()}). */
    boolean semiSync() default false;

    /** true: one cluster for the whole class (closed after all its tests); false: a fresh cluster per test method. */
    boolean perClass() default false;
}
