package dev.haven.spring.boot;

import dev.haven.Endpoint;
import dev.haven.event.HavenEvent;
import dev.haven.event.HavenEventListener;
import dev.haven.jdbc.HavenDataSource;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The last failover of a {@link HavenDataSource} and the one in progress, from its events, for the {@code haven}
 * endpoint and the health details: when it completed, the writer before and after, and how long the cluster had no
 * writer. Registered as the data source's listener when the bean is created (at start-up); keeps two references.
 */
final class HavenFailovers implements HavenEventListener {

    private volatile HavenEvent.FailoverStarted inProgress;
    private volatile HavenEvent.FailoverCompleted last;

    HavenFailovers(HavenDataSource dataSource) {
        dataSource.addListener(this);
    }

    @Override
    public void onEvent(HavenEvent event) {
        if (event instanceof HavenEvent.FailoverStarted s) {
            inProgress = s;
        } else if (event instanceof HavenEvent.FailoverCompleted c) {
            last = c;
            inProgress = null;
        }
    }

    /** {@code at}, {@code from}, {@code to}, {@code durationMs} of the last completed failover; null if none yet. */
    Map<String, Object> last() {
        HavenEvent.FailoverCompleted c = last;
        if (c == null) {
            return null;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("at", c.at().toString());
        out.put("from", id(c.oldWriter()));
        out.put("to", id(c.newWriter()));
        out.put("durationMs", c.duration().toMillis());
        return out;
    }

    /** {@code since}, {@code from}, {@code reason} of a failover under way (no writer yet); null if none. */
    Map<String, Object> inProgress() {
        HavenEvent.FailoverStarted s = inProgress;
        if (s == null) {
            return null;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("since", s.at().toString());
        out.put("from", id(s.oldWriter()));
        out.put("reason", s.reason());
        return out;
    }

    private static String id(Endpoint e) {
        return e == null ? null : e.id();
    }
}
