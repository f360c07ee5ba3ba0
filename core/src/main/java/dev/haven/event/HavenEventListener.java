package dev.haven.event;

/**
 * Receives {@link HavenEvent}s. Called on Haven's own threads (monitor or caller); keep it fast and
 * non-blocking. An exception thrown by a listener is logged and ignored: it never fails a request.
 */
@FunctionalInterface
public interface HavenEventListener {

    void onEvent(HavenEvent event);
}
