package dev.haven.benchmarks.failover;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The self-contained HTML report of a run: a comparison table, and per scenario the latency over time with the fault
 * steps marked, errors and stale reads per second, and every figure of both systems. Inline SVG and CSS, no scripts.
 */
final class Report {

    private static final Map<String, String> COLOR = Map.of("haven", "#1f77b4", "peer", "#e6550d");
    private static final String[][] FIGURES = {
        {"writesOk", "writes acknowledged"}, {"writesFailed", "writes failed"}, {"readsOk", "reads ok"},
        {"readsFailed", "reads failed"}, {"longestWriteGapMs", "longest gap between acknowledged writes (ms)"},
        {"firstWriteAfterPromotionMs", "first acknowledged write after the promotion (ms after it)"},
        {"acknowledgedWritesLost", "acknowledged writes missing on the primary at the end"},
        {"readP50Ms", "read p50 (ms)"}, {"readP99Ms", "read p99 (ms)"}, {"readMaxMs", "read max (ms)"},
        {"writeP50Ms", "write p50 (ms)"}, {"writeP99Ms", "write p99 (ms)"}, {"writeMaxMs", "write max (ms)"},
        {"staleReadsBeyondBound", "reads staler than the bound"}, {"maxStalenessMs", "worst staleness seen (ms)"},
        {"threadsBlockedAtStop", "threads still in an operation 1 s after the stop"},
        {"lastThreadEndedAfterStopMs", "last thread ended after the stop (ms; -1: not within 10 s)"},
        {"threadsLeftAfterClose", "threads still alive 10 s after the data source closed"},
        {"loadAverageBefore", "machine's load average before the run (2 cores)"},
        {"loadAverageAfter", "machine's load average after the run"},
    };
    private static final String[][] SUMMARY = {
        {"writesOk", "writes acked"}, {"readsOk", "reads ok"}, {"readsFailed", "failed reads"}, {"writesFailed", "failed writes"}, {"longestWriteGapMs", "write gap ms"},
        {"firstWriteAfterPromotionMs", "1st write after promotion ms"}, {"readP99Ms", "read p99 ms"},
        {"readMaxMs", "read max ms"}, {"staleReadsBeyondBound", "stale reads > bound"},
        {"acknowledgedWritesLost", "acked writes lost"}, {"threadsBlockedAtStop", "threads blocked at stop"},
    };

    private Report() {
    }

    @SuppressWarnings("unchecked")
    static String html(Map<String, Object> doc) {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Haven failover harness: PostgreSQL"
                + "</title>\n<style>body{font-family:sans-serif;max-width:1000px;margin:1em auto;color:#222}"
                + "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right;"
                + "font-size:13px}th{background:#f3f3f3}td.l,th.l{text-align:left}.worse{background:#fde0dc}"
                + ".better{background:#e0f3e0}.h{color:" + COLOR.get("haven") + "}.p{color:" + COLOR.get("peer") + "}"
                + "svg{background:#fff;border:1px solid #ddd}code{font-size:12px}</style></head><body>\n");
        h.append("<h1>Failover harness: Haven vs HikariCP + pgjdbc multi-host, PostgreSQL</h1>\n");
        h.append("<p>Started ").append(esc(doc.get("started"))).append(", mode <b>").append(esc(doc.get("mode")))
                .append("</b>, ").append(esc(doc.get("java"))).append(", ").append(doc.get("cores"))
                .append(" cores, load average ").append(doc.get("loadAverageAtStart")).append(" at start, ")
                .append(doc.get("loadAverageAtEnd")).append(" at end.</p>\n");
        h.append("<p>Workload: ").append(esc(doc.get("workload"))).append(". Each system runs each scenario on a fresh "
                + "testkit cluster (PostgreSQL primary + 2 streaming replicas, asynchronous replication, each behind a fault "
                + "proxy; both systems connect through the proxies).</p>\n<ul>");
        Map<String, Object> systems = (Map<String, Object>) doc.get("systems");
        for (Map.Entry<String, Object> e : systems.entrySet()) {
            h.append("<li><b class=\"").append(e.getKey().equals("haven") ? "h" : "p").append("\">").append(esc(e.getKey()))
                    .append("</b>: ").append(esc(e.getValue())).append("</li>");
        }
        h.append("</ul>\n<p>Reads are checked against acknowledged writes: a read of writer <i>w</i> that returned sequence "
                + "<i>s</i> is stale by the time since the first acknowledged write of <i>w</i> above <i>s</i> was "
                + "acknowledged (0 if that came after the read started). Read latencies include failed reads.</p>\n");

        List<Map<String, Object>> scenarios = (List<Map<String, Object>>) doc.get("scenarios");
        h.append("<h2>Comparison</h2>\n<table><tr><th class=\"l\">scenario</th><th class=\"l\">system</th>");
        for (String[] s : SUMMARY) {
            h.append("<th>").append(esc(s[1])).append("</th>");
        }
        h.append("</tr>\n");
        for (Map<String, Object> sc : scenarios) {
            Map<String, Map<String, Object>> by = (Map<String, Map<String, Object>>) sc.get("systems");
            boolean first = true;
            for (String system : FailoverHarness.SYSTEMS) {
                Map<String, Object> f = by.get(system);
                h.append("<tr>");
                if (first) {
                    h.append("<td class=\"l\" rowspan=\"2\"><a href=\"#").append(sc.get("id")).append("\">")
                            .append(esc(sc.get("id"))).append("</a></td>");
                    first = false;
                }
                h.append("<td class=\"l\"><b class=\"").append(system.equals("haven") ? "h" : "p").append("\">")
                        .append(system).append("</b></td>");
                appendCells(h, SUMMARY, system, f, by);
                h.append("</tr>\n");
            }
        }
        h.append("</table>\n<p>Green: the better of the two on that figure; red: the worse (lower is better; the operation "
                + "counts are not coloured: the workload is paced, so they fall only when operations wait or the machine "
                + "stalls). A failed harness run is shown as such.</p>\n");

        for (Map<String, Object> sc : scenarios) {
            Map<String, Map<String, Object>> by = (Map<String, Map<String, Object>>) sc.get("systems");
            h.append("<h2 id=\"").append(sc.get("id")).append("\">").append(esc(sc.get("id"))).append("</h2>\n<p>")
                    .append(esc(sc.get("description"))).append("</p>\n");
            h.append(latencyChart(by)).append('\n').append(perSecondChart(by, "errors per second (reads + writes)",
                    "readErrorsPerSecond", "writeErrorsPerSecond"));
            h.append('\n').append(perSecondChart(by, "writes acknowledged per second (paced at 400/s; a dip without a "
                    + "fault is the machine)", "writesOkPerSecond", null));
            if (by.values().stream().anyMatch(f -> ((Number) f.getOrDefault("staleReadsBeyondBound", 0)).longValue() > 0)) {
                h.append('\n').append(perSecondChart(by, "reads staler than the bound, per second", "staleReadsPerSecond",
                        null));
            }
            h.append("\n<table><tr><th class=\"l\">figure</th><th>haven</th><th>peer</th></tr>\n");
            for (String[] fig : FIGURES) {
                h.append("<tr><td class=\"l\">").append(esc(fig[1])).append("</td>");
                for (String system : FailoverHarness.SYSTEMS) {
                    h.append(cell(fig[0], system, by));
                }
                h.append("</tr>\n");
            }
            h.append("<tr><td class=\"l\">errors surfaced, by kind</td>");
            for (String system : FailoverHarness.SYSTEMS) {
                Map<String, Object> f = by.get(system);
                h.append("<td class=\"l\">");
                if (f == null || f.containsKey("failure")) {
                    h.append(f == null ? "not run" : "harness failure: " + esc(f.get("failure")));
                } else {
                    Map<String, Object> errors = (Map<String, Object>) f.get("errors");
                    if (errors.isEmpty()) {
                        h.append("none");
                    }
                    errors.forEach((k, v) -> h.append(v).append(" × <code>").append(esc(k)).append("</code><br>"));
                }
                h.append("</td>");
            }
            h.append("</tr>\n<tr><td class=\"l\">fault steps (ms after the workload started)</td>");
            for (String system : FailoverHarness.SYSTEMS) {
                Map<String, Object> f = by.get(system);
                h.append("<td class=\"l\">");
                if (f != null && f.get("marks") instanceof List<?> marks) {
                    for (Object o : marks) {
                        Map<String, Object> m = (Map<String, Object>) o;
                        h.append(esc(m.get("label"))).append(" at ").append(m.get("atMs")).append("<br>");
                    }
                }
                h.append("</td>");
            }
            h.append("</tr></table>\n");
            for (String system : FailoverHarness.SYSTEMS) {
                Map<String, Object> f = by.get(system);
                if (f != null && f.get("blockedStacks") instanceof List<?> stacks && !stacks.isEmpty()) {
                    h.append("<details><summary>").append(system).append(": where the ").append(stacks.size())
                            .append(" threads still in an operation 1 s after the stop waited</summary><pre>");
                    stacks.forEach(st -> h.append(esc(st)).append("\n\n"));
                    h.append("</pre></details>\n");
                }
            }
        }
        h.append("<p>Generated by <code>").append(esc(doc.get("harness"))).append("</code>; the figures are also in the "
                + "JSON file of the same name.</p>\n</body></html>\n");
        return h.toString();
    }

    private static void appendCells(StringBuilder h, String[][] figures, String system, Map<String, Object> f,
            Map<String, Map<String, Object>> by) {
        if (f == null || f.containsKey("failure")) {
            h.append("<td class=\"l\" colspan=\"").append(figures.length).append("\">")
                    .append(f == null ? "not run" : "harness failure: " + esc(f.get("failure"))).append("</td>");
            return;
        }
        for (String[] s : figures) {
            h.append(cell(s[0], system, by));
        }
    }

    /** A figure of one system, coloured against the other system's (lower is better for every figure compared). */
    private static String cell(String key, String system, Map<String, Map<String, Object>> by) {
        Map<String, Object> f = by.get(system);
        if (f == null || f.containsKey("failure")) {
            return "<td>–</td>";
        }
        if (!f.containsKey(key)) {
            return "<td>–</td>";
        }
        Object v = f.get(key);
        String text = v == null ? "never" : fmt(v);
        String cls = "";
        Map<String, Object> other = by.get(system.equals("haven") ? "peer" : "haven");
        if (Analysis.LOWER_IS_BETTER.contains(key) && other != null && !other.containsKey("failure")) {
            double mine = v == null ? Double.MAX_VALUE : ((Number) v).doubleValue();
            Object o = other.get(key);
            double theirs = o == null ? Double.MAX_VALUE : ((Number) o).doubleValue();
            if (mine < 0 || theirs < 0) {
                cls = "";
            } else if (mine < theirs) {
                cls = " class=\"better\"";
            } else if (mine > theirs) {
                cls = " class=\"worse\"";
            }
        }
        return "<td" + cls + ">" + text + "</td>";
    }

    private static String fmt(Object v) {
        if (v instanceof Double d) {
            return d >= 100 ? String.format(Locale.ROOT, "%,.0f", d) : String.format(Locale.ROOT, "%.2f", d);
        }
        if (v instanceof Number n) {
            return String.format(Locale.ROOT, "%,d", n.longValue());
        }
        return esc(v);
    }

    // ------------------------------------------------------------------------------------------------ charts

    private static final int W = 960;
    private static final int H = 260;
    private static final int LEFT = 60;
    private static final int RIGHT = 20;
    private static final int TOP = 40;
    private static final int BOTTOM = 30;

    private static double totalMs(Map<String, Map<String, Object>> by) {
        double t = 1000;
        for (Map<String, Object> f : by.values()) {
            if (f.get("durationMs") instanceof Number n) {
                t = Math.max(t, n.doubleValue());
            }
        }
        return t;
    }

    private static double x(double ms, double total) {
        return LEFT + ms / total * (W - LEFT - RIGHT);
    }

    @SuppressWarnings("unchecked")
    private static String latencyChart(Map<String, Map<String, Object>> by) {
        double total = totalMs(by);
        double lo = 0.1;
        double hi = 10_000;
        double plotH = H - TOP - BOTTOM;
        java.util.function.DoubleUnaryOperator y = v -> TOP + plotH
                - (Math.log10(Math.max(lo, Math.min(hi, v))) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) * plotH;
        StringBuilder s = new StringBuilder();
        s.append("<svg width=\"").append(W).append("\" height=\"").append(H).append("\" viewBox=\"0 0 ").append(W).append(' ')
                .append(H).append("\" xmlns=\"http://www.w3.org/2000/svg\" font-size=\"11\">");
        s.append("<text x=\"").append(LEFT).append("\" y=\"13\" font-weight=\"bold\">latency p99 per ")
                .append(Analysis.BUCKET_MS).append(" ms by start time (log scale): reads solid, writes dashed</text>");
        for (double d = lo; d <= hi * 1.001; d *= 10) {
            double yy = y.applyAsDouble(d);
            s.append(line(LEFT, yy, W - RIGHT, yy, "#eee", "")).append(text(LEFT - 4, yy + 4, "end", fmtMs(d)));
        }
        axisX(s, total);
        for (String system : FailoverHarness.SYSTEMS) {
            Map<String, Object> f = by.get(system);
            if (f == null || !(f.get("series") instanceof Map<?, ?> series)) {
                continue;
            }
            double bucket = ((Number) series.get("bucketMs")).doubleValue();
            s.append(polyline((List<Double>) series.get("readP99Ms"), bucket, total, y, COLOR.get(system), ""));
            s.append(polyline((List<Double>) series.get("writeP99Ms"), bucket, total, y, COLOR.get(system), "5,3"));
        }
        marks(s, by, total);
        legend(s);
        s.append("</svg>");
        return s.toString();
    }

    @SuppressWarnings("unchecked")
    private static String perSecondChart(Map<String, Map<String, Object>> by, String title, String key, String plusKey) {
        double total = totalMs(by);
        int seconds = (int) Math.ceil(total / 1000);
        double max = 1;
        List<long[]> values = new ArrayList<>();
        for (String system : FailoverHarness.SYSTEMS) {
            long[] v = new long[seconds + 1];
            Map<String, Object> f = by.get(system);
            if (f != null && f.get("series") instanceof Map<?, ?> series) {
                long[] a = (long[]) series.get(key);
                long[] b = plusKey == null ? null : (long[]) series.get(plusKey);
                for (int i = 0; i < a.length && i < v.length; i++) {
                    v[i] = a[i] + (b == null ? 0 : b[i]);
                    max = Math.max(max, v[i]);
                }
            }
            values.add(v);
        }
        int h = 170;
        double plotH = h - TOP - BOTTOM;
        StringBuilder s = new StringBuilder();
        s.append("<svg width=\"").append(W).append("\" height=\"").append(h).append("\" viewBox=\"0 0 ").append(W).append(' ')
                .append(h).append("\" xmlns=\"http://www.w3.org/2000/svg\" font-size=\"11\">");
        s.append("<text x=\"").append(LEFT).append("\" y=\"13\" font-weight=\"bold\">").append(esc(title)).append("</text>");
        double yMax = Math.max(2, niceCeil(max));
        for (int i = 0; i <= 2; i++) {
            double v = yMax * i / 2;
            double yy = TOP + plotH - v / yMax * plotH;
            s.append(line(LEFT, yy, W - RIGHT, yy, "#eee", "")).append(text(LEFT - 4, yy + 4, "end", fmt((long) v)));
        }
        double slot = (x(1000, total) - x(0, total)) / 2;
        for (int k = 0; k < values.size(); k++) {
            String system = FailoverHarness.SYSTEMS.get(k);
            long[] v = values.get(k);
            for (int i = 0; i < v.length; i++) {
                if (v[i] == 0) {
                    continue;
                }
                double bh = v[i] / yMax * plotH;
                s.append(String.format(Locale.ROOT,
                        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s, second %d: %d"
                                + "</title></rect>", x(i * 1000.0, total) + k * slot, TOP + plotH - bh, slot * 0.9, bh,
                        COLOR.get(system), system, i, v[i]));
            }
        }
        axisX(s, total, h);
        marks(s, by, total, h);
        s.append("</svg>");
        return s.toString();
    }

    private static void axisX(StringBuilder s, double total) {
        axisX(s, total, H);
    }

    private static void axisX(StringBuilder s, double total, int h) {
        s.append(line(LEFT, h - BOTTOM, W - RIGHT, h - BOTTOM, "#999", ""));
        for (int sec = 0; sec * 1000 <= total; sec += total > 10_000 ? 5 : 1) {
            double xx = x(sec * 1000.0, total);
            s.append(line(xx, h - BOTTOM, xx, h - BOTTOM + 4, "#999", "")).append(text(xx, h - BOTTOM + 15, "middle", sec + " s"));
        }
    }

    private static void marks(StringBuilder s, Map<String, Map<String, Object>> by, double total) {
        marks(s, by, total, H);
    }

    /** Each system's fault steps as dotted lines in its colour; the labels from the first system that has them. */
    @SuppressWarnings("unchecked")
    private static void marks(StringBuilder s, Map<String, Map<String, Object>> by, double total, int h) {
        boolean labelled = false;
        for (String system : FailoverHarness.SYSTEMS) {
            Map<String, Object> f = by.get(system);
            if (f == null || !(f.get("marks") instanceof List<?> marks)) {
                continue;
            }
            for (int j = 0; j < marks.size(); j++) {
                Map<String, Object> m = (Map<String, Object>) marks.get(j);
                double xx = x(((Number) m.get("atMs")).doubleValue(), total);
                s.append(line(xx, TOP - 4 - 10 * (j % 2), xx, h - BOTTOM, COLOR.get(system), "2,2"));
                if (!labelled) {
                    s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" fill=\"#444\">%s</text>", xx + 2,
                            TOP - 6 - 10 * (j % 2), esc(m.get("label"))));
                }
            }
            labelled |= !marks.isEmpty();
        }
    }

    private static void legend(StringBuilder s) {
        int xx = W - RIGHT - 150;
        for (String system : FailoverHarness.SYSTEMS) {
            s.append(line(xx, 9, xx + 18, 9, COLOR.get(system), "")).append(text(xx + 22, 13, "start", system));
            xx += 70;
        }
    }

    private static String polyline(List<Double> values, double bucket, double total,
            java.util.function.DoubleUnaryOperator y, String color, String dash) {
        StringBuilder s = new StringBuilder();
        StringBuilder pts = new StringBuilder();
        for (int i = 0; i <= values.size(); i++) {
            Double v = i < values.size() ? values.get(i) : null;
            if (v == null) {
                if (pts.length() > 0) {
                    s.append("<polyline fill=\"none\" stroke=\"").append(color).append("\" stroke-width=\"1.4\"")
                            .append(dash.isEmpty() ? "" : " stroke-dasharray=\"" + dash + "\"").append(" points=\"")
                            .append(pts).append("\"/>");
                    pts.setLength(0);
                }
                continue;
            }
            pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x((i + 0.5) * bucket, total), y.applyAsDouble(v)));
        }
        return s.toString();
    }

    private static String line(double x1, double y1, double x2, double y2, String color, String dash) {
        return String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"%s/>", x1, y1,
                x2, y2, color, dash.isEmpty() ? "" : " stroke-dasharray=\"" + dash + "\"");
    }

    private static String text(double x, double y, String anchor, String t) {
        return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">%s</text>", x, y, anchor, esc(t));
    }

    private static String fmtMs(double ms) {
        return ms >= 1000 ? (long) (ms / 1000) + " s" : ms >= 1 ? (long) ms + " ms" : ms + " ms";
    }

    private static double niceCeil(double v) {
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * p >= v) {
                return m * p;
            }
        }
        return 10 * p;
    }

    static String esc(Object o) {
        return String.valueOf(o).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
