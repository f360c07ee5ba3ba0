package dev.haven.spi;

import dev.haven.Endpoint;
import java.time.Duration;

/**
 * Turns a probe of one endpoint into what the topology monitor needs: its role, its epoch (timeline,
 * term, generation) for resolving split brain, its replication position and the endpoints it knows
 * of. One implementation per store flavour (PostgreSQL streaming replication, Aurora, MySQL, Redis,
 * DynamoDB regions). Implementations keep their own cheap probe connection per endpoint.
 *
 * <pre>{@code
 * TopologyProvider provider = (endpoint, timeout) -> new Probe(Role.WRITER, 1, Position.offset(0), List.of());
 * }</pre>
 */
@FunctionalInterface
public interface TopologyProvider extends AutoCloseable {

    /**
     * Probes {@code endpoint}. Must return or throw within about {@code timeout}: a blackholed endpoint
     * (no RST, no answer) is detected by this timeout, not by the operating system.
     *
     * @throws Exception when the endpoint cannot be reached or answers with an error
     */
    Probe probe(Endpoint endpoint, Duration timeout) throws Exception;

    /**
     * Whether a writer's epoch only ever grows (PostgreSQL timelines do): then a writer claiming an epoch older than one
     * seen before is an old primary back on its old lineage, and Haven never trusts it, even when no newer writer
     * answers. {@code false} (the default) for epochs that may go down legitimately.
     */
    default boolean monotonicEpochs() {
        return false;
    }

    /** Drops any cached probe connection to {@code endpoint} (it timed out or was removed). */
    default void discard(Endpoint endpoint) {
    }

    @Override
    default void close() {
    }
}
