package dev.haven.testkit.redis;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives a JUnit 5 test class a running {@link RedisTopology}: declare a {@code RedisTopology} parameter on a test
 * method, {@code @BeforeEach}/{@code @AfterEach} method, constructor or (with {@code perClass = true})
 * {@code @BeforeAll} method. The topology is always closed afterwards, whatever the outcome.
 *
 * <pre>{@code
 * @HavenRedis(replicas = 2)
 * class RedisFailoverIT {
 *     @Test
 *     void survivesPrimaryLoss(RedisTopology redis) {
 *         redis.killPrimaryAndAwaitFailover(Duration.ofSeconds(30));
 *     }
 * }
 * }</pre>
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(RedisTopologyExtension.class)
public @interface HavenRedis {

    /** Replicas, 0..5. */
    int replicas() default 2;

    /** 3 or 0; ignored (no Sentinel) when {@link #elastiCacheMode()} is true or {@link #regions()} are given. */
    int sentinels() default 3;

    /** No Sentinel; a primary endpoint re-pointed on failover ({@link RedisTopology#primaryEndpoint()}). */
    boolean elastiCacheMode() default false;

    /**
     * Global Datastore mode: the primary region, then 1..3 secondary regions, each with a primary and
     * {@link #replicas()} replicas (see {@link RedisTopology.Builder#globalDatastore}); empty (default) = one region.
     */
    String[] regions() default {};

    /** Password of the data nodes; "" = none. */
    String password() default "";

    /** TLS only on every node and Sentinel ({@link RedisTopology.Builder#tls()}). */
    boolean tls() default false;

    /** true: one topology for the whole class (closed after all its tests); false: a fresh one per test method. */
    boolean perClass() default false;
}
