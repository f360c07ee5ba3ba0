package dev.haven.testkit.redis.internal;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The failovers the Sentinels completed, read from their logs: each Sentinel logs {@code +switch-master <name> <old ip>
 * <old port> <new ip> <new port>} once for every change of primary it adopts, whether it led the failover or learned it
 * from the others. Redis writes the line with the local time to the millisecond:
 * <pre>
 * 6374:X 30 Nov 2026 08:17:54.065 # +switch-master haven 127.0.0.1 41587 127.0.0.1 37029
 * </pre>
 */
public final class SentinelLog {

    /** One change of primary: when the Sentinel adopted it, from which port to which. */
    public record Switch(Instant at, int fromPort, int toPort) {
    }

    private static final Pattern SWITCH = Pattern.compile(
            "^\\d+:X (\\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2}\\.\\d{3}) . \\+switch-master (\\S+) \\S+ (\\d+) \\S+ (\\d+)\\s*$");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("dd MMM yyyy HH:mm:ss.SSS", Locale.ENGLISH);

    private SentinelLog() {
    }

    /** The {@code +switch-master} lines for {@code masterName} in one Sentinel's log, in order; other lines are ignored. */
    public static List<Switch> switches(List<String> lines, String masterName, ZoneId zone) {
        List<Switch> out = new ArrayList<>();
        for (String line : lines) {
            Matcher m = SWITCH.matcher(line);
            if (m.matches() && m.group(2).equals(masterName)) {
                try {
                    Instant at = LocalDateTime.parse(m.group(1), TIME).atZone(zone).toInstant();
                    out.add(new Switch(at, Integer.parseInt(m.group(3)), Integer.parseInt(m.group(4))));
                } catch (DateTimeParseException | NumberFormatException e) {
                    // not a line Redis wrote: skip
                }
            }
        }
        return out;
    }

    /**
     * One sequence of failovers from every Sentinel's own: the longest one (a Sentinel that was down, or heard only
     * of the latest of two quick failovers, logged fewer), each failover at the earliest time a Sentinel that logged
     * the same sequence adopted it.
     */
    public static List<Switch> merge(List<List<Switch>> perSentinel) {
        List<Switch> longest = List.of();
        for (List<Switch> l : perSentinel) {
            if (l.size() > longest.size()) {
                longest = l;
            }
        }
        List<Switch> out = new ArrayList<>(longest.size());
        for (int k = 0; k < longest.size(); k++) {
            Switch ref = longest.get(k);
            Instant at = ref.at();
            for (List<Switch> l : perSentinel) {
                if (l.size() == longest.size() && l.get(k).fromPort() == ref.fromPort() && l.get(k).toPort() == ref.toPort()
                        && l.get(k).at().isBefore(at)) {
                    at = l.get(k).at();
                }
            }
            out.add(new Switch(at, ref.fromPort(), ref.toPort()));
        }
        return out;
    }
}
