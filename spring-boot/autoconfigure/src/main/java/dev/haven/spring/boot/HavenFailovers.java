package dev.haven.spring.boot;

import dev.haven.Endpoint;
import dev.haven.event.HavenEvent;
import dev.haven.event.HavenEventListener;
import dev.haven.jdbc.HavenDataSource;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The last failover of a {@link HavenDataSource} (or a Redis or DynamoDB client) and the one in progress, from its
 * events, for the {@code haven} endpoint and the health details: when it completed, the writer (Redis: the primary;
 * DynamoDB: the home region) before and after, and how long the cluster had none. Registered as the store's listener
 * when it is created (at start-up); keeps two references.
 */
final class HavenFailovers implements HavenEventListener {

    private volatile HavenEvent.FailoverStarted inProgress;
    private volatile HavenEvent.FailoverCompleted last;

    HavenFailovers(HavenDataSource dataSource) {
        this(dataSource::addListener);
    }

    /** Registers itself with {@code addListener}: e.g. {@code redisClient::addListener}. */
    HavenFailovers(Consumer<HavenEventListener> addListener) {
        addListener.accept(this);
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
