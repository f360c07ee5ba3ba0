package dev.haven.testkit.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every open cluster of this JVM, closed by ONE shutdown hook (registered on first use) so that no server
 * outlives the JVM on a normal exit or SIGTERM/SIGINT. SIGKILL of the JVM is handled by {@link RunDirectory}'s
 * reaping on the next start.
 */
public final class OpenClusters {

    private static final Set<AutoCloseable> OPEN = ConcurrentHashMap.newKeySet();
    private static volatile boolean hookInstalled;

    private OpenClusters() {
    }

    public static void register(AutoCloseable cluster) {
        installHook();
        OPEN.add(cluster);
    }

    public static void unregister(AutoCloseable cluster) {
        OPEN.remove(cluster);
    }

    private static synchronized void installHook() {
        if (hookInstalled) {
            return;
        }
        Thread hook = new Thread(OpenClusters::closeAll, "haven-testkit-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        hookInstalled = true;
    }

    private static void closeAll() {
        List<Thread> closers = new ArrayList<>();
        for (AutoCloseable c : OPEN) {
            Thread t = new Thread(() -> {
                try {
                    c.close();
                } catch (Exception e) {
                    // best effort at JVM exit
                }
            }, "haven-testkit-shutdown-close");
            t.start();
            closers.add(t);
        }
        for (Thread t : closers) {
            try {
                t.join(20_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
