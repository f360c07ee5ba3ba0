package dev.haven.testkit.dynamodb;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives a JUnit 5 test class running {@link DynamoDbRegions}: declare a {@code DynamoDbRegions} parameter on a test
 * method, {@code @BeforeEach}/{@code @AfterEach} method, constructor or (with {@code perClass = true})
 * {@code @BeforeAll} method. The regions are always closed afterwards, whatever the outcome.
 *
 * <pre>{@code
 * @HavenDynamoDb(regions = {"us-east-1", "us-west-2"}, replicationDelay = "500ms")
 * class RegionFailoverIT {
 *     @Test
 *     void readsFromTheOtherRegion(DynamoDbRegions regions) {
 *         regions.createGlobalTable(ordersTable());
 *         regions.freeze("us-east-1");
 *     }
 * }
 * }</pre>
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(DynamoDbRegionsExtension.class)
public @interface HavenDynamoDb {

    /** Region names (1..8, distinct). */
    String[] regions() default {"us-east-1", "us-west-2", "eu-west-1"};

    /** Replication delay: {@code 0}, {@code 250ms}, {@code 1s}, {@code 2m} or ISO-8601 ({@code PT1S}); must be >= 0. */
    String replicationDelay() default "1s";

    /** true: one set of regions for the whole class (closed after all its tests); false: fresh regions per test method. */
    boolean perClass() default false;
}
