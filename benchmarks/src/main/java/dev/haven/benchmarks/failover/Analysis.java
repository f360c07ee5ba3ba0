package dev.haven.benchmarks.failover;

import dev.haven.benchmarks.failover.Workload.Op;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The figures of one run of one system through one scenario, from its recorded operations. Times in the result are
 * milliseconds since the workload started.
 */
final class Analysis {

    /** Width of the buckets of the latency series. */
    static final long BUCKET_MS = 250;

    /** A fault step at a point of the run. */
    record Mark(String label, long nanos) {
    }

    private Analysis() {
    }

    /**
     * @param promotionNanos when the promoted replica was first out of recovery, or -1
     * @param acknowledgedMissing acknowledged writes not on the primary at the end, or -1 if it could not be checked
     */
    static Map<String, Object> of(List<Op> ops, long startNanos, long stopNanos, List<Mark> marks, long promotionNanos,
            Duration bound, int writers, Workload.Stop stopped, int threadsLeft, long acknowledgedMissing) {
        Map<String, Object> m = new LinkedHashMap<>();
        List<Op> writes = ops.stream().filter(Op::write).toList();
        List<Op> reads = ops.stream().filter(o -> !o.write()).toList();
        m.put("durationMs", ms(stopNanos - startNanos));
        m.put("writesOk", writes.stream().filter(o -> o.error() == null).count());
        m.put("writesFailed", writes.stream().filter(o -> o.error() != null).count());
        m.put("readsOk", reads.stream().filter(o -> o.error() == null).count());
        m.put("readsFailed", reads.stream().filter(o -> o.error() != null).count());
        Map<String, Long> errors = new TreeMap<>();
        for (Op o : ops) {
            if (o.error() != null) {
                errors.merge((o.write() ? "write " : "read ") + o.error(), 1L, Long::sum);
            }
        }
        m.put("errors", errors);

        // write unavailability
        long[] acks = writes.stream().filter(o -> o.error() == null).mapToLong(Op::end).sorted().toArray();
        long longestGap = 0;
        long gapFrom = startNanos;
        long prev = startNanos;
        for (long a : acks) {
            if (a - prev > longestGap) {
                longestGap = a - prev;
                gapFrom = prev;
            }
            prev = a;
        }
        if (stopNanos - prev > longestGap) { // writes never came back: the gap runs to the end
            longestGap = stopNanos - prev;
            gapFrom = prev;
        }
        m.put("longestWriteGapMs", ms(longestGap));
        m.put("longestWriteGapFromMs", ms(gapFrom - startNanos));
        if (promotionNanos > 0) {
            long first = Arrays.stream(acks).filter(a -> a >= promotionNanos).findFirst().orElse(-1);
            m.put("firstWriteAfterPromotionMs", first < 0 ? null : ms(first - promotionNanos));
        }
        m.put("acknowledgedWritesLost", acknowledgedMissing);

        // read latency, failed reads included: what the caller waited
        double[] latencies = reads.stream().mapToDouble(o -> (o.end() - o.start()) / 1e6).sorted().toArray();
        m.put("readP50Ms", round(quantile(latencies, 0.50)));
        m.put("readP99Ms", round(quantile(latencies, 0.99)));
        m.put("readMaxMs", round(latencies.length == 0 ? 0 : latencies[latencies.length - 1]));
        double[] writeLatencies = writes.stream().mapToDouble(o -> (o.end() - o.start()) / 1e6).sorted().toArray();
        m.put("writeP50Ms", round(quantile(writeLatencies, 0.50)));
        m.put("writeP99Ms", round(quantile(writeLatencies, 0.99)));
        m.put("writeMaxMs", round(writeLatencies.length == 0 ? 0 : writeLatencies[writeLatencies.length - 1]));

        // staleness against acknowledged writes: per writer, ack times in sequence order (each writer is sequential)
        List<List<Op>> acked = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int writer = w;
            acked.add(writes.stream().filter(o -> o.error() == null && o.writer() == writer)
                    .sorted(Comparator.comparingLong(Op::seq)).toList());
        }
        long stale = 0;
        long maxStaleness = 0;
        long boundNanos = bound.toNanos();
        List<Long> staleAt = new ArrayList<>();
        for (Op r : reads) {
            if (r.error() != null) {
                continue;
            }
            // the oldest acknowledged write the read missed: the first acknowledged seq above what it saw
            Op missed = firstAbove(acked.get(r.writer()), r.seq());
            if (missed != null && missed.end() < r.start()) {
                long staleness = r.start() - missed.end();
                maxStaleness = Math.max(maxStaleness, staleness);
                if (staleness > boundNanos) {
                    stale++;
                    staleAt.add(r.start());
                }
            }
        }
        m.put("stalenessBoundMs", bound.toMillis());
        m.put("staleReadsBeyondBound", stale);
        m.put("maxStalenessMs", ms(maxStaleness));
        m.put("threadsBlockedAtStop", stopped.blockedAfterGrace());
        m.put("lastThreadEndedAfterStopMs", stopped.lastEndedMs());
        m.put("blockedStacks", stopped.blockedStacks());
        m.put("threadsLeftAfterClose", threadsLeft);

        List<Map<String, Object>> markList = new ArrayList<>();
        for (Mark k : marks) {
            markList.add(Map.of("label", k.label(), "atMs", ms(k.nanos() - startNanos)));
        }
        m.put("marks", markList);
        m.put("series", series(ops, startNanos, stopNanos, staleAt));
        return m;
    }

    private static Op firstAbove(List<Op> acked, long seq) {
        int lo = 0;
        int hi = acked.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (acked.get(mid).seq() <= seq) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo < acked.size() ? acked.get(lo) : null;
    }

    /** Per {@link #BUCKET_MS} by start time: read and write p99/max latency; per second: errors and stale reads. */
    private static Map<String, Object> series(List<Op> ops, long startNanos, long stopNanos, List<Long> staleAt) {
        int buckets = (int) (ms(stopNanos - startNanos) / BUCKET_MS) + 1;
        List<List<Double>> r = new ArrayList<>();
        List<List<Double>> w = new ArrayList<>();
        for (int i = 0; i < buckets; i++) {
            r.add(new ArrayList<>());
            w.add(new ArrayList<>());
        }
        int seconds = (int) (ms(stopNanos - startNanos) / 1000) + 1;
        long[] readErrors = new long[seconds];
        long[] writeErrors = new long[seconds];
        long[] writesOk = new long[seconds];
        long[] staleReads = new long[seconds];
        for (Op o : ops) {
            long at = ms(o.start() - startNanos);
            int b = (int) Math.min(buckets - 1, at / BUCKET_MS);
            (o.write() ? w : r).get(b).add((o.end() - o.start()) / 1e6);
            int s = (int) Math.min(seconds - 1, at / 1000);
            if (o.error() != null) {
                (o.write() ? writeErrors : readErrors)[s]++;
            } else if (o.write()) {
                writesOk[s]++;
            }
        }
        for (long at : staleAt) {
            staleReads[(int) Math.min(seconds - 1, ms(at - startNanos) / 1000)]++;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("bucketMs", BUCKET_MS);
        m.put("readP99Ms", bucketQuantiles(r, 0.99));
        m.put("readMaxMs", bucketQuantiles(r, 1.0));
        m.put("writeP99Ms", bucketQuantiles(w, 0.99));
        m.put("writeMaxMs", bucketQuantiles(w, 1.0));
        m.put("readErrorsPerSecond", readErrors);
        m.put("writeErrorsPerSecond", writeErrors);
        m.put("writesOkPerSecond", writesOk);
        m.put("staleReadsPerSecond", staleReads);
        return m;
    }

    private static List<Double> bucketQuantiles(List<List<Double>> buckets, double q) {
        List<Double> out = new ArrayList<>();
        for (List<Double> b : buckets) {
            double[] v = b.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            out.add(v.length == 0 ? null : round(quantile(v, q)));
        }
        return out;
    }

    static double quantile(double[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    static long ms(long nanos) {
        return nanos / 1_000_000;
    }

    /** Keys whose smaller value is better, for the report's comparison. */
    static final Set<String> LOWER_IS_BETTER = Set.of("writesFailed", "readsFailed", "longestWriteGapMs",
            "firstWriteAfterPromotionMs", "acknowledgedWritesLost", "readP50Ms", "readP99Ms", "readMaxMs", "writeP50Ms",
            "writeP99Ms", "writeMaxMs", "staleReadsBeyondBound", "maxStalenessMs", "threadsBlockedAtStop",
            "threadsLeftAfterClose");
}
