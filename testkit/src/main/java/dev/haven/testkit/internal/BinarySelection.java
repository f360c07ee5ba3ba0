package dev.haven.testkit.internal;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The one rule by which every server kind of the testkit (PostgreSQL, MariaDB, Redis) picks its binaries: the builder's
 * selection, else the system property, else the environment variable {@code property}, else {@code auto}; then
 * {@code auto} (system binaries when found, else the Maven-shipped ones), {@code system}, {@code maven}, or a path.
 */
public final class BinarySelection {

    private static final Object LOCK = new Object();

    private BinarySelection() {
    }

    /** The selection in effect when no explicit one is given: system property, then environment, then {@code auto}. */
    public static String defaultSelection(String property) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            value = System.getenv(property);
        }
        return value == null || value.isBlank() ? "auto" : value.trim();
    }

    /**
     * Resolves {@code explicit} (null or blank: {@link #defaultSelection}). Serialized across kinds, so that two
     * clusters starting at once unpack Maven binaries one after the other.
     *
     * @param system the system binaries, or null when none are installed
     * @param noSystem what to do about it, for the message when {@code system} was asked for and none was found
     */
    public static <T> T resolve(String property, String explicit, Supplier<T> system, Supplier<T> maven, Function<Path, T> path,
            String noSystem) {
        String sel = explicit == null || explicit.isBlank() ? defaultSelection(property) : explicit.trim();
        synchronized (LOCK) {
            switch (sel.toLowerCase(Locale.ROOT)) {
                case "auto": {
                    T found = system.get();
                    return found != null ? found : maven.get();
                }
                case "system": {
                    T found = system.get();
                    if (found == null) {
                        throw new IllegalStateException(property + "=system but " + noSystem + ", or use " + property + "=maven");
                    }
                    return found;
                }
                case "maven":
                    return maven.get();
                default:
                    return path.apply(Paths.get(sel));
            }
        }
    }
}
