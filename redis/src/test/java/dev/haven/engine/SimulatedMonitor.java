package dev.haven.engine;

import dev.haven.spi.TopologyProvider;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A {@link TopologyMonitor} for a store module's simulator: its probes run on the caller's thread and a round runs when
 * the simulator says, on whatever ticker the settings hold (the engine's package-private hooks that
 * {@code EngineSimulationTest} uses, opened to other modules' tests).
 */
public final class SimulatedMonitor {

    private SimulatedMonitor() {
    }

    /** A monitor whose probes run on the caller's thread; not started: call {@link #round} for each probe round. */
    public static TopologyMonitor create(MonitorSettings settings, TopologyProvider provider, EventBus events) {
        return new TopologyMonitor(settings, provider, events, new DirectExecutor());
    }

    /** One probe round, on the caller's thread. */
    public static void round(TopologyMonitor monitor) {
        monitor.round();
    }

    private static final class DirectExecutor extends AbstractExecutorService {
        private volatile boolean shutdown;

        @Override
        public void execute(Runnable command) {
            command.run();
        }

        @Override
        public void shutdown() {
            shutdown = true;
        }

        @Override
        public List<Runnable> shutdownNow() {
            shutdown = true;
            return List.of();
        }

        @Override
        public boolean isShutdown() {
            return shutdown;
        }

        @Override
        public boolean isTerminated() {
            return shutdown;
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) {
            return true;
        }
    }
}
