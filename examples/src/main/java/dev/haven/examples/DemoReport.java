package dev.haven.examples;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What the application saw during a {@link FailoverDemo} run, as numbers. Durations are {@code null} when the
 * thing they measure did not happen (for example no write failed, so there is no unavailability window).
 *
 * @param product               the database the run was on ("PostgreSQL", "MariaDB")
 * @param binaries              where the server binaries came from (system path or Maven artifact), as the testkit says
 * @param driver                the JDBC driver under the data source, by name and version
 * @param startup               how long the testkit cluster took to start
 * @param ran                   how long the workload ran
 * @param threads               workload threads
 * @param lagBound              the data source's lag bound
 * @param readsOk               reads that returned a result
 * @param writesOk              writes acknowledged (heartbeat updates and inserts)
 * @param longestRead           the slowest successful read (reads wait, rather than fail, while no server qualifies)
 * @param readErrors            read errors by exception type (must be empty)
 * @param writeErrors           write errors by exception type
 * @param writerUnavailable     first failed write after the kill to the first acknowledged write after it
 * @param firstWriteFailure     first failed write after the kill, since the kill
 * @param firstWriteAfter       first acknowledged write after that failure (or after the kill), since the kill
 * @param longestWrite          the slowest write that ended after the kill (blocked waiting for a writer)
 * @param detection             kill to Haven's {@code FailoverStarted}
 * @param failover              Haven's {@code FailoverCompleted.duration()} (failover started to new writer known)
 * @param killReturned          kill to the testkit's {@code killWriter()} returning (it waits until every process exited)
 * @param promotion             kill to the testkit's {@code promote()} returning (followers streaming from the new primary)
 * @param newWriter             the node Haven followed to (from {@code FailoverCompleted})
 * @param writesAfterPromotion  writes acknowledged after the promotion
 * @param readsByNode           successful reads per node, keyed by a label such as "pg1 (replica, promoted at 16.0 s)"
 * @param staleSkipped          reads passed over a replica because it lagged (summed from {@code StaleReplicaSkipped})
 * @param skippedByNode         the same by node name
 * @param staleReads            reads that missed a heartbeat acknowledged more than the lag bound before they started
 * @param worstStaleness        the oldest data any read returned (how long before the read its first invisible
 *                              heartbeat had been acknowledged)
 * @param acknowledgedWrites    acknowledged writes checked after the failover (inserts + the last heartbeat)
 * @param missingWrites         acknowledged writes not found on the primary after the failover
 * @param checkedOn             the node the writes were checked on
 * @param problems              anything else that went wrong (a failed outage step, stuck threads, a check that could not run)
 */
public record DemoReport(String product, String binaries, String driver, Duration startup, Duration ran, int threads, Duration lagBound,
        long readsOk, long writesOk, Duration longestRead, Map<String, Long> readErrors, Map<String, Long> writeErrors,
        Duration writerUnavailable, Duration firstWriteFailure, Duration firstWriteAfter, Duration longestWrite,
        Duration detection, Duration failover, Duration killReturned, Duration promotion, String newWriter, long writesAfterPromotion,
        Map<String, Long> readsByNode, long staleSkipped, Map<String, Long> skippedByNode,
        long staleReads, Duration worstStaleness, long acknowledgedWrites, long missingWrites, String checkedOn,
        List<String> problems) {

    public long readErrorCount() {
        return readErrors.values().stream().mapToLong(Long::longValue).sum();
    }

    public long writeErrorCount() {
        return writeErrors.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Write errors of a type Haven does not document (none expected). */
    public long undocumentedWriteErrors() {
        return writeErrors.entrySet().stream().filter(e -> !DemoWorkload.DOCUMENTED.contains(e.getKey()))
                .mapToLong(Map.Entry::getValue).sum();
    }

    /** The safety promises: no read error, no read staler than the bound, no acknowledged write lost. */
    public List<String> brokenPromises() {
        List<String> broken = new ArrayList<>();
        if (readErrorCount() > 0) {
            broken.add(readErrorCount() + " read error(s)");
        }
        if (staleReads > 0) {
            broken.add(staleReads + " stale read(s)");
        }
        if (missingWrites > 0) {
            broken.add(missingWrites + " acknowledged write(s) missing");
        }
        if (checkedOn == null) {
            broken.add("acknowledged writes could not be checked");
        }
        return broken;
    }

    public boolean promisesKept() {
        return brokenPromises().isEmpty();
    }

    /** The report as printed at the end of the demo. */
    public String format() {
        StringBuilder sb = new StringBuilder();
        sb.append("=== What the application saw on ").append(product).append(" (").append(secs(ran)).append(", ").append(threads)
                .append(" threads, lag bound ").append(ms(lagBound)).append(") ===\n");
        line(sb, product, binaries + "; cluster started in " + ms(startup));
        line(sb, "JDBC driver", driver);
        line(sb, "Operations", (readsOk + writesOk + readErrorCount() + writeErrorCount()) + " total: " + readsOk
                + " reads ok, " + writesOk + " writes ok, " + (readErrorCount() + writeErrorCount()) + " failed");
        line(sb, "Errors surfaced", "reads: " + errors(readErrors) + " | writes: " + errors(writeErrors)
                + (undocumentedWriteErrors() > 0 ? "  <-- " + undocumentedWriteErrors() + " of an undocumented type" : ""));
        if (writerUnavailable != null) {
            line(sb, "Writer unavailable", ms(writerUnavailable) + " (first failed write " + ms(firstWriteFailure)
                    + " after the kill, first acknowledged write " + ms(firstWriteAfter) + " after it)");
        } else if (firstWriteAfter != null) {
            line(sb, "Writer unavailable", "no write failed; first write acknowledged " + ms(firstWriteAfter)
                    + " after the kill");
        } else {
            line(sb, "Writer unavailable", "n/a (no write acknowledged after the kill)");
        }
        if (longestWrite != null) {
            line(sb, "Longest write", ms(longestWrite) + " (blocked waiting for a writer)");
        }
        line(sb, "Haven failover", "detected " + (detection == null ? "n/a" : ms(detection) + " after the kill")
                + " (FailoverStarted); new writer " + (newWriter == null ? "n/a" : newWriter) + " after "
                + (failover == null ? "n/a" : ms(failover)) + " (FailoverCompleted)");
        line(sb, "Testkit failover", promotion == null ? "n/a" : "killWriter() returned " + ms(killReturned)
                + " and promote() " + ms(promotion) + " after the kill; " + writesAfterPromotion + " writes acknowledged after it");
        line(sb, "Longest read", ms(longestRead) + " (reads wait rather than fail while no server qualifies)");
        line(sb, "Reads per endpoint", readsByNode.entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining(" | ")));
        line(sb, "Reads skipped for lag", staleSkipped + " read(s) passed over a lagging replica"
                + (skippedByNode.isEmpty() ? "" : " " + skippedByNode));
        line(sb, "Stale reads observed", staleReads + " (bound " + ms(lagBound) + "; oldest data any read returned: "
                + (worstStaleness == null ? "n/a" : ms(worstStaleness)) + ")" + verdict(staleReads == 0));
        line(sb, "Acked writes missing", checkedOn == null ? "not checked" : missingWrites + " of " + acknowledgedWrites
                + " (checked on " + checkedOn + " after the failover)" + verdict(missingWrites == 0));
        for (String p : problems) {
            line(sb, "Problem", p);
        }
        line(sb, "Result", promisesKept() ? "all safety promises kept"
                : "SAFETY PROMISE BROKEN: " + String.join(", ", brokenPromises()));
        return sb.toString();
    }

    private static String verdict(boolean ok) {
        return ok ? "  OK" : "  <-- BROKEN";
    }

    private static void line(StringBuilder sb, String label, String value) {
        sb.append(String.format("%-22s %s%n", label, value));
    }

    private static String errors(Map<String, Long> errors) {
        if (errors.isEmpty()) {
            return "0";
        }
        return errors.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", "));
    }

    static String ms(Duration d) {
        return d == null ? "n/a" : d.toMillis() + " ms";
    }

    static String secs(Duration d) {
        return String.format("%.1f s", d.toMillis() / 1000.0);
    }
}
