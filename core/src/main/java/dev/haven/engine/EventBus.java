package dev.haven.engine;

import dev.haven.event.HavenEvent;
import dev.haven.event.HavenEventListener;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Delivers events to listeners on the calling thread; a failing listener never fails the caller. */
public final class EventBus {

    private static final Logger log = LoggerFactory.getLogger(EventBus.class);

    private final List<HavenEventListener> listeners = new CopyOnWriteArrayList<>();

    public EventBus(List<HavenEventListener> initial) {
        listeners.addAll(initial);
    }

    public void add(HavenEventListener listener) {
        listeners.add(listener);
    }

    public void remove(HavenEventListener listener) {
        listeners.remove(listener);
    }

    public boolean hasListeners() {
        return !listeners.isEmpty();
    }

    public void publish(HavenEvent event) {
        for (HavenEventListener l : listeners) {
            try {
                l.onEvent(event);
            } catch (RuntimeException e) {
                log.warn("Haven event listener {} failed on {}", l, event.getClass().getSimpleName(), e);
            }
        }
    }
}
