package dev.haven.jdbc;

import dev.haven.testkit.mariadb.MariaDbCluster;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One MariaDB cluster for the tests of a class, replaced only after a test that spoiled it. Starting a cluster (three
 * servers, replication, proxies) costs seconds on a loaded machine, and most tests leave the cluster as they found it;
 * a test that promotes a replica or kills a node for good asks for {@link #toSpoil()} instead of {@link #shared()}, and
 * the cluster is closed when that test ends. A test that fails may have left the cluster anywhere: it is closed too.
 * Order the tests that spoil last ({@code @Order}) so the others share one cluster.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final SharedMariaDbCluster clusters = new SharedMariaDbCluster(() -> MariaDbCluster.builder().replicas(2).start());
 * }</pre>
 */
final class SharedMariaDbCluster implements AfterEachCallback, AfterAllCallback {

    private final Supplier<MariaDbCluster> start;
    private MariaDbCluster cluster;
    private boolean spoiled;

    SharedMariaDbCluster(Supplier<MariaDbCluster> start) {
        this.start = start;
    }

    /**
     * The running cluster, started if there is none. The test leaves it as it found it: the same primary, every node
     * running and replicating, no proxy fault.
     */
    MariaDbCluster shared() {
        if (cluster == null) {
            cluster = start.get();
        }
        return cluster;
    }

    /** The running cluster for a test that promotes a replica or kills a node for good: it is closed after the test. */
    MariaDbCluster toSpoil() {
        MariaDbCluster c = shared();
        spoiled = true;
        return c;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (spoiled || context.getExecutionException().isPresent()) {
            close();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    private void close() {
        MariaDbCluster c = cluster;
        cluster = null;
        spoiled = false;
        if (c != null) {
            c.close();
        }
    }
}
