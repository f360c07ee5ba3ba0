package dev.haven.testkit.redis;

import java.time.Instant;

/**
 * A failover the Sentinels completed: when the first of them adopted the new primary ({@code +switch-master}), and
 * which data node lost and which gained the primary role. See {@link RedisTopology#sentinelFailovers()}.
 *
 * <pre>{@code
 * Instant killedAt = Instant.now();
 * redis.killPrimaryAndAwaitFailover(Duration.ofSeconds(30));
 * // 1, or 2 when the Sentinels then failed the promoted primary over as well
 * long failovers = redis.sentinelFailovers().stream().filter(f -> f.at().isAfter(killedAt)).count();
 * }</pre>
 */
public record SentinelFailover(Instant at, RedisNode from, RedisNode to) {
}
